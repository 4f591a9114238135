import { EventKind, EventStatus } from '../events/event.entity';
import { SupervisionLevel } from '../events/event-detail.entity';
import { OrganizationKind } from '../organizations/organization.entity';
import { type GenerationContext, type GridInfo, pad, type Source } from './context';
import { mobileNumber } from './identity';
import type { Organizations } from './organizations';
import type { People, PersonMeta } from './people';
import type { Places } from './places';
import type { Random, WeightedPicker } from './random';
import type { DemoEvent, DemoEventParty, DemoEventStep, DemoEventSupervision } from './types';
import {
  CASE_TYPES,
  DISPUTE_TYPES,
  FLOATING_ORIGINS,
  GIVEN_CHARS,
  INCIDENT_CATEGORIES,
  SURNAMES,
} from './vocabulary';

/**
 * 事 for one year (the year of `asOf`), calibrated on the county's 2023 self-evaluation (domain.md §1): at full
 * scale 8,276 items reported by grids (incidents and disputes; police cases come from the police, not the
 * grids), of which 600 disputes with 580 resolved successfully (96.7 %; the target is 95 %), and 2,340 key
 * matters (重点事项, `attributes.keyMatter`). ~250 police cases besides. Each runs through the workflow of
 * domain.md §3 with its step log; some are supervised (督办). Outcomes are counted, not drawn, so the figures are
 * exact at full scale and proportional at smaller ones.
 */

/** 8,276 items reported by grids in 2023 = incidents + disputes. */
export const ITEMS_REPORTED_FULL_SCALE = 8276;
export const DISPUTES_FULL_SCALE = 600;
export const INCIDENTS_FULL_SCALE = ITEMS_REPORTED_FULL_SCALE - DISPUTES_FULL_SCALE;
export const CASES_FULL_SCALE = 250;
export const DISPUTES_RESOLVED_FULL_SCALE = 580;
export const KEY_MATTERS_FULL_SCALE = 2340;
/** Whatever the scale, at least this share of disputes is resolved successfully (the indicator's target). */
export const DISPUTE_RESOLUTION_FLOOR = 0.95;

/** Incident categories the centres follow up as key matters once the escalated items are counted. */
const KEY_CATEGORIES: readonly string[] = [
  '治安隐患',
  '消防安全隐患',
  '重点人员走访',
  '安全生产',
  '食品药品安全',
];

const CENTRE_EVENTS: Source = { department: '山丹县综治中心', dataset: '网格事件' };
const CENTRE_DISPUTES: Source = { department: '山丹县综治中心', dataset: '矛盾纠纷排查化解' };
const POLICE_CASES: Source = { department: '山丹县公安局', dataset: '警情案件' };

export interface Events {
  events: DemoEvent[];
  parties: DemoEventParty[];
  steps: DemoEventStep[];
  supervisions: DemoEventSupervision[];
}

export function generateEvents(
  ctx: GenerationContext,
  people: People,
  places: Places,
  orgs: Organizations,
): Events {
  return new EventGenerator(ctx, people, places, orgs).run();
}

const DISPUTE_METHODS: ReadonlyArray<readonly [string, number]> = [
  ['01', 70],
  ['02', 12],
  ['03', 5],
  ['04', 5],
  ['05', 6],
  ['99', 2],
];

class EventGenerator {
  private readonly rng: Random;
  private readonly out: Events = { events: [], parties: [], steps: [], supervisions: [] };
  private readonly grid: WeightedPicker<GridInfo>;
  private readonly surname: WeightedPicker<string>;
  private readonly standIns = new Map<string, string>();

  constructor(
    private readonly ctx: GenerationContext,
    private readonly people: People,
    private readonly places: Places,
    private readonly orgs: Organizations,
  ) {
    this.rng = ctx.rng.fork('events');
    // Events happen where people live: grids weighted by their residents.
    this.grid = this.rng.picker(
      ctx.grids.map((g) => [g, (people.byGrid.get(g.code)?.length ?? 0) + 0.5] as const),
    );
    this.surname = this.rng.picker(SURNAMES);
  }

