import { describe, expect, it } from 'vitest';
import { DEMO_COUNTY, demoCountyRegions } from '../../schema/regions/demo-county';
import { RegionKind, RegionLevel } from '../../schema/regions/region.entity';
import {
  ancestorCodes,
  childPath,
  subtreePattern,
  townshipKindOf,
  villageKindOf,
} from '../../schema/regions/region-path';

describe('materialised paths', () => {
  it('extend the parent path by the code and list ancestors county first', () => {
    const county = childPath('/', '620725');
    const township = childPath(county, '620725101');
    const grid = childPath(childPath(township, '620725101001'), '620725101001-G01');
    expect(grid).toBe('/620725/620725101/620725101001/620725101001-G01/');
    expect(ancestorCodes(grid)).toEqual(['620725', '620725101', '620725101001']);
    expect(ancestorCodes(county)).toEqual([]);
    expect(subtreePattern(township)).toBe('/620725/620725101/%');
    expect(() => childPath(county, 'a/b')).toThrow('must not contain "/"');
  });

  it('derive township and village kinds from the GB/T 10114 ranges', () => {
    expect(townshipKindOf('620725001')).toBe(RegionKind.SUBDISTRICT);
    expect(townshipKindOf('620725101')).toBe(RegionKind.TOWN);
    expect(townshipKindOf('620725204')).toBe(RegionKind.XIANG);
    expect(townshipKindOf('620725400')).toBe(RegionKind.FARM);
    expect(() => townshipKindOf('620725700')).toThrow('outside the GB/T 10114 ranges');
    expect(() => townshipKindOf('62072510')).toThrow(
      'must be 6 digits (GB/T 2260), 9 digits (township) or 12 digits (village)',
    );
    expect(villageKindOf('620725101012')).toBe(RegionKind.COMMUNITY);
    expect(villageKindOf('620725101215')).toBe(RegionKind.VILLAGE);
    expect(() => villageKindOf('620725101400')).toThrow('400 is outside the GB/T 10114 ranges');
  });
});

describe('the demo county', () => {
  const regions = demoCountyRegions();
  const at = (level: RegionLevel) => regions.filter((r) => r.level === level);

  it('has the real county and its 8 townships with their codes and names', () => {
    expect(at(RegionLevel.COUNTY)).toEqual([
      expect.objectContaining({ code: '620725', name: '山丹县', synthetic: false }),
    ]);
    expect(at(RegionLevel.TOWNSHIP).map((t) => `${t.code} ${t.name}`)).toEqual([
      '620725101 清泉镇',
      '620725102 位奇镇',
      '620725103 霍城镇',
      '620725104 陈户镇',
      '620725105 大马营镇',
      '620725106 东乐镇',
      '620725203 老军乡',
      '620725204 李桥乡',
    ]);
    expect(at(RegionLevel.TOWNSHIP).every((t) => !t.synthetic)).toBe(true);
  });

  it('has 123 villages and communities (12 + 111) with synthetic codes by the national pattern', () => {
    const villages = at(RegionLevel.VILLAGE);
    expect(villages).toHaveLength(123);
    expect(villages.filter((v) => v.kind === RegionKind.COMMUNITY)).toHaveLength(12);
    expect(villages.filter((v) => v.kind === RegionKind.VILLAGE)).toHaveLength(111);
    for (const v of villages) {
      expect(v.synthetic).toBe(true);
      expect(v.code).toMatch(/^\d{12}$/);
      expect(v.code.startsWith(v.parentCode!)).toBe(true);
    }
    expect(villages.find((v) => v.code === '620725101001')?.name).toBe('长城社区');
    expect(villages.find((v) => v.code === '620725204210')?.name).toBe('西沟村');
  });

  it('has 111 rural, 100 urban and 9 special grids, each under a village or community', () => {
    const grids = at(RegionLevel.GRID);
    expect(grids.filter((g) => g.kind === RegionKind.RURAL_GRID)).toHaveLength(111);
    expect(grids.filter((g) => g.kind === RegionKind.URBAN_GRID)).toHaveLength(100);
    expect(grids.filter((g) => g.kind === RegionKind.SPECIAL_GRID)).toHaveLength(9);
    const villageCodes = new Set(at(RegionLevel.VILLAGE).map((v) => v.code));
    for (const g of grids) expect(villageCodes.has(g.parentCode!)).toBe(true);
  });

  it('is deterministic, has unique codes and lists parents before children', () => {
    expect(demoCountyRegions()).toEqual(regions);
    const seen = new Set<string>();
    for (const r of regions) {
      expect(seen.has(r.code)).toBe(false);
      if (r.parentCode) expect(seen.has(r.parentCode)).toBe(true);
      seen.add(r.code);
    }
    expect(regions).toHaveLength(1 + 8 + 123 + 220);
    expect(regions[0].code).toBe(DEMO_COUNTY.code);
  });
});
