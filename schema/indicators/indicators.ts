import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '../common/rows';
import { disputeResolutionRate } from '../events/disputes';
import { DomainError } from '../runtime/errors';
import { computeCompleteness, incompleteRecords } from './completeness';
import { type KeyPersonFeeds, keyPersonRows } from './key-persons';
import {
  decodeCursor,
  encodeCursor,
  type IndicatorPeriod,
  type IndicatorScope,
  type Page,
  type PageInput,
  pageSize,
  type RecordsAsOf,
  resolveScope,
} from './scope';

/**
 * The county's performance indicators (domain.md §1, §4; issue 9), computed from live data for a period of
 * China calendar days [from, to) and a region and everything below it. Each answers value, numerator,
 * denominator, its target (indicator_target; null when none is set), whether it is met, and breakdowns; the
 * records behind each are listed by `indicatorRecords`. Definitions:
 * - completeness: filled ÷ mandatory items over every data set's records existing at the period's end
 *   (./completeness.ts; `recordsAsOf: 'now'` counts every record held today instead).
 * - key_person_entry: key persons the departments' feeds supplied, registered complete (./key-persons.ts).
 * - dispute_resolution: schema/events/disputes.ts (disputes occurred in the period); disputes_resolved: its
 *   numerator as a count.
 * - handsets_in_service: handsets with an assignment covering the period's end (since < end, until open or
 *   ≥ end) and a check-in in the 30 days before the end; the handset's region is its worker's grid.
 *   worker_coverage: active workers (created before the end) holding such a handset ÷ active workers.
 * - training_per_quarter: the fewest sessions (training and drills, every audience) held in any calendar
 *   quarter the period touches (the part of it inside the period); ≥ 1 means every quarter had one.
 *   training_person_times: Σ participants of the sessions held in the period.
 * - items_reported: events of kind incident or dispute that occurred in the period (what grids report; police
 *   cases come from the public-security feed and are not grid reports). key_matters: events (any kind) that
 *   occurred in the period with attributes.keyMatter = true (the centre's 重点事项 flag).
 * - budget_execution: spent ÷ budget in yuan for the fiscal year of the period's start, as fleet/budget.ts
 *   counts it: spent = Σ amounts of reconciled statement lines (ALLOCATED_LINES_SQL) billed in the period;
 *   budget = that year's fee_budget of the county (at a township, the township's budget and allocated
 *   lines); null below a township, where no budget is kept.
 * - satisfaction: public-safety survey answers (situation kind safety_survey) recorded in the period whose
 *   rating is one of SATISFIED_RATINGS (很安全, 安全, 基本安全: the safety rate of domain.md §2) ÷ answers.
 */

export type IndicatorUnit = 'ratio' | 'count' | 'yuan';

export interface IndicatorValue {
  code: string;
  /** Chinese, e.g. 基础数据库完整率. */
  name: string;
  unit: IndicatorUnit;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  target: number | null;
  comparator: '>=' | '<=';
  met: boolean | null;
  /** Breakdowns. */
  detail?: Record<string, unknown>;
}

export const INDICATOR_CODES = [
  'completeness',
  'key_person_entry',
  'dispute_resolution',
  'handsets_in_service',
  'worker_coverage',
  'training_per_quarter',
  'training_person_times',
  'items_reported',
  'key_matters',
  'disputes_resolved',
  'budget_execution',
  'satisfaction',
] as const;
export type IndicatorCode = (typeof INDICATOR_CODES)[number];

export const INDICATOR_NAMES: Record<IndicatorCode, { name: string; unit: IndicatorUnit }> = {
  completeness: { name: '基础数据库完整率', unit: 'ratio' },
  key_person_entry: { name: '重点人员信息录入率', unit: 'ratio' },
  dispute_resolution: { name: '矛盾纠纷排查化解率', unit: 'ratio' },
  handsets_in_service: { name: '在用手持终端数', unit: 'count' },
  worker_coverage: { name: '网格员终端覆盖率', unit: 'ratio' },
  training_per_quarter: { name: '每季度培训次数', unit: 'count' },
  training_person_times: { name: '培训人次', unit: 'count' },
  items_reported: { name: '网格上报事项数', unit: 'count' },
  key_matters: { name: '重点事项办理数', unit: 'count' },
  disputes_resolved: { name: '化解矛盾纠纷数', unit: 'count' },
  budget_execution: { name: '预算执行率', unit: 'ratio' },
  satisfaction: { name: '群众满意度', unit: 'ratio' },
};