  run(): Events {
    const ctx = this.ctx;
    const incidents = ctx.count(INCIDENTS_FULL_SCALE);
    const disputes = ctx.count(DISPUTES_FULL_SCALE);
    const cases = ctx.count(CASES_FULL_SCALE);
    const resolved = Math.min(
      disputes,
      Math.max(
        Math.ceil(disputes * DISPUTE_RESOLUTION_FLOOR),
        Math.round((disputes * DISPUTES_RESOLVED_FULL_SCALE) / DISPUTES_FULL_SCALE),
      ),
    );
    const failures = disputes - resolved;
    const failing = new Set(this.rng.sample([...Array(disputes).keys()], failures));
    for (let i = 0; i < incidents; i++) this.incident(i + 1);
    for (let i = 0; i < disputes; i++)
      this.dispute(i + 1, failing.has(i) ? (i % 2 === 0 ? 'failed' : 'open') : 'resolved');
    for (let i = 0; i < cases; i++) this.policeCase(i + 1);
    this.markKeyMatters(Math.min(incidents + disputes, ctx.count(KEY_MATTERS_FULL_SCALE)));
    return this.out;
  }

  /**
   * Flags `count` grid reports as 重点事项, the most serious first: group-scale disputes, supervised items,
   * urgent incidents, items that failed verification, the other disputes, then incidents of the categories the
   * centres follow up (security and fire hazards, key-person visits, work safety, food and drugs), in report
   * order. Items still awaiting acceptance come last: a key matter is one being handled.
   */
  private markKeyMatters(count: number) {
    const supervised = new Set(this.out.supervisions.map((s) => s.eventCode));
    const retried = new Set(this.out.steps.filter((s) => s.verified === false).map((s) => s.eventCode));
    const tier = (e: DemoEvent): number => {
      let t: number;
      if (e.kind === EventKind.DISPUTE && e.scale !== '01') t = 0;
      else if (supervised.has(e.code)) t = 1;
      else if (e.attributes.isUrgent === true) t = 2;
      else if (retried.has(e.code) || e.resolvedSuccessfully === false) t = 3;
      else if (e.kind === EventKind.DISPUTE) t = 4;
      else if (KEY_CATEGORIES.includes(String(e.attributes.category)))
        t = 5 + KEY_CATEGORIES.indexOf(String(e.attributes.category));
      else t = 10;
      return e.status === EventStatus.AWAITING_ACCEPTANCE ? t + 20 : t;
    };
    const ranked = this.out.events
      .map((e, i) => ({ e, i, t: e.kind === EventKind.CASE ? Number.POSITIVE_INFINITY : tier(e) }))
      .filter((x) => Number.isFinite(x.t))
      .sort((a, b) => a.t - b.t || a.i - b.i);
    for (const { e } of ranked.slice(0, count)) e.attributes.keyMatter = true;
  }

  private official(): string {
    const r = this.rng;
    const chars = r.chance(0.6) ? GIVEN_CHARS.middle.male : GIVEN_CHARS.middle.female;
    return `${this.surname()}${r.pick(chars)}${r.chance(0.7) ? r.pick(chars) : ''}`;
  }

  /** The grid's worker; at small scales some grids have none, and an (unregistered) name stands in. */
  private worker(grid: GridInfo): string {
    const known = this.people.gridWorkers.get(grid.code)?.[0]?.row.name;
    if (known) return known;
    let standIn = this.standIns.get(grid.code);
    if (!standIn) {
      standIn = this.official();
      this.standIns.set(grid.code, standIn);
    }
    return standIn;
  }

  private townshipCentre(grid: GridInfo): string {
    return this.orgs.centreNames.get(grid.townshipCode) ?? `${grid.townshipName}综治中心`;
  }

  private villageCentre(grid: GridInfo): string {
    return this.orgs.centreNames.get(grid.unitCode) ?? `${grid.unitName}综治中心`;
  }

