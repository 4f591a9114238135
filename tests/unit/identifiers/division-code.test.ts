import { describe, expect, it } from 'vitest';
import {
  type DivisionRule,
  isProvincePrefix,
  parseDivisionCode,
  parseGridCode,
} from '../../../schema/identifiers';
import { DEMO_COUNTY, demoCountyRegions } from '../../../schema/regions/demo-county';
import { RegionLevel } from '../../../schema/regions/region.entity';

describe('parseDivisionCode: 6-digit GB/T 2260 codes', () => {
  it.each([
    ['620725', 'county', '620700', '620725'],
    ['622226', 'county', '622200', '622226'],
    ['620700', 'prefecture', '620000', null],
    ['620000', 'province', null, null],
    ['110105', 'county', '110100', '110105'],
    ['820000', 'province', null, null],
  ])('%s is a %s with parent %s', (code, level, parentCode, countyCode) => {
    expect(parseDivisionCode(code)).toEqual({
      ok: true,
      value: code,
      warnings: [],
      level,
      kind: level,
      parentCode,
      provinceCode: `${code.slice(0, 2)}0000`,
      countyCode,
      townshipCode: null,
    });
  });

  it('knows the province prefixes 11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71, 81, 82 and no others', () => {
    const valid = new Set([
      ...[11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37],
      ...[41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82],
    ]);
    for (let n = 0; n < 100; n++) {
      const prefix = String(n).padStart(2, '0');
      expect(isProvincePrefix(prefix), prefix).toBe(valid.has(n));
      const result = parseDivisionCode(`${prefix}0725`);
      expect(result.ok ? 'ok' : result.rule, prefix).toBe(valid.has(n) ? 'ok' : 'DIVISION_CODE_PROVINCE');
    }
    expect(isProvincePrefix('6')).toBe(false);
    expect(isProvincePrefix('6a')).toBe(false);
  });
});

describe('parseDivisionCode: 9-digit townships (GB/T 10114)', () => {
  it.each([
    ['620725001', 'subdistrict'],
    ['620725099', 'subdistrict'],
    ['620725100', 'town'],
    ['620725101', 'town'],
    ['620725199', 'town'],
    ['620725200', 'xiang'],
    ['620725203', 'xiang'],
    ['620725399', 'xiang'],
    ['620725400', 'farm'],
    ['620725402', 'farm'],
    ['620725599', 'farm'],
  ])('%s is a %s under 620725', (code, kind) => {
    expect(parseDivisionCode(code)).toMatchObject({
      ok: true,
      level: 'township',
      kind,
      parentCode: '620725',
      countyCode: '620725',
      townshipCode: code,
      provinceCode: '620000',
    });
  });

  it.each(['620725000', '620725600', '620725999'])('rejects %s (outside the ranges)', (code) => {
    expect(parseDivisionCode(code)).toMatchObject({
      ok: false,
      rule: 'DIVISION_CODE_TOWNSHIP_RANGE',
      message: `township code "${code}": ${code.slice(6)} is outside the GB/T 10114 ranges (001–099 sub-district, 100–199 town, 200–399 township, 400–599 farm or ranch)`,
    });
  });

  it('accepts townships directly under a prefecture-level city without counties (嘉峪关 620200)', () => {
    expect(parseDivisionCode('620200100')).toMatchObject({ ok: true, parentCode: '620200' });
  });
});

describe('parseDivisionCode: 12-digit villages and communities', () => {
  it.each([
    ['620725101001', 'community'],
    ['620725101199', 'community'],
    ['620725101200', 'village'],
    ['620725204399', 'village'],
  ])('%s is a %s', (code, kind) => {
    expect(parseDivisionCode(code)).toMatchObject({
      ok: true,
      level: 'village',
      kind,
      parentCode: code.slice(0, 9),
      townshipCode: code.slice(0, 9),
      countyCode: '620725',
    });
  });

  it.each<[string, DivisionRule, string]>([
    [
      '620725101000',
      'DIVISION_CODE_VILLAGE_RANGE',
      'village code "620725101000": 000 is outside the GB/T 10114 ranges (001–199 community, 200–399 village); 620725101000 looks like township 620725101 zero-padded',
    ],
    [
      '620725101400',
      'DIVISION_CODE_VILLAGE_RANGE',
      'village code "620725101400": 400 is outside the GB/T 10114 ranges (001–199 community, 200–399 village)',
    ],
    [
      '620725700001',
      'DIVISION_CODE_TOWNSHIP_RANGE',
      'village code "620725700001": township part 700 is outside the GB/T 10114 ranges',
    ],
    [
      '990725101001',
      'DIVISION_CODE_PROVINCE',
      'division code "990725101001": 99 is not a GB/T 2260 province code',
    ],
  ])('rejects %s', (code, rule, message) => {
    const result = parseDivisionCode(code);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.rule).toBe(rule);
    expect(result.message).toContain(message);
  });
});

