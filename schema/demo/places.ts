import { PlaceKind } from '../places/place.entity';
import { type GenerationContext, type GridInfo, pad, type Source } from './context';
import { mobileNumber } from './identity';
import type { People } from './people';
import type { DemoPlace } from './types';
import { PROTECTED_LINES } from './vocabulary';

/**
 * 地 beyond housing: schools (校园及周边安全), key areas under campaign (重点地区排查整治) and protected lines
 * (护路护线). Buildings and houses come with the people who live in them (people.ts).
 */

const EDUCATION: Source = { department: '山丹县教育局', dataset: '学校基本信息' };
const CENTRE_KEY_AREAS: Source = { department: '山丹县综治中心', dataset: '重点地区排查整治' };
const CENTRE_LINES: Source = { department: '山丹县综治中心', dataset: '护路护线' };

export const SCHOOLS_FULL_SCALE = 40;
export const KEY_AREAS_FULL_SCALE = 12;

interface SchoolSeed {
  name: string;
  type: string;
  grid: GridInfo;
  students: number;
}

export interface Places {
  schools: DemoPlace[];
  keyAreas: DemoPlace[];
  lines: DemoPlace[];
}

export function generatePlaces(ctx: GenerationContext, people: People): Places {
  const r = ctx.rng.fork('places');
  const seatUrban = ctx.grids.filter((g) => g.urban);
  const specialNamed = (name: string) => ctx.grids.find((g) => g.special && g.name.startsWith(name));
  const ruralOf = (township: string) =>
    ctx.grids.filter((g) => g.townshipCode === township && !g.urban && !g.special);
  const personName = () => {
    const list = people.persons;
    for (;;) {
      const p = list[r.int(0, list.length - 1)]!;
      if (!p.floating && !p.foreign && p.age >= 30 && p.age <= 58) return p.row.name;
    }
  };

  // Schools: the county seat's, each town's centre schools, a few village schools.
  const seeds: SchoolSeed[] = [
    {
      name: '山丹县第一中学',
      type: '04',
      grid: specialNamed('山丹一中') ?? r.pick(seatUrban),
      students: 3200,
    },
    { name: '山丹县第二中学', type: '03', grid: r.pick(seatUrban), students: 1800 },
    { name: '山丹培黎学校', type: '08', grid: r.pick(seatUrban), students: 2600 },
    { name: '山丹县南关学校', type: '06', grid: r.pick(seatUrban), students: 1500 },
    { name: '山丹县城关小学', type: '02', grid: r.pick(seatUrban), students: 1700 },
    { name: '山丹县东街小学', type: '02', grid: r.pick(seatUrban), students: 1300 },
    { name: '山丹县特殊教育学校', type: '10', grid: r.pick(seatUrban), students: 90 },
    { name: '山丹县第一幼儿园', type: '01', grid: r.pick(seatUrban), students: 520 },
    { name: '山丹县第二幼儿园', type: '01', grid: r.pick(seatUrban), students: 460 },
  ];
  for (const t of ctx.townships.filter((t) => t.code !== '620725101')) {
    const grids = ruralOf(t.code);
    const short = t.name;
    seeds.push(
      { name: `山丹县${short}中心小学`, type: '02', grid: grids[0]!, students: r.int(300, 700) },
      { name: `山丹县${short}初级中学`, type: '03', grid: grids[0]!, students: r.int(250, 600) },
      { name: `山丹县${short}中心幼儿园`, type: '01', grid: grids[0]!, students: r.int(80, 200) },
    );
    const village = grids[1 + r.int(0, grids.length - 2)];
    if (village) {
      seeds.push({
        name: `山丹县${short}${village.unitName}小学`,
        type: '02',
        grid: village,
        students: r.int(30, 160),
      });
    }
  }
  const schoolCount = Math.min(seeds.length, ctx.count(SCHOOLS_FULL_SCALE));
  const schools = (schoolCount >= seeds.length ? seeds : r.sample(seeds, schoolCount)).map((s, i) => {
    const code = `21620725${pad(i + 1, 2)}`;
    return {
      regionCode: s.grid.code,
      regionPath: s.grid.path,
      provenance: ctx.provenance(EDUCATION, code),
      code,
      kind: PlaceKind.SCHOOL,
      name: s.name,
      address: `甘肃省张掖市山丹县${s.grid.townshipName}${s.grid.unitName}`,
      parentCode: null,
      longitude: ctx.longitudeNear(r, s.grid, 0.01),
      latitude: ctx.latitudeNear(r, s.grid, 0.01),
      attributes: {
        regionCode: s.grid.unitCode,
        schoolType: s.type,
        educationAuthority: '山丹县教育局',
        studentCount: s.students,
        principalName: personName(),
        principalPhone: mobileNumber(r),
        safetyLeaderName: personName(),
        safetyLeaderPhone: mobileNumber(r),
        securityOfficerName: personName(),
        securityOfficerPhone: mobileNumber(r),
        policeOfficerName: personName(),
        policeOfficerPhone: mobileNumber(r),
        securityStaffCount: Math.max(2, Math.round(s.students / 400)),
      },
    } satisfies DemoPlace;
  });

  // Key areas under campaign: markets, stations, the seat's edge, places of entertainment, school surroundings.
  const areaSeeds: Array<[string, string, string]> = [
    // [name suffix, 涉及区域类型, 治安突出问题]
    ['农贸市场及周边', '04', '05'],
    ['汽车站周边', '02', '05'],
    ['火车站周边', '02', '02'],
    ['城乡接合部', '05', '02'],
    ['娱乐场所集中区', '03', '08'],
    ['学校周边', '01', '14'],
    ['商贸物流园区', '99', '04'],
    ['集贸市场', '04', '10'],
  ];
  const keyAreaCount = ctx.count(KEY_AREAS_FULL_SCALE);
  const keyAreas: DemoPlace[] = [];
  for (let i = 0; i < keyAreaCount; i++) {
    const [suffix, areaType, problem] = areaSeeds[i % areaSeeds.length]!;
    const grid = i < 6 ? r.pick(seatUrban) : r.pick(ctx.grids.filter((g) => !g.urban && !g.special));
    const code = `ZDDQ${ctx.year}${pad(i + 1, 3)}`;
    const started = ctx.dayBetween(r, `${ctx.year}-01-01`, `${ctx.year}-09-30`);
    keyAreas.push({
      regionCode: grid.code,
      regionPath: grid.path,
      provenance: ctx.provenance(CENTRE_KEY_AREAS, code),
      code,
      kind: PlaceKind.KEY_AREA,
      name: `${grid.unitName}${suffix}`,
      address: `甘肃省张掖市山丹县${grid.townshipName}${grid.unitName}`,
      parentCode: null,
      longitude: ctx.longitudeNear(r, grid, 0.006),
      latitude: ctx.latitudeNear(r, grid, 0.006),
      attributes: {
        securityProblem: problem,
        areaType,
        areaScope: `${grid.unitName}${suffix.replace(/及周边$/, '')}周边200米范围`,
        leadUnit: `山丹县公安局${grid.townshipName}派出所`,
        leadUnitHead: personName(),
        leadUnitPhone: mobileNumber(r),
        rectificationDeadline: ctx.addDays(started, r.int(60, 180)),
        criminalCasesSolved: r.int(0, 12),
        publicOrderCasesHandled: r.int(2, 40),
        rectificationStatus: r.pick([
          '已完成集中整治，转入常态化管理',
          '整治推进中，已落实巡逻防控',
          '已完成排查，正在整改',
        ]),
        effectEvaluation: r.weighted([
          ['01', 45],
          ['02', 45],
          ['04', 8],
          ['03', 2],
        ]),
      },
    });
  }

  const lineCount = Math.min(PROTECTED_LINES.length, ctx.count(PROTECTED_LINES.length));
  const lines = PROTECTED_LINES.slice(0, lineCount).map((l, i) => {
    const grid = r.pick(ctx.grids.filter((g) => !g.urban));
    const code = `HLHX${pad(i + 1, 3)}`;
    return {
      regionCode: grid.code,
      regionPath: grid.path,
      provenance: ctx.provenance(CENTRE_LINES, code),
      code,
      kind: PlaceKind.PROTECTED_LINE,
      name: l.name,
      address: `山丹县境内，长约${l.lengthKm}公里`,
      parentCode: null,
      longitude: null,
      latitude: null,
      attributes: {
        lineType: l.lineType,
        ownerUnitName: l.owner,
        managingUnitName: '山丹县护路护线联防办公室',
        managingUnitHead: personName(),
        managingUnitPhone: mobileNumber(r),
        securityLeader: personName(),
        hazardSituation: r.pick([
          '沿线有村民放牧穿越',
          '部分路段防护网破损',
          '无明显隐患',
          '沿线有废品收购点',
        ]),
        hazardLevel: r.weighted([
          ['03', 70],
          ['02', 25],
          ['01', 5],
        ]),
      },
    } satisfies DemoPlace;
  });

  return { schools, keyAreas, lines };
}