  /** When it happened: a day of the year, in working hours mostly. */
  private occurred(): { occurredAt: string; reportedAt: string; day: string } {
    const ctx = this.ctx;
    const r = this.rng;
    const day = ctx.dayBetween(r, `${ctx.year}-01-01`, ctx.asOf);
    const occurredAt = ctx.instant(day, r.int(7, 21), r.int(0, 59));
    const reportedAt = ctx.later(occurredAt, r.int(10, 300));
    return { occurredAt, day, reportedAt: reportedAt < ctx.endOfDay ? reportedAt : occurredAt };
  }

  private base(
    grid: GridInfo,
    source: Source,
    code: string,
    kind: EventKind,
    title: string,
    when: { occurredAt: string; reportedAt: string },
  ): DemoEvent {
    return {
      regionCode: grid.code,
      regionPath: grid.path,
      provenance: this.ctx.provenance(source, code),
      code,
      kind,
      title,
      occurredAt: when.occurredAt,
      reportedAt: when.reportedAt,
      location: `甘肃省张掖市山丹县${grid.townshipName}${grid.unitName}`,
      placeCode: null,
      scale: null,
      typeCode: null,
      involvedCount: null,
      description: null,
      involvedUnits: null,
      status: EventStatus.ARCHIVED,
      resolutionDeadline: null,
      resolutionMethod: null,
      resolvingOrganization: null,
      resolutionOwner: null,
      resolvedSuccessfully: null,
      resolvedAt: null,
      resolutionNote: null,
      evaluatedOn: null,
      evaluation: null,
      attributes: {},
    };
  }

  /** Appends the step log; returns the instant of its last step. */
  private log(
    event: DemoEvent,
    grid: GridInfo,
    handlingUnit: string,
    stages: ReadonlyArray<
      '上报' | '受理' | '交办' | '办理' | '办结' | '核查未通过' | '核查' | '备案' | '关闭'
    >,
  ): string {
    const r = this.rng;
    const ctx = this.ctx;
    let at = event.reportedAt ?? event.occurredAt;
    let last = at;
    const centre = this.townshipCentre(grid);
    const worker = this.worker(grid);
    for (const stage of stages) {
      const step: DemoEventStep = {
        eventCode: event.code,
        step: stage === '核查未通过' ? '核查' : stage,
        unit: centre,
        at,
        handler: this.official(),
        opinion: null,
        verifier: null,
        verified: null,
        verificationOpinion: null,
      };
      switch (stage) {
        case '上报':
          step.unit = grid.name;
          step.handler = worker;
          step.opinion = '网格员巡查发现，拍照上报';
          break;
        case '受理':
          step.opinion = '已受理，按职责分流';
          break;
        case '交办':
          step.opinion = `交${handlingUnit}办理`;
          break;
        case '办理':
          step.unit = handlingUnit;
          step.opinion = r.pick(['已到现场核实处置', '已联系当事人了解情况', '已组织相关人员现场调处']);
          break;
        case '办结':
          step.unit = handlingUnit;
          step.opinion = '问题已处置完毕，申请办结';
          break;
        case '核查未通过':
          step.verifier = worker;
          step.verified = false;
          step.verificationOpinion = '现场复核问题仍未解决，退回重办';
          break;
        case '核查':
          step.verifier = worker;
          step.verified = true;
          step.verificationOpinion = '经现场核查，问题已解决';
          break;
        case '备案':
          step.opinion = '核查通过，归档备案';
          break;
        case '关闭':
          step.opinion = '经研判不属于受理范围或已转其他渠道，关闭';
          break;
      }
      this.out.steps.push(step);
      last = at;
      const next = ctx.later(at, stage === '上报' ? r.int(5, 120) : r.int(30, 60 * 36));
      at = next < ctx.endOfDay ? next : at;
    }
    return last;
  }

