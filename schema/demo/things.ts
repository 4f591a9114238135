import { ThingKind } from '../things/thing.entity';
import { type GenerationContext, type GridInfo, pad, type Source } from './context';
import type { Organizations } from './organizations';
import type { People } from './people';
import type { Places } from './places';
import type { DemoOrganization, DemoThing } from './types';

/**
 * 物 (an X module): video cameras of the 雪亮工程 with GB/T 28181 device IDs, dangerous goods held by the
 * enterprises that store or sell them, and equipment (X-ray machines of delivery firms, village emergency
 * broadcasting, patrol vehicles and drones).
 */

export const CAMERAS_FULL_SCALE = 1200;
export const DRONES_FULL_SCALE = 6;

const POLICE_CAMERAS: Source = { department: '山丹县公安局', dataset: '雪亮工程视频点位' };
const EMERGENCY_GOODS: Source = { department: '山丹县应急管理局', dataset: '危险化学品' };
const POSTAL_EQUIPMENT: Source = { department: '张掖市邮政管理局', dataset: '寄递安检设备' };
const CENTRE_EQUIPMENT: Source = { department: '山丹县综治中心', dataset: '设备台账' };

/** [name, UN number, hazard class (GB 6944), unit] by the holder's industry. */
const GOODS_BY_INDUSTRY: Record<string, ReadonlyArray<readonly [string, string, string, string]>> = {
  加油站: [
    ['汽油', 'UN1203', '3', '吨'],
    ['柴油', 'UN1202', '3', '吨'],
  ],
  化学原料: [
    ['硫酸', 'UN1830', '8', '吨'],
    ['氢氧化钠', 'UN1823', '8', '吨'],
    ['甲醇', 'UN1230', '3', '吨'],
    ['液氨', 'UN1005', '2.3', '吨'],
  ],
  采矿业: [
    ['工业炸药', 'UN0241', '1.1D', '千克'],
    ['工业雷管', 'UN0030', '1.1B', '发'],
  ],
  default: [['液化石油气', 'UN1075', '2.1', '吨']],
};

