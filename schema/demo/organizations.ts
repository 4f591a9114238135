import { OrganizationKind } from '../organizations/organization.entity';
import { RegionLevel } from '../regions/region.entity';
import { type GenerationContext, type GridInfo, pad, type Source } from './context';
import { mobileNumber } from './identity';
import type { People, PersonMeta } from './people';
import type { DemoOrganization } from './types';
import {
  COOP_PRODUCTS,
  DELIVERY_BRANDS,
  INDUSTRIES,
  PRIVATE_NON_ENTERPRISE,
  SHOP_TYPES,
  SOCIAL_GROUPS,
  TRADE_NAMES,
} from './vocabulary';

/**
 * 组织: ~3,000 at full scale — non-public enterprises (with individual businesses and farmers'
 * co-operatives) from the market regulator, social organisations from civil affairs, the governance centres
 * of the county, townships and villages, patrol teams, and delivery firms from the postal administration.
 * Units registered in the county get valid 91/92/93/5x/12 620725 credit codes; village centres and volunteer
 * teams have none.
 */

const MARKET: Source = { department: '山丹县市场监督管理局', dataset: '市场主体登记' };
const CIVIL_AFFAIRS: Source = { department: '山丹县民政局', dataset: '社会组织登记' };
const CENTRE: Source = { department: '山丹县综治中心', dataset: '综治中心' };
const POLICE_TEAMS: Source = { department: '山丹县公安局', dataset: '群防群治队伍' };
const POSTAL: Source = { department: '张掖市邮政管理局', dataset: '寄递物流企业' };

/** Enterprises by 企业类别 at full scale: [category, credit-code prefix, count]. */
export const ENTERPRISES_FULL_SCALE: ReadonlyArray<readonly [string, string, number]> = [
  ['01', '91', 1150],
  ['02', '91', 5],
  ['03', '92', 950],
  ['04', '93', 400],
  ['99', '91', 45],
];
export const SOCIAL_ORGANIZATIONS_FULL_SCALE: ReadonlyArray<readonly [string, string, number]> = [
  ['01', '51', 90],
  ['02', '52', 65],
  ['03', '53', 5],
];

export interface Organizations {
  rows: DemoOrganization[];
  /** Enterprises that store or sell dangerous chemicals (they own dangerous goods). */
  hazardous: DemoOrganization[];
  /** The trade of each enterprise (by credit code): it decides which dangerous goods it holds. */
  industryOf: Map<string, string>;
  deliveryFirms: DemoOrganization[];
  /** Name of the governance centre of each township and village (by region code), for event routing. */
  centreNames: Map<string, string>;
}