  private supervise(event: DemoEvent, probability: number) {
    const r = this.rng;
    if (!r.chance(probability)) return;
    const level = r.weighted([
      [SupervisionLevel.NORMAL, 70],
      [SupervisionLevel.YELLOW_CARD, 20],
      [SupervisionLevel.RED_CARD, 8],
      [SupervisionLevel.CANCELLED, 2],
    ]);
    const at = this.ctx.later(event.reportedAt ?? event.occurredAt, r.int(60 * 24, 60 * 24 * 5));
    this.out.supervisions.push({
      eventCode: event.code,
      level,
      unit: r.chance(0.7) ? '山丹县综治中心' : '中共山丹县委政法委员会',
      supervisor: this.official(),
      at: at < this.ctx.endOfDay ? at : (event.reportedAt ?? event.occurredAt),
      opinion:
        level === SupervisionLevel.RED_CARD
          ? '逾期未办结，红牌督办，限3日内办结并书面说明'
          : level === SupervisionLevel.YELLOW_CARD
            ? '临近时限，黄牌督办，请加快办理'
            : level === SupervisionLevel.CANCELLED
              ? '已按期办结，撤销督办'
              : '请按时限要求办理并及时反馈',
    });
  }

  private incident(seq: number) {
    const r = this.rng;
    const ctx = this.ctx;
    const grid = this.grid();
    const cat = r.weighted(INCIDENT_CATEGORIES.map((c) => [c, c.weight] as const));
    const when = this.occurred();
    const where = grid.unitName;
    const code = `620725SJ${ctx.year}${pad(seq, 6)}`;
    const e = this.base(
      grid,
      CENTRE_EVENTS,
      code,
      EventKind.INCIDENT,
      r.pick(cat.titles).replace('{where}', where),
      when,
    );
    e.description = `网格员${this.worker(grid)}（${grid.name}）巡查发现：${e.title}。`;
    e.involvedUnits = cat.department;
    const reporter = this.people.gridWorkers.get(grid.code)?.[0];
    e.attributes = {
      category: cat.category,
      isUrgent: r.chance(0.03),
      reporterName: this.worker(grid),
      reporterPhone: reporter?.row.phone ?? mobileNumber(r),
    };
    const school = this.places.schools.find((s) => s.regionCode === grid.code);
    if (school && cat.category === '道路交通' && r.chance(0.5)) e.placeCode = school.code;
    const daysLeft = ctx.daysBetween(when.day, ctx.asOf);
    if (daysLeft <= 2) {
      e.status = r.chance(0.3) ? EventStatus.AWAITING_ACCEPTANCE : EventStatus.IN_PROGRESS;
      this.log(
        e,
        grid,
        cat.department,
        e.status === EventStatus.AWAITING_ACCEPTANCE ? ['上报'] : ['上报', '受理', '交办'],
      );
    } else {
      const x = r.float();
      const handler = cat.category === '重点人员走访' ? this.villageCentre(grid) : cat.department;
      if (x < 0.04) {
        e.status = EventStatus.CLOSED;
        e.resolvedAt = this.log(e, grid, handler, ['上报', '受理', '关闭']);
      } else {
        const retried = r.chance(0.04);
        const stages = retried
          ? (['上报', '受理', '交办', '办理', '办结', '核查未通过', '办理', '办结', '核查'] as const)
          : (['上报', '受理', '交办', '办理', '办结', '核查'] as const);
        const archived = x < 0.88;
        const last = this.log(e, grid, handler, archived ? [...stages, '备案'] : stages);
        e.status = archived ? EventStatus.ARCHIVED : EventStatus.VERIFIED;
        e.resolvedAt = last;
        e.resolutionNote = '已处置完毕';
      }
    }
    this.out.events.push(e);
    this.supervise(e, 0.01);
  }

  private partyCategory(p: PersonMeta): string {
    const o = p.row.occupation;
    if (o === '农民' || o === '畜牧养殖人员') return '01';
    if (p.row.occupationCategory === '6') return '02';
    if (o === '个体经营者') return '03';
    if (o === '机关工作人员' || o === '教师' || o === '医生' || o === '护士') return '05';
    if (p.row.occupationCategory === '3' || p.row.occupationCategory === '2') return '04';
    if (o === '学生') return '06';
    if (o === '离退休人员') return '07';
    if (o === '无业') return '08';
    return '99';
  }

  private enterpriseList?: Organizations['rows'];

  private enterprises(): Organizations['rows'] {
    this.enterpriseList ??= this.orgs.rows.filter(
      (o) => o.kind === OrganizationKind.ENTERPRISE && o.creditCode,
    );
    return this.enterpriseList;
  }

