import { describe, expect, it } from 'vitest';
import { dayNumber, isoFromDayNumber } from '../../../schema/demo/context';
import { copyField } from '../../../schema/demo/copy';
import { organizationCodeCheckChar } from '../../../schema/demo/identity';
import { agePicker, Random } from '../../../schema/demo/random';

describe('the seeded generator', () => {
  it('gives the same stream for the same seed, another for another seed or fork', () => {
    const draw = (r: Random) => Array.from({ length: 8 }, () => r.next32());
    expect(draw(new Random(42))).toEqual(draw(new Random(42)));
    expect(draw(new Random('42'))).toEqual(draw(new Random(42)));
    expect(draw(new Random(43))).not.toEqual(draw(new Random(42)));
    expect(draw(new Random(42).fork('persons'))).toEqual(draw(new Random(42).fork('persons')));
    expect(draw(new Random(42).fork('persons'))).not.toEqual(draw(new Random(42).fork('events')));
  });

  it('draws integers in range, roughly uniformly', () => {
    const r = new Random(1);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.int(1, 6) - 1]++;
    for (const c of counts) expect(c).toBeGreaterThan(9_500);
    for (const c of counts) expect(c).toBeLessThan(10_500);
    const f = Array.from({ length: 1000 }, () => r.float());
    expect(Math.min(...f)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...f)).toBeLessThan(1);
  });

  it('picks by weight, with one-off and prepared choices agreeing in distribution', () => {
    const entries = [
      ['a', 1],
      ['b', 3],
      ['c', 0],
      ['d', 6],
    ] as const;
    const r = new Random(7);
    const picker = r.picker(entries);
    const once = { a: 0, b: 0, c: 0, d: 0 };
    const prepared = { a: 0, b: 0, c: 0, d: 0 };
    for (let i = 0; i < 50_000; i++) {
      once[r.weighted(entries)]++;
      prepared[picker()]++;
    }
    for (const counts of [once, prepared]) {
      expect(counts.c).toBe(0);
      expect(counts.a / 50_000).toBeCloseTo(0.1, 1);
      expect(counts.b / 50_000).toBeCloseTo(0.3, 1);
      expect(counts.d / 50_000).toBeCloseTo(0.6, 1);
    }
    expect(() => r.weighted([['x', 0]])).toThrow('positive total weight');
  });

  it('samples distinct items and draws ages from a pyramid of bands', () => {
    const r = new Random(3);
    const sample = r.sample([...Array(100).keys()], 30);
    expect(new Set(sample).size).toBe(30);
    expect(r.sample([1, 2, 3], 10).sort()).toEqual([1, 2, 3]);
    const age = agePicker(r, [
      [0, 14, 1],
      [60, 90, 1],
    ]);
    const ages = Array.from({ length: 2000 }, age);
    expect(ages.every((a) => (a >= 0 && a <= 14) || (a >= 60 && a <= 90))).toBe(true);
    const normal = Array.from({ length: 20_000 }, () => r.normal(35, 10));
    const mean = normal.reduce((a, b) => a + b, 0) / normal.length;
    expect(mean).toBeCloseTo(35, 0);
    expect(r.normalInt(35, 10, 18, 60)).toBeGreaterThanOrEqual(18);
  });
});

describe('calendar arithmetic', () => {
  it('agrees with Date over five centuries, leap days included', () => {
    for (let n = dayNumber('1800-01-01'); n <= dayNumber('2300-12-31'); n += 1) {
      const iso = new Date(n * 86_400_000).toISOString().slice(0, 10);
      if (dayNumber(iso) !== n || isoFromDayNumber(n) !== iso) throw new Error(`day ${n}: ${iso}`);
    }
    expect(dayNumber('1970-01-01')).toBe(0);
    expect(isoFromDayNumber(dayNumber('2024-02-28') + 1)).toBe('2024-02-29');
    expect(isoFromDayNumber(dayNumber('2023-02-28') + 1)).toBe('2023-03-01');
  });
});

describe('identifier and COPY helpers', () => {
  it('computes GB 11714 organisation-code check characters', () => {
    // By hand: Σ = 1·3 + 2·7 + 3·9 + 4·10 + 5·5 + 6·8 + 7·4 + 8·2 = 201; 11 − 201 mod 11 = 8.
    expect(organizationCodeCheckChar('12345678')).toBe('8');
    // The organisation code inside GB 32100's example 91350100M000100Y43 is M000100Y4 (letters count 10–35).
    expect(organizationCodeCheckChar('M000100Y')).toBe('4');
    // Σ mod 11 = 1 gives X (6·2 = 12), Σ mod 11 = 0 gives 0.
    expect(organizationCodeCheckChar('00000006')).toBe('X');
    expect(organizationCodeCheckChar('00000000')).toBe('0');
  });

  it('escapes COPY text fields', () => {
    expect(copyField(null, 'text')).toBe('\\N');
    expect(copyField('a\tb\\c\nd', 'text')).toBe('a\\tb\\\\c\\nd');
    expect(copyField(true, 'scalar')).toBe('t');
    expect(copyField(1.5, 'scalar')).toBe('1.5');
    expect(copyField({ a: 'x"y' }, 'json')).toBe('{"a":"x\\\\"y"}');
    expect(copyField(['独居老人', 'a"b'], 'array')).toBe('{"独居老人","a\\\\"b"}');
  });
});
