/**
 * A seeded pseudo-random generator for the demo county: sfc32 (Small Fast Counter, period ≥ 2^32, passes
 * PractRand far beyond what a demo needs), seeded through a string hash so that any number or label is a
 * seed. Never Math.random: the same seed must give the same county on every machine.
 *
 * `fork(label)` derives an independent stream per concern (persons, events …), so adding draws to one
 * table does not shift every other table's values.
 */

/** cyrb128-style string hash: four 32-bit words from a string, used as the sfc32 state. */
function hash128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** A weighted choice prepared once (cumulative weights, binary search per draw). */
export interface WeightedPicker<T> {
  (): T;
  readonly items: readonly T[];
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(readonly seed: string | number) {
    [this.a, this.b, this.c, this.d] = hash128(String(seed));
    // Discard the first outputs: sfc32 mixes its state in a few rounds.
    for (let i = 0; i < 15; i++) this.next32();
  }

  /** An independent generator for one concern, derived from this generator's seed and a label. */
  fork(label: string): Random {
    return new Random(`${this.seed}/${label}`);
  }

  /** sfc32: the next unsigned 32-bit integer. */
  next32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next32() / 4294967296;
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** One item, by weight (a linear scan: for long tables drawn from often, prepare a `picker`). */
  weighted<T>(entries: ReadonlyArray<readonly [T, number]>): T {
    let total = 0;
    for (const e of entries) total += e[1];
    if (!(total > 0)) throw new Error('weighted choice needs a positive total weight');
    let x = this.float() * total;
    for (const e of entries) {
      x -= e[1];
      if (x < 0) return e[0];
    }
    return entries[entries.length - 1]![0];
  }

  /** A reusable weighted choice over `[item, weight]` entries (weights need not sum to 1). */
  picker<T>(entries: ReadonlyArray<readonly [T, number]>): WeightedPicker<T> {
    const items = entries.map(([item]) => item);
    const cumulative: number[] = [];
    let total = 0;
    for (const [, w] of entries) {
      if (!(w >= 0)) throw new Error(`weight ${w} must be a non-negative number`);
      total += w;
      cumulative.push(total);
    }
    if (total <= 0) throw new Error('weighted choice needs a positive total weight');
    const pick = () => {
      const x = this.float() * total;
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cumulative[mid]! > x) hi = mid;
        else lo = mid + 1;
      }
      return items[lo]!;
    };
    return Object.assign(pick, { items });
  }

  /** Standard normal (Box–Muller, the second value kept for the next call). */
  normal(mean = 0, sd = 1): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + sd * z;
    }
    let u = 0;
    while (u === 0) u = this.float();
    const v = this.float();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  /** A normal draw rounded and clamped to [min, max]: ages, spouse gaps, counts. */
  normalInt(mean: number, sd: number, min: number, max: number): number {
    return Math.min(max, Math.max(min, Math.round(this.normal(mean, sd))));
  }

  /** `count` distinct items (or all of them, shuffled, when there are fewer). */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = items.slice();
    const n = Math.min(count, copy.length);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(this.float() * (copy.length - i));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, n);
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }

  /** A string of `length` characters drawn from `alphabet`. */
  chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.float() * alphabet.length)];
    return out;
  }

  /** A decimal string of exactly `length` digits (leading zeros kept). */
  digits(length: number): string {
    return this.chars('0123456789', length);
  }
}

/**
 * An age in whole years drawn from a pyramid given as `[fromAge, toAge, weight]` bands (both ends included),
 * uniform inside a band: a "normal-ish" population shape without pretending to know single-year counts.
 */
export function agePicker(
  rng: Random,
  bands: ReadonlyArray<readonly [number, number, number]>,
): () => number {
  const band = rng.picker(bands.map((b) => [b, b[2]] as const));
  return () => {
    const [from, to] = band();
    return rng.int(from, to);
  };
}