export function generateThings(
  ctx: GenerationContext,
  people: People,
  places: Places,
  orgs: Organizations,
): DemoThing[] {
  const r = ctx.rng.fork('things');
  const out: DemoThing[] = [];
  const byPopulation = r.picker(
    ctx.grids.map((g) => [g, (people.byGrid.get(g.code)?.length ?? 0) * (g.urban ? 1.6 : 1) + 1] as const),
  );
  const gridOf = (code: string) => ctx.gridByCode.get(code)!;
  const enterprisesByGrid = new Map<string, DemoOrganization[]>();
  for (const o of orgs.rows) {
    if (o.kind !== 'enterprise' || !o.creditCode) continue;
    const list = enterprisesByGrid.get(o.regionCode) ?? [];
    list.push(o);
    enterprisesByGrid.set(o.regionCode, list);
  }
  const sitesByGrid = new Map<string, string[]>();
  for (const p of [...places.schools, ...places.keyAreas]) {
    const list = sitesByGrid.get(p.regionCode) ?? [];
    list.push(p.code);
    sitesByGrid.set(p.regionCode, list);
  }

  // Cameras: 20-digit GB/T 28181 IDs — centre 62072500, industry 00, type 132 (IP camera), network 0, serial.
  const cameras = ctx.count(CAMERAS_FULL_SCALE);
  for (let i = 1; i <= cameras; i++) {
    const grid = byPopulation();
    const code = `62072500001320${pad(i, 6)}`;
    const social = r.chance(0.1) ? (enterprisesByGrid.get(grid.code) ?? null) : null;
    const owner = social?.length ? r.pick(social) : null;
    const sites = sitesByGrid.get(grid.code);
    const placeCode = sites && r.chance(0.3) ? r.pick(sites) : null;
    const type = r.weighted([
      ['枪机', 55],
      ['球机', 30],
      ['半球', 15],
    ]);
    out.push({
      regionCode: grid.code,
      regionPath: grid.path,
      provenance: ctx.provenance(POLICE_CAMERAS, code),
      code,
      kind: ThingKind.CAMERA,
      name: `${grid.unitName}${r.pick(['路口', '村口', '广场', '巷道', '小区门口', '集市', '桥头'])}${type}${pad(i, 4)}`,
      type,
      ownerCreditCode: owner?.creditCode ?? null,
      ownerIdNumber: null,
      placeCode,
      longitude: ctx.longitudeNear(r, grid, grid.urban ? 0.01 : 0.05),
      latitude: ctx.latitudeNear(r, grid, grid.urban ? 0.01 : 0.05),
      attributes: {
        installAddress: `甘肃省张掖市山丹县${grid.townshipName}${grid.unitName}`,
        installedOn: ctx.dayBetween(r, '2018-06-01', ctx.addDays(ctx.asOf, -30)),
        ownerUnit: owner ? owner.name : '山丹县公安局(雪亮工程)',
        channelNumber: '1',
        isConnected: owner ? r.chance(0.8) : true,
        isOnline: r.chance(0.95),
      },
    });
  }

  // Dangerous goods: each hazardous enterprise holds one to three kinds.
  let goodsSeq = 0;
  for (const org of orgs.hazardous) {
    const industry = orgs.industryOf.get(org.creditCode!) ?? '';
    const list = GOODS_BY_INDUSTRY[industry] ?? GOODS_BY_INDUSTRY.default!;
    for (const [name, un, hazardClass, unit] of r.sample(list, r.int(1, Math.min(3, list.length)))) {
      const code = `WXP${ctx.year}${pad(++goodsSeq, 5)}`;
      const licensed = ctx.dayBetween(r, `${ctx.year - 2}-01-01`, ctx.asOf);
      const grid = gridOf(org.regionCode);
      out.push({
        regionCode: grid.code,
        regionPath: grid.path,
        provenance: ctx.provenance(EMERGENCY_GOODS, code),
        code,
        kind: ThingKind.DANGEROUS_GOODS,
        name: `${name}(${un})`,
        type: hazardClass.startsWith('1')
          ? '爆炸品'
          : hazardClass.startsWith('2')
            ? '气体'
            : hazardClass === '3'
              ? '易燃液体'
              : '腐蚀性物质',
        ownerCreditCode: org?.creditCode ?? null,
        ownerIdNumber: null,
        placeCode: null,
        longitude: org.longitude,
        latitude: org.latitude,
        attributes: {
          quantity: unit === '发' ? r.int(200, 5000) : r.int(2, 120),
          unit,
          storageAddress: `${org.address}${r.pick(['专用储罐', '专用仓库', '地下储罐', '专用库房'])}`,
          custodianName: org.legalRepresentative,
          custodianPhone: org.phone,
          licenceNumber: `(甘)WH安经[${licensed.slice(0, 4)}]${pad(r.int(1, 999), 4)}`,
          licenceValidUntil: ctx.addDays(licensed, 3 * 365),
          harmDegree: hazardClass.startsWith('1') || hazardClass === '2.3' ? '01' : '02',
          lastInspectedOn: ctx.dayBetween(r, `${ctx.year}-01-01`, ctx.asOf),
        },
      });
    }
  }

  // Equipment.
  let equipmentSeq = 0;
  const equipment = (
    grid: GridInfo,
    source: Source,
    name: string,
    type: string,
    org: DemoOrganization | null,
    attributes: Record<string, unknown>,
  ) => {
    const code = `SB${pad(++equipmentSeq, 6)}`;
    out.push({
      regionCode: grid.code,
      regionPath: grid.path,
      provenance: ctx.provenance(source, code),
      code,
      kind: ThingKind.EQUIPMENT,
      name,
      type,
      ownerCreditCode: org?.creditCode ?? null,
      ownerIdNumber: null,
      placeCode: null,
      longitude: ctx.longitudeNear(r, grid),
      latitude: ctx.latitudeNear(r, grid),
      attributes,
    });
  };
  for (const firm of orgs.deliveryFirms) {
    const xray = Number(firm.attributes.xrayMachineCount ?? 0);
    for (let i = 1; i <= xray; i++) {
      equipment(gridOf(firm.regionCode), POSTAL_EQUIPMENT, `${firm.name}X光安检机${i}号`, 'X光机', firm, {
        model: r.pick(['5030C', '6550', '100100']),
        serialNumber: `XR${r.digits(8)}`,
        purchasedOn: ctx.dayBetween(r, '2019-01-01', ctx.addDays(ctx.asOf, -60)),
        status: '在用',
        holderName: firm.legalRepresentative,
        holderPhone: firm.phone,
      });
    }
  }
  for (const org of orgs.rows) {
    if (org.kind === 'governance_centre' && org.attributes.level === '06') {
      equipment(
        gridOf(org.regionCode),
        CENTRE_EQUIPMENT,
        `${org.name.replace(/综治中心$/, '')}应急广播终端`,
        '应急广播',
        null,
        {
          purchasedOn: ctx.dayBetween(r, '2020-01-01', ctx.addDays(ctx.asOf, -60)),
          status: r.chance(0.93) ? '在用' : '离线待修',
          holderName: org.legalRepresentative,
          holderPhone: org.phone,
        },
      );
    }
    if (org.kind === 'patrol_team' && org.category === '01') {
      equipment(
        gridOf(org.regionCode),
        CENTRE_EQUIPMENT,
        `${org.name}巡逻车`,
        '巡逻车',
        org.creditCode ? org : null,
        {
          serialNumber: `甘G${r.chars('ABCDEFGHJKLMNPQRSTUVWXYZ0123456789', 5)}`,
          status: '在用',
          holderName: org.legalRepresentative,
          holderPhone: org.phone,
        },
      );
    }
  }
  for (let i = 1; i <= ctx.count(DRONES_FULL_SCALE); i++) {
    equipment(
      r.pick(ctx.grids.filter((g) => g.urban)),
      CENTRE_EQUIPMENT,
      `综治巡查无人机${i}号`,
      '无人机',
      null,
      {
        model: r.pick(['经纬M30', 'Mavic 3 行业版']),
        serialNumber: `UAV${r.digits(8)}`,
        purchasedOn: ctx.dayBetween(r, '2021-01-01', ctx.addDays(ctx.asOf, -60)),
        status: '在用',
      },
    );
  }
  return out;
}