  private adultsOf(grid: GridInfo): PersonMeta[] {
    return (this.people.byGrid.get(grid.code) ?? []).filter((p) => !p.foreign && p.age >= 20 && p.age <= 80);
  }

  private dispute(seq: number, outcome: 'resolved' | 'failed' | 'open') {
    const r = this.rng;
    const ctx = this.ctx;
    let grid = this.grid();
    for (let i = 0; i < 20 && this.adultsOf(grid).length < 2; i++) grid = this.grid();
    const [typeCode, typeLabel] = r.weighted(DISPUTE_TYPES.map((t) => [t, t[2]] as const));
    const scale = r.weighted([
      ['01', 92],
      ['02', 7.5],
      ['03', 0.5],
    ]);
    const involved = scale === '01' ? r.int(2, 4) : scale === '02' ? r.int(5, 29) : r.int(30, 120);
    const when = this.occurred();
    const code = `620725MD${ctx.year}${pad(seq, 5)}`;

    // Parties: residents of the grid, and now and then someone from outside the county the hub doesn't know.
    const adults = this.adultsOf(grid);
    const partyCount = scale === '01' ? 2 : r.int(3, 5);
    const chosen = r.sample(
      adults.length ? adults : this.people.persons.filter((p) => !p.foreign && p.age >= 20),
      partyCount,
    );
    const parties: DemoEventParty[] = chosen.map((p, i) => ({
      eventCode: code,
      idNumber: p.row.idNumber,
      creditCode: null,
      name: p.row.name,
      role: i === 0 ? '申请人' : i === 1 ? '被申请人' : '当事人',
      category: this.partyCategory(p),
      residenceRegionCode:
        p.row.registeredRegionCode?.length === 12 ? p.row.registeredRegionCode : grid.unitCode,
    }));
    if (r.chance(0.05) && parties.length > 1) {
      const origin = r.pick(FLOATING_ORIGINS);
      const sex: '1' | '2' = r.chance(0.6) ? '1' : '2';
      const birth = ctx.birthDateForAge(r, r.int(25, 65));
      parties[1] = {
        ...parties[1]!,
        idNumber: ctx.citizenIds.issue(origin[0], birth, sex),
        name: this.official(),
        category: '99',
        residenceRegionCode: origin[0],
      };
    }
    this.out.parties.push(...parties);
    // One dispute in four involves an enterprise (涉及单位), chosen without drawing on the random stream so
    // that everything generated after it stays as it was.
    const enterprises = this.enterprises();
    if (seq % 4 === 0 && enterprises.length) {
      const org = enterprises[(seq * 7919) % enterprises.length]!;
      this.out.parties.push({
        eventCode: code,
        idNumber: null,
        creditCode: org.creditCode,
        name: org.name,
        role: '涉及单位',
        category: null,
        residenceRegionCode: null,
      });
    }

    const [first, second] = [parties[0]!.name, parties[1]?.name ?? '对方'];
    const title =
      scale === '01'
        ? `${first}与${second}${typeLabel}纠纷`
        : `${grid.unitName}${involved}名群众${typeLabel}纠纷`;
    const e = this.base(grid, CENTRE_DISPUTES, code, EventKind.DISPUTE, title, when);
    e.scale = scale;
    e.typeCode = typeCode;
    e.involvedCount = involved;
    e.description = `网格员${this.worker(grid)}（${grid.name}）排查发现：${title}，涉及${involved}人。`;
    const method = r.weighted(DISPUTE_METHODS);
    const mediation =
      method === '03' || method === '04'
        ? '山丹县人民法院'
        : method === '02'
          ? `${grid.townshipName}人民政府`
          : r.chance(0.7)
            ? `${grid.unitName}人民调解委员会`
            : `${grid.townshipName}人民调解委员会`;
    e.involvedUnits = mediation;
    e.resolutionDeadline = ctx.addDays(when.day, scale === '01' ? 15 : 30);
    e.resolutionMethod = method;
    e.resolvingOrganization = mediation;
    e.resolutionOwner = this.official();
    e.attributes = { resolutionOwnerPhone: mobileNumber(r) };
    const place =
      typeCode === '0602' ? this.people.rentedHouseCodes.find((c) => c.startsWith(grid.code)) : undefined;
    if (place) e.placeCode = place;

    if (outcome === 'open') {
      e.status = EventStatus.IN_PROGRESS;
      e.resolvedSuccessfully = null;
      this.log(e, grid, mediation, ['上报', '受理', '交办', '办理']);
      e.resolutionNote = '调解中，双方分歧较大';
    } else if (outcome === 'failed') {
      e.status = EventStatus.CLOSED;
      e.resolvedSuccessfully = false;
      e.resolvedAt = this.log(e, grid, mediation, ['上报', '受理', '交办', '办理', '关闭']);
      e.resolutionNote = '调解不成，已引导当事人通过诉讼途径解决';
    } else {
      const retried = r.chance(0.05);
      const stages = retried
        ? (['上报', '受理', '交办', '办理', '办结', '核查未通过', '办理', '办结', '核查', '备案'] as const)
        : (['上报', '受理', '交办', '办理', '办结', '核查', '备案'] as const);
      e.resolvedAt = this.log(e, grid, mediation, stages);
      e.status = EventStatus.ARCHIVED;
      e.resolvedSuccessfully = true;
      e.resolutionNote = r.pick([
        '经调解双方达成一致，签订调解协议',
        '当事人自愿和解，已履行完毕',
        '经释法明理，双方达成谅解',
        '已依法处理，当事人息诉罢访',
      ]);
      const evaluated = ctx.addDays(e.resolvedAt.slice(0, 10), r.int(1, 10));
      e.evaluatedOn = ctx.notAfterAsOf(evaluated);
      e.evaluation = r.weighted([
        ['化解及时，当事人满意', 70],
        ['化解基本及时，当事人基本满意', 25],
        ['化解超时，需加强跟踪回访', 5],
      ]);
    }
    this.out.events.push(e);
    this.supervise(e, 0.05);
  }

