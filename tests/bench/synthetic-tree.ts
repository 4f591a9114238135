import type { RegionSeed } from '../../schema/regions/demo-county';
import { RegionKind, RegionLevel } from '../../schema/regions/region.entity';
import { childPath, ROOT_PATH, townshipKindOf, villageKindOf } from '../../schema/regions/region-path';

/**
 * A province-sized governance tree for the benchmarks, deterministic: 100 counties (10 prefectures × 10) ×
 * 10 townships (2 sub-districts, 6 towns, 2 xiang) × 15 villages (3 communities, 12 villages) × 5 grids =
 * 91,100 units. Codes follow the same national patterns as the demo county, so `loadRegionTree` accepts them.
 */
export const SHAPE = { counties: 100, townships: 10, villages: 15, grids: 5 } as const;

const TOWNSHIP_SUFFIXES = ['001', '002', '101', '102', '103', '104', '105', '106', '201', '202'];
const VILLAGE_SUFFIXES = ['001', '002', '003', ...Array.from({ length: 12 }, (_, i) => String(201 + i))];
const TOWNSHIP_NAME: Partial<Record<RegionKind, string>> = {
  [RegionKind.SUBDISTRICT]: '街道',
  [RegionKind.TOWN]: '镇',
  [RegionKind.XIANG]: '乡',
};

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export interface SyntheticTree {
  seeds: RegionSeed[];
  /** Materialised path of every unit, as `loadRegionTree` computes it (for the raw references). */
  paths: Map<string, string>;
  counties: string[];
  townships: string[];
}

export function syntheticProvince(): SyntheticTree {
  const seeds: RegionSeed[] = [];
  const paths = new Map<string, string>();
  const counties: string[] = [];
  const townships: string[] = [];
  const add = (seed: RegionSeed) => {
    seeds.push(seed);
    paths.set(seed.code, childPath(seed.parentCode ? paths.get(seed.parentCode)! : ROOT_PATH, seed.code));
  };

  for (let c = 0; c < SHAPE.counties; c++) {
    const county = `62${pad(1 + Math.floor(c / 10), 2)}${pad(21 + (c % 10), 2)}`;
    counties.push(county);
    add({
      code: county,
      name: `第${c + 1}县`,
      level: RegionLevel.COUNTY,
      kind: RegionKind.COUNTY,
      parentCode: null,
      synthetic: true,
    });
    for (const t of TOWNSHIP_SUFFIXES.slice(0, SHAPE.townships)) {
      const township = `${county}${t}`;
      const kind = townshipKindOf(township);
      townships.push(township);
      add({
        code: township,
        name: `${county}第${t}${TOWNSHIP_NAME[kind]}`,
        level: RegionLevel.TOWNSHIP,
        kind,
        parentCode: county,
        synthetic: true,
      });
      for (const v of VILLAGE_SUFFIXES.slice(0, SHAPE.villages)) {
        const village = `${township}${v}`;
        const vkind = villageKindOf(village);
        const vname = `${township}第${v}${vkind === RegionKind.COMMUNITY ? '社区' : '村'}`;
        add({
          code: village,
          name: vname,
          level: RegionLevel.VILLAGE,
          kind: vkind,
          parentCode: township,
          synthetic: true,
        });
        for (let g = 1; g <= SHAPE.grids; g++) {
          add({
            code: `${village}-G${pad(g, 2)}`,
            name: `${vname}第${g}网格`,
            level: RegionLevel.GRID,
            kind: vkind === RegionKind.COMMUNITY ? RegionKind.URBAN_GRID : RegionKind.RURAL_GRID,
            parentCode: village,
            synthetic: true,
          });
        }
      }
    }
  }
  return { seeds, paths, counties, townships };
}
