import { RegionKind, RegionLevel } from './region.entity';
import { townshipKindOf, villageKindOf } from './region-path';

/**
 * The demo county's governance tree, modelled on 山丹县 (shared/reference/domain.md §1).
 *
 * - County and the 8 townships: real GB/T 2260 / GB/T 10114 codes and names.
 * - The 123 villages and communities: real names; their official 12-digit codes are unknown, so they are
 *   synthesised by the national pattern (township + 001–199 for communities, 200–399 for villages, in the
 *   order listed) and flagged `synthetic`.
 * - Grids: the county report counts 111 rural, 100 urban-community and 9 special grids. Each village is
 *   one rural grid (111 villages → 111 grids); the 100 urban grids are spread over the 12 communities of the
 *   county seat (4 × 9 + 8 × 8); the 9 special (专属) grids cover institutions and sites and sit under the
 *   village or community that hosts them (their placement is illustrative). 220 in all: the report's total
 *   of 225 does not reconcile with its own breakdown, so the breakdown is followed.
 * - The two farm/ranch units (620725400, 620725402) are not governed through the township grid system and
 *   are left out.
 */

export const DEMO_COUNTY = { code: '620725', name: '山丹县' } as const;

interface TownshipSource {
  code: string;
  name: string;
  communities: string[];
  villages: string[];
}

const TOWNSHIPS: TownshipSource[] = [
  {
    code: '620725101',
    name: '清泉镇',
    communities: [
      '长城',
      '北街',
      '南街',
      '文化街',
      '县府街',
      '新城',
      '世博',
      '永宁',
      '和盛',
      '滨河',
      '博兴',
      '焉支',
    ],
    villages: [
      '北滩',
      '东街',
      '西街',
      '南关',
      '南湖',
      '南湾',
      '双桥',
      '清泉',
      '祁店',
      '拾号',
      '北湾',
      '郑庄',
      '郇庄',
      '城北',
      '红寺湖',
    ],
  },
  {
    code: '620725102',
    name: '位奇镇',
    communities: [],
    villages: [
      '位奇',
      '东湾',
      '十里堡',
      '二十里堡',
      '高寨',
      '四坝',
      '永兴',
      '马寨',
      '张湾',
      '孙家营',
      '暖泉',
      '朱湾',
      '柳荫',
      '芦堡',
      '汪庄',
      '新开',
      '侯山',
    ],
  },
  {
    code: '620725103',
    name: '霍城镇',
    communities: [],
    villages: [
      '下西山',
      '上西山',
      '新庄',
      '双湖',
      '沙沟',
      '东关',
      '西关',
      '周庄',
      '王庄',
      '西坡',
      '下河西',
      '上河西',
      '刘庄',
      '杜庄',
      '泉头',
      '东山',
    ],
  },
  {
    code: '620725104',
    name: '陈户镇',
    communities: [],
    villages: [
      '三十里堡',
      '刘伏',
      '西门',
      '东门',
      '沙河湾',
      '王城',
      '张庄',
      '岸头',
      '陈户',
      '周坑',
      '盘山',
      '寺沟',
      '范营',
      '孙营',
      '山湾',
      '焉支',
    ],
  },
  {
    code: '620725105',
    name: '大马营镇',
    communities: [],
    villages: [
      '马营',
      '磨湾',
      '新墩',
      '夹河',
      '圈沟',
      '窑坡',
      '双泉',
      '前山',
      '新泉',
      '楼庄',
      '城南',
      '花寨',
      '高湖',
      '上山湾',
      '上河',
      '中河',
      '下河',
    ],
  },
  {
    code: '620725106',
    name: '东乐镇',
    communities: [],
    villages: ['山羊堡', '西屯', '城西', '城东', '大寨', '小寨', '五墩', '十里堡', '大桥', '静安'],
  },
  {
    code: '620725203',
    name: '老军乡',
    communities: [],
    villages: ['焦湾', '老军', '祝庄', '孙庄', '李泉', '潘庄', '郭泉', '羊虎沟', '硖口', '丰城'],
  },
  {
    code: '620725204',
    name: '李桥乡',
    communities: [],
    villages: ['杨坝', '高庙', '吴宁', '巴寨', '河湾', '下寨', '上寨', '周庄', '东沟', '西沟'],
  },
];