/** 很安全, 安全, 基本安全. */
export const SATISFIED_RATINGS = ['01', '02', '03'];
/** A handset is in service with a check-in within this many days before the period's end. */
export const CHECKIN_WINDOW_DAYS = 30;

export interface IndicatorOptions {
  regionCode?: string | null;
  keyPersonFeeds?: KeyPersonFeeds;
  /** Compute only these (default all, in INDICATOR_CODES order). */
  codes?: readonly IndicatorCode[];
  /** Which records the stock indicators count: those existing at the period's end (default) or all today. */
  recordsAsOf?: RecordsAsOf;
}

type Raw = Omit<IndicatorValue, 'code' | 'name' | 'unit' | 'target' | 'comparator' | 'met'>;

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);

function isCode(code: string): code is IndicatorCode {
  return (INDICATOR_CODES as readonly string[]).includes(code);
}

// ------------------------------------------------------------------------------------------- computations

async function completenessOf(em: EntityManager, s: IndicatorScope): Promise<Raw> {
  const c = await computeCompleteness(em, s);
  return {
    value: ratio(c.filled, c.mandatory),
    numerator: c.filled,
    denominator: c.mandatory,
    detail: { records: c.records, byDataSet: c.byDataSet, byRegion: c.byRegion },
  };
}

async function keyPersonEntry(em: EntityManager, s: IndicatorScope, feeds?: KeyPersonFeeds): Promise<Raw> {
  const rows = await keyPersonRows(em, s, feeds);
  const byKind: Record<string, { supplied: number; complete: number }> = {};
  let complete = 0;
  for (const r of rows) {
    const k = byKind[r.kind] ?? { supplied: 0, complete: 0 };
    byKind[r.kind] = k;
    k.supplied++;
    if (r.complete) {
      k.complete++;
      complete++;
    }
  }
  const byRegion: Record<string, { supplied: number; complete: number }> = {};
  for (const r of rows) {
    // The child region the person sits under ('' when on the region itself or not placed).
    const child = r.regionPath?.split('/').filter(Boolean)[s.depth] ?? '';
    const b = byRegion[child] ?? { supplied: 0, complete: 0 };
    byRegion[child] = b;
    b.supplied++;
    if (r.complete) b.complete++;
  }
  return {
    value: ratio(complete, rows.length),
    numerator: complete,
    denominator: rows.length,
    detail: { byKind, byRegion },
  };
}

async function disputes(em: EntityManager, s: IndicatorScope): Promise<{ rate: Raw; resolved: Raw }> {
  const r = await disputeResolutionRate(em, {
    from: s.fromAt,
    to: s.toAt,
    regionCode: s.regionCode,
    byRegion: true,
  });
  const byRegion = r.byRegion ?? [];
  return {
    rate: {
      value: ratio(r.resolvedSuccessfully, r.found),
      numerator: r.resolvedSuccessfully,
      denominator: r.found,
      detail: { byRegion },
    },
    resolved: {
      value: r.resolvedSuccessfully,
      numerator: r.resolvedSuccessfully,
      denominator: null,
      detail: {
        byRegion: byRegion.map((b) => ({
          regionCode: b.regionCode,
          name: b.name,
          resolved: b.resolvedSuccessfully,
        })),
      },
    },
  };
}

/** Handsets in service at the period's end, with the worker holding each (SQL; $1 path, $2 end, $3 window start). */
const IN_SERVICE_SQL = `
  select distinct on (a.handset_id) a.handset_id, a.worker_id, w.grid_code, r.path as region_path
    from assignment a
    join fleet_worker w on w.id = a.worker_id
    join region r on r.code = w.grid_code
   where a.since < $2 and (a.until is null or a.until >= $2)
     and r.path like $1 || '%'
     and exists (select 1 from checkin c where c.handset_id = a.handset_id and c.at >= $3 and c.at < $2)
   order by a.handset_id, a.since desc`;