describe('parseDivisionCode: format, normalisation and expected levels', () => {
  it.each([
    '62072',
    '6207251',
    '6207251010',
    '62072510100',
    '6207251010011',
    '62O725',
    '620725-101',
    '６２０７２５ｘ',
  ])('rejects %s as malformed', (code) => {
    expect(parseDivisionCode(code)).toMatchObject({
      ok: false,
      rule: 'DIVISION_CODE_FORMAT',
      message: expect.stringContaining(
        'must be 6 digits (GB/T 2260), 9 digits (township) or 12 digits (village)',
      ),
    });
  });

  it('rejects empty input', () => {
    expect(parseDivisionCode('  ')).toMatchObject({ ok: false, rule: 'DIVISION_CODE_EMPTY' });
    expect(parseDivisionCode(undefined)).toMatchObject({ ok: false, rule: 'DIVISION_CODE_EMPTY' });
  });

  it('trims and folds full-width digits', () => {
    expect(parseDivisionCode(' ６２０７２５１０１ ')).toMatchObject({ ok: true, value: '620725101' });
  });

  it('rejects a code of a level the field does not take', () => {
    expect(parseDivisionCode('620725101', { levels: ['village'] })).toMatchObject({
      ok: false,
      rule: 'DIVISION_CODE_LEVEL',
      message: 'division code "620725101": is a township code, expected a village code',
    });
    expect(parseDivisionCode('620725101001', { levels: ['township', 'village'] }).ok).toBe(true);
  });
});

describe('parseGridCode: opaque local codes under a village', () => {
  it('extracts the village from 620725101001-G03', () => {
    expect(parseGridCode('620725101001-G03')).toEqual({
      ok: true,
      value: '620725101001-G03',
      warnings: [],
      villageCode: '620725101001',
      suffix: 'G03',
      villageKind: 'community',
      townshipCode: '620725101',
      countyCode: '620725',
    });
  });

  it('keeps the suffix as given (opaque), folding only full-width forms', () => {
    expect(parseGridCode('620725203201-z01')).toMatchObject({
      ok: true,
      suffix: 'z01',
      villageKind: 'village',
    });
    expect(parseGridCode('620725101001-A-12-b')).toMatchObject({ ok: true, suffix: 'A-12-b' });
    expect(parseGridCode('６２０７２５１０１００１－Ｇ０３')).toMatchObject({
      ok: true,
      value: '620725101001-G03',
    });
    expect(parseGridCode(`620725101001-${'G'.repeat(32)}`).ok).toBe(true);
  });

  it.each([
    '620725101001',
    '620725101001-',
    '620725101001G03',
    '620725101-G03',
    '620725101001-G 03',
    '620725101001-G/03',
    '620725101001-G_03',
    '620725101001-G%',
    '620725101001--G03',
    '620725101001-G03-',
    `620725101001-${'G'.repeat(33)}`,
  ])('rejects %s as malformed', (code) => {
    expect(parseGridCode(code)).toMatchObject({ ok: false, rule: 'GRID_CODE_FORMAT' });
  });

  it('rejects a grid whose village part is not a village code, saying why', () => {
    expect(parseGridCode('620725101000-G01')).toMatchObject({
      ok: false,
      rule: 'GRID_CODE_VILLAGE',
      message: expect.stringContaining(
        'grid code "620725101000-G01": village code "620725101000": 000 is outside',
      ),
    });
    expect(parseGridCode('')).toMatchObject({ ok: false, rule: 'GRID_CODE_EMPTY' });
  });
});

describe('agreement with the demo county', () => {
  it('every demo region code parses to its level and kind', () => {
    const regions = demoCountyRegions();
    expect(regions.length).toBeGreaterThan(300);
    for (const r of regions) {
      if (r.level === RegionLevel.GRID) {
        const grid = parseGridCode(r.code);
        expect(grid.ok && grid.villageCode, r.code).toBe(r.parentCode);
      } else {
        const division = parseDivisionCode(r.code);
        expect(division.ok, r.code).toBe(true);
        if (!division.ok) continue;
        expect(division.level, r.code).toBe(r.level);
        expect(division.kind, r.code).toBe(r.kind);
        if (r.code !== DEMO_COUNTY.code) expect(division.parentCode, r.code).toBe(r.parentCode);
      }
    }
  });
});