export const URBAN_GRID_COUNT = 100;

/** Special grids: host village/community (township + name) and the grid's name. Illustrative placement. */
const SPECIAL_GRIDS: Array<{ township: string; host: string; name: string }> = [
  { township: '620725101', host: '县府街', name: '县人民医院专属网格' },
  { township: '620725101', host: '文化街', name: '山丹一中专属网格' },
  { township: '620725101', host: '新城', name: '火车站专属网格' },
  { township: '620725101', host: '南街', name: '汽车站专属网格' },
  { township: '620725101', host: '城北', name: '城北工业园区专属网格' },
  { township: '620725101', host: '世博', name: '商贸物流园专属网格' },
  { township: '620725101', host: '南湖', name: '大佛寺景区专属网格' },
  { township: '620725106', host: '城东', name: '东乐工业集中区专属网格' },
  { township: '620725203', host: '丰城', name: '焉支山景区专属网格' },
];

export interface RegionSeed {
  code: string;
  name: string;
  level: RegionLevel;
  kind: RegionKind;
  parentCode: string | null;
  synthetic: boolean;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** The whole tree, parents before children, deterministic. */
export function demoCountyRegions(): RegionSeed[] {
  const out: RegionSeed[] = [
    {
      code: DEMO_COUNTY.code,
      name: DEMO_COUNTY.name,
      level: RegionLevel.COUNTY,
      kind: RegionKind.COUNTY,
      parentCode: null,
      synthetic: false,
    },
  ];
  const grids: RegionSeed[] = [];
  const villageCodeByName = new Map<string, string>();
  const communities: RegionSeed[] = [];

  for (const t of TOWNSHIPS) {
    out.push({
      code: t.code,
      name: t.name,
      level: RegionLevel.TOWNSHIP,
      kind: townshipKindOf(t.code),
      parentCode: DEMO_COUNTY.code,
      synthetic: false,
    });
    const units = [
      ...t.communities.map((name, i) => ({
        name: `${name}社区`,
        short: name,
        code: `${t.code}${pad(i + 1, 3)}`,
      })),
      ...t.villages.map((name, i) => ({
        name: `${name}村`,
        short: name,
        code: `${t.code}${pad(200 + i + 1, 3)}`,
      })),
    ];
    for (const u of units) {
      const kind = villageKindOf(u.code);
      const seed: RegionSeed = {
        code: u.code,
        name: u.name,
        level: RegionLevel.VILLAGE,
        kind,
        parentCode: t.code,
        synthetic: true,
      };
      out.push(seed);
      villageCodeByName.set(`${t.code}/${u.short}`, u.code);
      if (kind === RegionKind.COMMUNITY) communities.push(seed);
      else
        grids.push({
          code: `${u.code}-G01`,
          name: `${u.name}网格`,
          level: RegionLevel.GRID,
          kind: RegionKind.RURAL_GRID,
          parentCode: u.code,
          synthetic: true,
        });
    }
  }

  // Urban grids: spread as evenly as possible, the first communities taking the remainder.
  const base = Math.floor(URBAN_GRID_COUNT / communities.length);
  const extra = URBAN_GRID_COUNT % communities.length;
  communities.forEach((c, i) => {
    const count = base + (i < extra ? 1 : 0);
    for (let g = 1; g <= count; g++) {
      grids.push({
        code: `${c.code}-G${pad(g, 2)}`,
        name: `${c.name}第${g}网格`,
        level: RegionLevel.GRID,
        kind: RegionKind.URBAN_GRID,
        parentCode: c.code,
        synthetic: true,
      });
    }
  });

  const specialsPerHost = new Map<string, number>();
  for (const s of SPECIAL_GRIDS) {
    const host = villageCodeByName.get(`${s.township}/${s.host}`);
    if (!host)
      throw new Error(`Special grid "${s.name}": no village or community "${s.host}" in ${s.township}`);
    const n = (specialsPerHost.get(host) ?? 0) + 1;
    specialsPerHost.set(host, n);
    grids.push({
      code: `${host}-Z${pad(n, 2)}`,
      name: s.name,
      level: RegionLevel.GRID,
      kind: RegionKind.SPECIAL_GRID,
      parentCode: host,
      synthetic: true,
    });
  }
  return [...out, ...grids];
}