async function handsets(em: EntityManager, s: IndicatorScope): Promise<{ handsets: Raw; coverage: Raw }> {
  const windowStart = new Date(s.toAt.getTime() - CHECKIN_WINDOW_DAYS * 86_400_000);
  const [h] = await runSql<{ in_service: string; assigned: string; covered: string; workers: string }>(
    em,
    `with svc as (${IN_SERVICE_SQL}),
          assigned as (select distinct a.handset_id from assignment a
                         join fleet_worker w on w.id = a.worker_id join region r on r.code = w.grid_code
                        where a.since < $2 and (a.until is null or a.until >= $2) and r.path like $1 || '%'),
          workers as (select w.id from fleet_worker w join region r on r.code = w.grid_code
                       where w.status = 'active' and w.created_at < $2 and r.path like $1 || '%')
     select (select count(*) from svc) as in_service,
            (select count(*) from assigned) as assigned,
            (select count(*) from workers) as workers,
            (select count(distinct svc.worker_id) from svc join workers on workers.id = svc.worker_id) as covered`,
    [s.regionPath, s.toAt, windowStart],
  );
  const inService = Number(h!.in_service);
  const workers = Number(h!.workers);
  const covered = Number(h!.covered);
  return {
    handsets: {
      value: inService,
      numerator: inService,
      denominator: Number(h!.assigned),
      detail: { assignedAtEnd: Number(h!.assigned), checkinWindowDays: CHECKIN_WINDOW_DAYS },
    },
    coverage: { value: ratio(covered, workers), numerator: covered, denominator: workers },
  };
}

/** The calendar quarters the period touches, each cut to the period: [from, to) days. */
export function quartersOf(from: string, to: string): Array<{ quarter: string; from: string; to: string }> {
  const out: Array<{ quarter: string; from: string; to: string }> = [];
  let year = Number(from.slice(0, 4));
  let q = Math.floor((Number(from.slice(5, 7)) - 1) / 3);
  for (;;) {
    const start = `${year}-${String(q * 3 + 1).padStart(2, '0')}-01`;
    if (start >= to) break;
    const next = q === 3 ? `${year + 1}-01-01` : `${year}-${String(q * 3 + 4).padStart(2, '0')}-01`;
    out.push({ quarter: `${year}-Q${q + 1}`, from: start < from ? from : start, to: next > to ? to : next });
    if (q === 3) {
      year++;
      q = 0;
    } else q++;
  }
  return out;
}

async function training(
  em: EntityManager,
  s: IndicatorScope,
): Promise<{ perQuarter: Raw; personTimes: Raw }> {
  const rows = await runSql<{ held_on: string; audience: string; kind: string; n: string; people: string }>(
    em,
    `select to_char(held_on, 'YYYY-MM-DD') as held_on, audience, kind, count(*) as n, sum(participants) as people
       from training_session
      where region_path like $1 || '%' and held_on >= $2::date and held_on < $3::date
      group by 1, 2, 3`,
    [s.regionPath, s.from, s.to],
  );
  const quarters = quartersOf(s.from, s.to).map((q) => ({
    ...q,
    sessions: 0,
    byAudience: {} as Record<string, number>,
    byKind: {} as Record<string, number>,
  }));
  let sessions = 0;
  let people = 0;
  for (const r of rows) {
    const n = Number(r.n);
    sessions += n;
    people += Number(r.people);
    const q = quarters.find((x) => r.held_on >= x.from && r.held_on < x.to);
    if (!q) continue;
    q.sessions += n;
    q.byAudience[r.audience] = (q.byAudience[r.audience] ?? 0) + n;
    q.byKind[r.kind] = (q.byKind[r.kind] ?? 0) + n;
  }
  const least = quarters.length === 0 ? 0 : Math.min(...quarters.map((q) => q.sessions));
  return {
    perQuarter: {
      value: least,
      numerator: sessions,
      denominator: quarters.length,
      detail: { quarters },
    },
    personTimes: { value: people, numerator: people, denominator: null, detail: { sessions } },
  };
}