  private policeCase(seq: number) {
    const r = this.rng;
    const ctx = this.ctx;
    const grid = this.grid();
    const type = r.weighted(CASE_TYPES.map((c) => [c, c.weight] as const));
    const when = this.occurred();
    const code = `620725AJ${ctx.year}${pad(seq, 5)}`;
    const e = this.base(
      grid,
      POLICE_CASES,
      code,
      EventKind.CASE,
      type.title.replace('{where}', grid.unitName),
      when,
    );
    const station = `山丹县公安局${grid.townshipName}派出所`;
    e.involvedUnits = station;
    e.description = `${station}接报：${e.title}。`;
    const keyArea = this.places.keyAreas.find((k) => k.regionCode === grid.code);
    if (keyArea) e.placeCode = keyArea.code;
    const solved = r.chance(type.nature === '02' ? 0.85 : 0.6);
    const offenders = r.int(1, 3);
    const arrested = solved ? offenders : 0;
    e.involvedCount = offenders + r.int(1, 3);
    e.attributes = {
      regionCode: grid.unitCode,
      // 案(事)件分级 04 一般; 类型 04 有关刑事案件 or 99 其他 (治安案件).
      caseGrade: '04',
      caseType: type.nature === '01' ? '04' : '99',
      caseNature: type.nature,
      isSolved: solved,
      offenderCount: offenders,
      fugitiveCount: offenders - arrested,
      arrestedCount: arrested,
      investigationNote: solved ? '已查明案情，违法犯罪嫌疑人已到案' : '正在侦查中',
      schoolCode: e.placeCode && this.places.schools.some((s) => s.code === e.placeCode) ? e.placeCode : null,
    };
    e.status = ctx.daysBetween(when.day, ctx.asOf) < 5 ? EventStatus.IN_PROGRESS : EventStatus.ARCHIVED;
    const last = this.log(
      e,
      grid,
      station,
      e.status === EventStatus.IN_PROGRESS
        ? ['上报', '受理', '办理']
        : ['上报', '受理', '办理', '办结', '备案'],
    );
    if (e.status === EventStatus.ARCHIVED) e.resolvedAt = last;
    this.out.events.push(e);
  }
}
