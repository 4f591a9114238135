/** A tiny seeded PRNG (mulberry32) so that generated cases are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

export function digits(random: () => number, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += String(Math.floor(random() * 10));
  return out;
}

/** Every string obtained by replacing exactly one character of `value` with another from `allowedAt(i)`. */
export function singleSubstitutions(value: string, allowedAt: (index: number) => string): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length; i++) {
    for (const ch of allowedAt(i)) {
      if (ch !== value[i]) out.push(`${value.slice(0, i)}${ch}${value.slice(i + 1)}`);
    }
  }
  return out;
}