async function events(em: EntityManager, s: IndicatorScope): Promise<{ items: Raw; keyMatters: Raw }> {
  const rows = await runSql<{ kind: string; n: string; key: string }>(
    em,
    `select kind::text as kind, count(*) as n, count(*) filter (where attributes ->> 'keyMatter' = 'true') as key
       from event
      where occurred_at >= $2 and occurred_at < $3 and region_path like $1 || '%'
      group by 1`,
    [s.regionPath, s.fromAt, s.toAt],
  );
  let items = 0;
  let keyMatters = 0;
  const byKind: Record<string, { events: number; keyMatters: number }> = {};
  for (const r of rows) {
    byKind[r.kind] = { events: Number(r.n), keyMatters: Number(r.key) };
    if (r.kind === 'incident' || r.kind === 'dispute') items += Number(r.n);
    keyMatters += Number(r.key);
  }
  return {
    items: { value: items, numerator: items, denominator: null, detail: { byKind } },
    keyMatters: { value: keyMatters, numerator: keyMatters, denominator: null, detail: { byKind } },
  };
}

async function budgetExecution(em: EntityManager, s: IndicatorScope): Promise<Raw> {
  const year = Number(s.from.slice(0, 4));
  const level = s.depth === 1 ? 'county' : s.depth === 2 ? 'township' : null;
  if (!level)
    return {
      value: null,
      numerator: null,
      denominator: null,
      detail: { year, note: 'no budget below a township' },
    };
  const scope = level === 'county' ? 'county' : `township:${s.regionCode}`;
  const [budget] = await runSql<{ amount_fen: string }>(
    em,
    'select amount_fen::text from fee_budget where fiscal_year = $1 and scope = $2',
    [year, scope],
  );
  // The same lines as fleet/allocation.ts ALLOCATED_LINES_SQL (schema may not import fleet): lines of
  // statements with a successful reconciliation run; a township's are the lines allocated to it.
  const [spent] = await runSql<{ fen: string | null }>(
    em,
    `select sum(l.amount_fen)::text as fen
       from carrier_statement s
       join carrier_statement_line l on l.statement_id = s.id
       left join region r on r.code = l.grid_code
      where s.billing_month >= $1::date and s.billing_month < $2::date
        and s.billing_month >= make_date($3, 1, 1) and s.billing_month < make_date($3 + 1, 1, 1)
        and exists (select 1 from fee_reconciliation_run rr where rr.statement_id = s.id and rr.status = 'succeeded')
        and ($4::text is null or (l.worker_id is not null and r.code is not null and r.level <> 'county'
                                  and split_part(r.path, '/', 3) = $4))`,
    [s.from, s.to, year, level === 'county' ? null : s.regionCode],
  );
  const spentYuan = Number(BigInt(spent?.fen ?? '0')) / 100;
  const budgetYuan = budget ? Number(BigInt(budget.amount_fen)) / 100 : null;
  return {
    value: budgetYuan ? spentYuan / budgetYuan : null,
    numerator: spentYuan,
    denominator: budgetYuan,
    detail: { year, scope, unit: 'yuan' },
  };
}

async function satisfaction(em: EntityManager, s: IndicatorScope): Promise<Raw> {
  const rows = await runSql<{ rating: string | null; n: string }>(
    em,
    `select rating, count(*) as n from situation
      where kind = 'safety_survey' and recorded_at >= $2 and recorded_at < $3 and region_path like $1 || '%'
      group by 1 order by 1`,
    [s.regionPath, s.fromAt, s.toAt],
  );
  let total = 0;
  let satisfied = 0;
  const byRating: Record<string, number> = {};
  for (const r of rows) {
    const n = Number(r.n);
    total += n;
    byRating[r.rating ?? ''] = n;
    if (r.rating && SATISFIED_RATINGS.includes(r.rating)) satisfied += n;
  }
  return { value: ratio(satisfied, total), numerator: satisfied, denominator: total, detail: { byRating } };
}

// ----------------------------------------------------------------------------------------------- the API