export function generateOrganizations(ctx: GenerationContext, people: People): Organizations {
  const r = ctx.rng.fork('organizations');
  const rows: DemoOrganization[] = [];
  const hazardous: DemoOrganization[] = [];
  const industryOf = new Map<string, string>();
  const deliveryFirms: DemoOrganization[] = [];
  const centreNames = new Map<string, string>();
  const names = new Set<string>();
  const seatUrban = ctx.grids.filter((g) => g.urban);
  const rural = ctx.grids.filter((g) => !g.urban && !g.special);
  const byWeight = r.picker(ctx.grids.map((g) => [g, g.special ? g.weight * 8 : g.weight] as const));
  const ruralByWeight = r.picker(rural.map((g) => [g, g.weight] as const));
  const seatByWeight = r.picker(seatUrban.map((g) => [g, g.weight] as const));
  const industry = r.picker(INDUSTRIES.map((i) => [i, i[2]] as const));

  const representative = (grid: GridInfo): PersonMeta => {
    const local = people.byGrid.get(grid.code) ?? [];
    for (let i = 0; i < 30 && local.length; i++) {
      const p = r.pick(local);
      if (!p.foreign && p.age >= 25 && p.age <= 65) return p;
    }
    for (;;) {
      const p = people.persons[r.int(0, people.persons.length - 1)]!;
      if (!p.foreign && p.age >= 25 && p.age <= 65) return p;
    }
  };
  const unique = (make: () => string): string => {
    for (let i = 0; i < 50; i++) {
      const n = make();
      if (!names.has(n)) {
        names.add(n);
        return n;
      }
    }
    const n = `${make()}${names.size}`;
    names.add(n);
    return n;
  };
  const base = (
    grid: GridInfo,
    source: Source,
    key: string,
    kind: OrganizationKind,
    name: string,
    creditCode: string | null,
    rep: PersonMeta | null,
  ): DemoOrganization => ({
    regionCode: grid.code,
    regionPath: grid.path,
    provenance: ctx.provenance(source, key),
    creditCode,
    kind,
    name,
    category: null,
    address: `甘肃省张掖市山丹县${grid.townshipName}${grid.unitName}`,
    legalRepresentative: rep?.row.name ?? null,
    legalRepresentativeIdNumber: rep?.row.idNumber ?? null,
    phone: rep?.row.phone ?? mobileNumber(r),
    employeeCount: null,
    attentionLevel: null,
    hasPartyOrganization: null,
    partyMembers: null,
    hasUnion: null,
    unionMembers: null,
    hasYouthLeague: null,
    youthLeagueMembers: null,
    hasWomensFederation: null,
    womenCount: null,
    longitude: ctx.longitudeNear(r, grid),
    latitude: ctx.latitudeNear(r, grid),
    attributes: {},
  });
  /** 法定代表人 证件代码 and 联系方式 (name and ID number are columns). */
  const representativeDetails = (org: DemoOrganization) => ({
    legalRepresentativeDocumentType: '111',
    legalRepresentativePhone: org.phone,
  });
  const twoNewCounts = (org: DemoOrganization, employees: number) => {
    org.employeeCount = employees;
    const party = Math.round(employees * (0.03 + 0.06 * r.float()));
    org.partyMembers = party;
    org.hasPartyOrganization = party >= 3 && r.chance(0.8);
    org.hasUnion = employees >= 25 && r.chance(0.7);
    org.unionMembers = org.hasUnion ? Math.round(employees * 0.8) : 0;
    org.hasYouthLeague = employees >= 50 && r.chance(0.3);
    org.youthLeagueMembers = org.hasYouthLeague ? Math.round(employees * 0.15) : 0;
    org.womenCount = Math.round(employees * (0.2 + 0.3 * r.float()));
    org.hasWomensFederation = org.womenCount >= 30 && r.chance(0.3);
  };

  // Enterprises, individual businesses, co-operatives.
  for (const [category, prefix, full] of ENTERPRISES_FULL_SCALE) {
    const count = ctx.count(full, category === '02' ? 0 : 1);
    for (let i = 0; i < count; i++) {
      const recent = r.chance(category === '03' || category === '04' ? 0.75 : 0.5);
      const creditCode = ctx.creditCodes.issue(prefix, recent);
      let grid: GridInfo;
      let name: string;
      let employees: number;
      let industryLabel: string;
      if (category === '03') {
        grid = byWeight();
        const shop = r.pick(SHOP_TYPES);
        name = unique(() => `山丹县${grid.townshipName}${r.pick(TRADE_NAMES)}${shop}`);
        employees = r.int(1, 6);
        industryLabel = shop;
      } else if (category === '04') {
        grid = ruralByWeight();
        const product = r.pick(COOP_PRODUCTS);
        name = unique(
          () =>
            `山丹县${grid.unitName.replace(/村$/, '')}${r.pick(['', r.pick(TRADE_NAMES)])}${product}农民专业合作社`,
        );
        employees = r.int(5, 60);
        industryLabel = product;
      } else {
        grid = byWeight();
        const [fragment, label] = industry();
        name = unique(
          () =>
            `山丹县${r.pick(TRADE_NAMES)}${fragment}${r.weighted([
              ['有限责任公司', 70],
              ['有限公司', 25],
              ['股份有限公司', 5],
            ])}`,
        );
        employees = Math.min(2000, Math.max(3, Math.round(Math.exp(r.normal(2.6, 1.1)))));
        industryLabel = label;
      }
      const rep = representative(grid);
      const org = base(grid, MARKET, creditCode, OrganizationKind.ENTERPRISE, name, creditCode, rep);
      org.category = category;
      twoNewCounts(org, employees);
      const isHazardous =
        industryLabel === '加油站' ||
        industryLabel === '化学原料' ||
        (industryLabel === '采矿业' && r.chance(0.5));
      const hazardType = r.weighted([
        ['00', 80],
        ['02', 8],
        ['01', 5],
        ['04', 5],
        ['03', 2],
      ]);
      org.attentionLevel = isHazardous
        ? '01'
        : hazardType === '00'
          ? r.weighted([
              ['03', 90],
              ['02', 10],
            ])
          : '02';
      org.attributes = {
        regionCode: grid.unitCode,
        ...representativeDetails(org),
        securityHeadName: employees >= 10 ? representative(grid).row.name : rep.row.name,
        securityHeadPhone: mobileNumber(r),
        isHazardousChemicals: isHazardous,
        hazardType,
        canFormPartyOrganization: (org.partyMembers ?? 0) >= 3,
      };
      rows.push(org);
      industryOf.set(creditCode, industryLabel);
      if (isHazardous) hazardous.push(org);
    }
  }

  // Even a small county has a filling station: at least one holder of dangerous goods at every scale.
  if (!hazardous.length) {
    const station = rows.find((o) => o.category === '01');
    if (station) {
      industryOf.set(station.creditCode!, '加油站');
      station.attributes.isHazardousChemicals = true;
      station.attentionLevel = '01';
      hazardous.push(station);
    }
  }

  // Social organisations.
  for (const [category, prefix, full] of SOCIAL_ORGANIZATIONS_FULL_SCALE) {
    const count = ctx.count(full);
    for (let i = 0; i < count; i++) {
      const creditCode = ctx.creditCodes.issue(prefix, r.chance(0.6));
      const grid = r.chance(0.8) ? seatByWeight() : ruralByWeight();
      const name =
        category === '01'
          ? unique(() => `山丹县${r.pick(SOCIAL_GROUPS)}`)
          : category === '02'
            ? unique(() => `山丹县${r.pick(TRADE_NAMES)}${r.pick(PRIVATE_NON_ENTERPRISE)}`)
            : unique(() => `山丹县${r.pick(['教育', '慈善', '助学', '乡村振兴', '扶老'])}基金会`);
      const rep = representative(grid);
      const org = base(
        grid,
        CIVIL_AFFAIRS,
        creditCode,
        OrganizationKind.SOCIAL_ORGANIZATION,
        name,
        creditCode,
        rep,
      );
      org.category = category;
      twoNewCounts(org, category === '02' ? r.int(3, 60) : r.int(2, 15));
      org.attentionLevel = r.weighted([
        ['03', 90],
        ['02', 10],
      ]);
      org.attributes = {
        registrationNumber: `山民社证字第${pad(i + 1, 4)}号`,
        registrationAuthorityCode: '620725',
        registrationAuthorityName: '山丹县民政局',
        regionCode: grid.unitCode,
        approvedOn: ctx.dayBetween(r, '2000-01-01', ctx.addDays(ctx.asOf, -60)),
        status: r.chance(0.95) ? '正常' : '异常',
        ...representativeDetails(org),
        officeAddress: org.address,
        fundingSource: r.pick(['会费', '政府购买服务', '社会捐赠', '服务收入']),
        hasForeignBackground: false,
      };
      rows.push(org);
    }
  }

  // Governance centres: county, townships, villages and communities (one each at full scale).
  const countyGrid = ctx.grids.find((g) => g.unitName === '县府街社区') ?? seatUrban[0]!;
  const centre = (
    grid: GridInfo,
    level: '04' | '05' | '06',
    regionCode: string,
    name: string,
    creditCode: string | null,
  ) => {
    const head = representative(grid);
    const org = base(
      grid,
      CENTRE,
      `ZZZX${regionCode}`,
      OrganizationKind.GOVERNANCE_CENTRE,
      name,
      creditCode,
      head,
    );
    org.category = '03';
    org.employeeCount = level === '04' ? 18 : level === '05' ? r.int(5, 10) : r.int(2, 5);
    org.attributes = {
      centreCode: `ZZZX${regionCode}`,
      level,
      headPhone: org.phone,
      memberUnits:
        level === '06'
          ? '村(社区)党组织、村(居)委会、警务室、人民调解委员会'
          : '政法委、公安、司法、信访、民政、人社、卫健',
      regionCode,
    };
    centreNames.set(regionCode, name);
    rows.push(org);
  };
  centre(countyGrid, '04', '620725', '山丹县综治中心', ctx.creditCodes.issue('12', false));
  const townshipCount = ctx.count(ctx.townships.length);
  for (const t of ctx.townships.slice(0, townshipCount)) {
    const grid = ctx.grids.find((g) => g.townshipCode === t.code && !g.special)!;
    centre(grid, '05', t.code, `${t.name}综治中心`, null);
  }
  const villageUnits = r.sample(ctx.units, ctx.count(ctx.units.length));
  for (const u of villageUnits.sort((a, b) => a.code.localeCompare(b.code))) {
    const grid = u.grids.find((g) => !g.special) ?? u.grids[0]!;
    centre(grid, '06', u.code, `${u.name}综治中心`, null);
  }
  for (const t of ctx.townships) if (!centreNames.has(t.code)) centreNames.set(t.code, `${t.name}综治中心`);
  for (const u of ctx.units) if (!centreNames.has(u.code)) centreNames.set(u.code, `${u.name}综治中心`);

  // Patrol teams: a volunteer or full-time team per village/community, and county-level teams.
  for (const u of r
    .sample(ctx.units, ctx.count(ctx.units.length))
    .sort((a, b) => a.code.localeCompare(b.code))) {
    const grid = u.grids.find((g) => !g.special) ?? u.grids[0]!;
    const community = u.level === RegionLevel.VILLAGE && u.name.endsWith('社区');
    const leader = representative(grid);
    const org = base(
      grid,
      POLICE_TEAMS,
      `XFD${u.code}`,
      OrganizationKind.PATROL_TEAM,
      `${u.name}${community ? '平安巡防队' : '义务巡逻队'}`,
      null,
      leader,
    );
    org.category = community ? '01' : '02';
    org.employeeCount = community ? r.int(8, 20) : r.int(6, 15);
    org.attributes = {
      regionCode: u.code,
      supervisingUnit: `山丹县公安局${u.townshipName}派出所`,
      establishedOn: ctx.dayBetween(r, '2012-01-01', ctx.addDays(ctx.asOf, -90)),
      patrolArea: `${u.name}辖区，每周巡逻${r.int(2, 7)}次`,
    };
    rows.push(org);
  }
  const countyTeams: Array<[string, string, string | null]> = [
    ['山丹县公安局巡逻防控大队', '01', null],
    ['山丹县平安志愿者协会', '04', null],
    ['山丹县红袖标志愿服务队', '04', null],
    ['山丹县网格员志愿服务队', '04', null],
    ['山丹县焉支保安服务有限公司', '03', '91'],
    ['山丹县平安护卫保安服务有限公司', '03', '91'],
  ];
  for (const [name, type, prefix] of countyTeams.slice(0, ctx.count(countyTeams.length))) {
    const grid = seatByWeight();
    const creditCode = prefix ? ctx.creditCodes.issue(prefix, true) : null;
    const leader = representative(grid);
    const org = base(
      grid,
      POLICE_TEAMS,
      creditCode ?? `XFD${name}`,
      OrganizationKind.PATROL_TEAM,
      name,
      creditCode,
      leader,
    );
    org.category = type;
    org.employeeCount = r.int(20, 120);
    org.attributes = {
      regionCode: '620725',
      supervisingUnit: type === '03' ? '山丹县公安局治安管理大队' : '山丹县综治中心',
      patrolArea: '山丹县城区',
    };
    rows.push(org);
  }

  // Delivery firms: each brand's county branch, plus outlets in the bigger towns.
  const outlets: Array<[string, GridInfo]> = DELIVERY_BRANDS.map(
    (b) => [b, seatByWeight()] as [string, GridInfo],
  );
  for (const t of ctx.townships.filter((t) => t.code !== '620725101')) {
    for (const b of r.sample(DELIVERY_BRANDS.slice(0, 6), 2)) {
      outlets.push([b, ctx.grids.find((g) => g.townshipCode === t.code && !g.special)!]);
    }
  }
  for (const [brand, grid] of r.sample(outlets, Math.min(outlets.length, ctx.count(28)))) {
    const state = brand.startsWith('中国邮政') || brand.startsWith('邮政');
    const creditCode = ctx.creditCodes.issue('91', !state);
    const place = grid.urban ? '' : grid.townshipName;
    const name = unique(
      () =>
        `${brand.replace(/EMS$/, '')}山丹县${place}${grid.urban ? '' : '营业部'}${grid.urban ? '分公司' : ''}`,
    );
    const rep = representative(grid);
    const org = base(grid, POSTAL, creditCode, OrganizationKind.DELIVERY_FIRM, name, creditCode, rep);
    const staff = grid.urban ? r.int(8, 40) : r.int(2, 8);
    const xray = grid.urban && r.chance(0.7) ? r.int(1, 2) : 0;
    org.category = grid.urban ? '01' : '02';
    twoNewCounts(org, staff);
    org.attentionLevel = '02';
    org.attributes = {
      regionCode: grid.unitCode,
      managerPhone: org.phone,
      registrationType: state
        ? '110'
        : r.weighted([
            ['150', 60],
            ['170', 40],
          ]),
      holdingType: state ? '110' : '210',
      businessScope: ['01', '02'],
      brand,
      cameraCount: grid.urban ? r.int(4, 16) : r.int(1, 4),
      xrayMachineCount: xray,
      inspectBeforeSealing: true,
      realNameRegistration: r.chance(0.97),
      xrayScreening: xray > 0,
    };
    rows.push(org);
    deliveryFirms.push(org);
  }

  return { rows, hazardous, industryOf, deliveryFirms, centreNames };
}