export async function indicatorTargets(
  em: EntityManager,
): Promise<Map<string, { target: number; comparator: '>=' | '<=' }>> {
  const rows = await runSql<{ code: string; target: string; comparator: string }>(
    em,
    'select code, target::text as target, comparator from indicator_target',
  );
  return new Map(
    rows.map((r) => [r.code, { target: Number(r.target), comparator: r.comparator === '<=' ? '<=' : '>=' }]),
  );
}

function withTarget(
  code: IndicatorCode,
  raw: Raw,
  targets: Map<string, { target: number; comparator: '>=' | '<=' }>,
): IndicatorValue {
  const t = targets.get(code);
  const comparator = t?.comparator ?? '>=';
  const met =
    t === undefined || raw.value === null
      ? null
      : comparator === '>='
        ? raw.value >= t.target
        : raw.value <= t.target;
  return {
    code,
    ...INDICATOR_NAMES[code],
    value: raw.value,
    numerator: raw.numerator,
    denominator: raw.denominator,
    target: t?.target ?? null,
    comparator,
    met,
    detail: raw.detail,
  };
}

export async function computeIndicators(
  em: EntityManager,
  input: IndicatorPeriod & IndicatorOptions,
): Promise<IndicatorValue[]> {
  const scope = await resolveScope(em, input, input.regionCode, input.recordsAsOf);
  const wanted = new Set<IndicatorCode>(input.codes ?? INDICATOR_CODES);
  const has = (...codes: IndicatorCode[]) => codes.some((c) => wanted.has(c));
  const raw = new Map<IndicatorCode, Raw>();
  if (has('completeness')) raw.set('completeness', await completenessOf(em, scope));
  if (has('key_person_entry'))
    raw.set('key_person_entry', await keyPersonEntry(em, scope, input.keyPersonFeeds));
  if (has('dispute_resolution', 'disputes_resolved')) {
    const d = await disputes(em, scope);
    raw.set('dispute_resolution', d.rate);
    raw.set('disputes_resolved', d.resolved);
  }
  if (has('handsets_in_service', 'worker_coverage')) {
    const h = await handsets(em, scope);
    raw.set('handsets_in_service', h.handsets);
    raw.set('worker_coverage', h.coverage);
  }
  if (has('training_per_quarter', 'training_person_times')) {
    const t = await training(em, scope);
    raw.set('training_per_quarter', t.perQuarter);
    raw.set('training_person_times', t.personTimes);
  }
  if (has('items_reported', 'key_matters')) {
    const e = await events(em, scope);
    raw.set('items_reported', e.items);
    raw.set('key_matters', e.keyMatters);
  }
  if (has('budget_execution')) raw.set('budget_execution', await budgetExecution(em, scope));
  if (has('satisfaction')) raw.set('satisfaction', await satisfaction(em, scope));
  const targets = await indicatorTargets(em);
  return INDICATOR_CODES.filter((c) => wanted.has(c)).map((c) => withTarget(c, raw.get(c)!, targets));
}

// ------------------------------------------------------------------------------------------- drill-down

/**
 * One record behind an indicator: ids, codes and region only (the gateway masks what the caller may not see).
 * `reason` says why the record lowers the indicator (or `counted` when it adds to the numerator).
 */
export interface IndicatorRecord {
  type: string;
  id: string;
  code: string | null;
  regionCode: string | null;
  reason: string;
  detail?: Record<string, unknown>;
}

async function pagedById(
  em: EntityManager,
  sql: string,
  params: unknown[],
  page: PageInput | undefined,
  toRecord: (row: Record<string, unknown>) => IndicatorRecord,
): Promise<Page<IndicatorRecord>> {
  const first = pageSize(page);
  const cursor = decodeCursor(page?.after, 1);
  const after = cursor ? String(cursor[0]) : '0';
  const n = params.length;
  const rows = await runSql<Record<string, unknown>>(
    em,
    `select * from (${sql}) x where x.id > $${n + 1}::bigint order by x.id limit $${n + 2}`,
    [...params, after, first + 1],
  );
  const more = rows.length > first;
  const items = rows.slice(0, first).map(toRecord);
  return { items, endCursor: more ? encodeCursor([items[items.length - 1]!.id]) : null, hasNextPage: more };
}

export async function indicatorRecords(
  em: EntityManager,
  code: string,
  period: IndicatorPeriod,
  regionCode: string | null | undefined,
  page?: PageInput,
  options: { keyPersonFeeds?: KeyPersonFeeds; recordsAsOf?: RecordsAsOf } = {},
): Promise<Page<IndicatorRecord>> {
  if (!isCode(code)) {
    throw new DomainError('UNKNOWN_INDICATOR', `No indicator "${code}"`, {
      field: 'code',
      codes: INDICATOR_CODES,
    });
  }
  const s = await resolveScope(em, period, regionCode, options.recordsAsOf);
  switch (code) {
    case 'completeness': {
      const p = await incompleteRecords(em, s, page);
      return {
        ...p,
        items: p.items.map((r) => ({
          type: r.entity,
          id: r.id,
          code: r.code,
          regionCode: r.regionCode,
          reason: 'missing mandatory items',
          detail: { dataSet: r.dataSet, missing: r.missing },
        })),
      };
    }
    case 'key_person_entry': {
      // The list is computed whole (it joins the feeds' rows by ID number), so the cursor is a position in it,
      // ordered by kind and ID number; the ID number itself is never returned.
      const rows = (await keyPersonRows(em, s, options.keyPersonFeeds)).filter((r) => !r.complete);
      const first = pageSize(page);
      const cursor = decodeCursor(page?.after, 1);
      const start = cursor ? Number(cursor[0]) : 0;
      const slice = rows.slice(start, start + first);
      const more = start + first < rows.length;
      return {
        items: slice.map((r) => ({
          type: r.recordId ? 'person_record' : r.quarantineId ? 'quarantined_record' : 'key_person',
          id: r.recordId ?? r.quarantineId ?? '',
          code: null,
          regionCode: r.regionPath?.split('/').filter(Boolean).pop() ?? null,
          reason: r.recordId
            ? 'registered with mandatory items missing'
            : r.quarantineId
              ? 'in quarantine, not registered'
              : 'not registered',
          detail: { kind: r.kind },
        })),
        endCursor: more ? encodeCursor([start + first]) : null,
        hasNextPage: more,
      };
    }
    case 'dispute_resolution':
    case 'disputes_resolved':
      return pagedById(
        em,
        `select id, code, region_code, status::text as status, resolved_successfully from event
          where kind = 'dispute' and occurred_at >= $2 and occurred_at < $3 and region_path like $1 || '%'
            and ${code === 'disputes_resolved' ? 'resolved_successfully' : 'resolved_successfully is not true'}`,
        [s.regionPath, s.fromAt, s.toAt],
        page,
        (r) => ({
          type: 'event',
          id: String(r.id),
          code: r.code as string,
          regionCode: r.region_code as string,
          reason:
            code === 'disputes_resolved'
              ? 'counted'
              : r.resolved_successfully === false
                ? 'not resolved successfully'
                : 'open',
          detail: { status: r.status },
        }),
      );
    case 'handsets_in_service':
    case 'worker_coverage': {
      const windowStart = new Date(s.toAt.getTime() - CHECKIN_WINDOW_DAYS * 86_400_000);
      if (code === 'handsets_in_service') {
        // The handsets assigned at the period's end that are not in service, with why.
        return pagedById(
          em,
          `select h.id, h.device_id as code, w.grid_code as region_code,
                  (select max(c.at) from checkin c where c.handset_id = h.id and c.at < $2) as last_checkin
             from handset h
             join assignment a on a.handset_id = h.id and a.since < $2 and (a.until is null or a.until >= $2)
             join fleet_worker w on w.id = a.worker_id join region r on r.code = w.grid_code
            where r.path like $1 || '%'
              and not exists (select 1 from checkin c where c.handset_id = h.id and c.at >= $3 and c.at < $2)`,
          [s.regionPath, s.toAt, windowStart],
          page,
          (r) => ({
            type: 'handset',
            id: String(r.id),
            code: r.code as string,
            regionCode: r.region_code as string,
            reason: r.last_checkin
              ? `no check-in in the ${CHECKIN_WINDOW_DAYS} days before the end`
              : 'never checked in',
            detail: { lastCheckin: r.last_checkin ?? null },
          }),
        );
      }
      return pagedById(
        em,
        `select w.id, w.code, w.grid_code as region_code from fleet_worker w join region r on r.code = w.grid_code
          where w.status = 'active' and w.created_at < $2 and r.path like $1 || '%'
            and not exists (select 1 from assignment a
                             where a.worker_id = w.id and a.since < $2 and (a.until is null or a.until >= $2)
                               and exists (select 1 from checkin c
                                            where c.handset_id = a.handset_id and c.at >= $3 and c.at < $2))`,
        [s.regionPath, s.toAt, windowStart],
        page,
        (r) => ({
          type: 'fleet_worker',
          id: String(r.id),
          code: r.code as string,
          regionCode: r.region_code as string,
          reason: 'holds no handset in service',
        }),
      );
    }
    case 'training_per_quarter':
    case 'training_person_times':
      return pagedById(
        em,
        `select id, code, region_code, kind, audience, to_char(held_on, 'YYYY-MM-DD') as held_on, participants
           from training_session
          where region_path like $1 || '%' and held_on >= $2::date and held_on < $3::date`,
        [s.regionPath, s.from, s.to],
        page,
        (r) => ({
          type: 'training_session',
          id: String(r.id),
          code: r.code as string,
          regionCode: r.region_code as string,
          reason: 'counted',
          detail: { kind: r.kind, audience: r.audience, heldOn: r.held_on, participants: r.participants },
        }),
      );
    case 'items_reported':
    case 'key_matters':
      return pagedById(
        em,
        `select id, code, region_code, kind::text as kind from event
          where occurred_at >= $2 and occurred_at < $3 and region_path like $1 || '%'
            and ${code === 'items_reported' ? "kind in ('incident', 'dispute')" : "attributes ->> 'keyMatter' = 'true'"}`,
        [s.regionPath, s.fromAt, s.toAt],
        page,
        (r) => ({
          type: 'event',
          id: String(r.id),
          code: r.code as string,
          regionCode: r.region_code as string,
          reason: 'counted',
          detail: { kind: r.kind },
        }),
      );
    case 'budget_execution': {
      const year = Number(s.from.slice(0, 4));
      return pagedById(
        em,
        `select st.id, st.carrier || ' ' || to_char(st.billing_month, 'YYYY-MM') as code,
                sum(l.amount_fen)::text as fen, count(*) as lines
           from carrier_statement st
           join carrier_statement_line l on l.statement_id = st.id
          where st.billing_month >= $1::date and st.billing_month < $2::date
            and st.billing_month >= make_date($3, 1, 1) and st.billing_month < make_date($3 + 1, 1, 1)
            and exists (select 1 from fee_reconciliation_run rr where rr.statement_id = st.id and rr.status = 'succeeded')
          group by st.id`,
        [s.from, s.to, year],
        page,
        (r) => ({
          type: 'carrier_statement',
          id: String(r.id),
          code: r.code as string,
          regionCode: null,
          reason: 'counted',
          detail: { spentYuan: Number(BigInt(r.fen as string)) / 100, lines: Number(r.lines) },
        }),
      );
    }
    case 'satisfaction':
      return pagedById(
        em,
        `select id, code, region_code, rating from situation
          where kind = 'safety_survey' and recorded_at >= $2 and recorded_at < $3 and region_path like $1 || '%'
            and (rating is null or rating <> all($4::text[]))`,
        [s.regionPath, s.fromAt, s.toAt, SATISFIED_RATINGS],
        page,
        (r) => ({
          type: 'situation',
          id: String(r.id),
          code: r.code as string,
          regionCode: r.region_code as string,
          reason: 'not satisfied',
          detail: { rating: r.rating },
        }),
      );
  }
}

export type { KeyPersonFeeds } from './key-persons';
export type { IndicatorPeriod, Page, PageInput, RecordsAsOf } from './scope';
