import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '../common/rows';
import { RegionLevel } from '../regions/region.entity';
import { DomainError } from '../runtime/errors';
import { computeIndicators, INDICATOR_CODES, type IndicatorUnit, type IndicatorValue } from './indicators';

/**
 * Indicator snapshots (indicator_snapshot): each indicator of each region for a period, stored as computed, so
 * that trends can be read without recomputing and a past year's report does not move when today's data does
 * (a late correction to a 2023 record changes the live indicators, not what was reported for 2023). A
 * nightly job takes them (workers: 'indicator-snapshot'); a period still running is overwritten each night
 * with the figures so far, and its last night (the day after it ends) fixes it.
 *
 * Periods: '2023' (a year), '2023-Q1' (a quarter), '2023-11' (a month), '2023-11-26' (a day), China calendar.
 */

/** How snapshots are computed: computeIndicators, or a stand-in with its signature (tests). */
export type ComputeIndicators = (
  em: EntityManager,
  input: { from: string; to: string; regionCode?: string | null },
) => Promise<IndicatorValue[]>;

export type PeriodGranularity = 'year' | 'quarter' | 'month' | 'day';

export interface PeriodBounds {
  period: string;
  granularity: PeriodGranularity;
  /** First day, YYYY-MM-DD. */
  from: string;
  /** Day after the last, YYYY-MM-DD. */
  to: string;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

function dayAfter(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function badPeriod(period: string): never {
  throw new DomainError(
    'BAD_PERIOD',
    `period "${period}" is not a year (2023), a quarter (2023-Q1), a month (2023-11) or a day (2023-11-26)`,
    { field: 'period', rule: 'PERIOD_FORMAT' },
  );
}

/** The days a period covers. */
export function periodBounds(period: string): PeriodBounds {
  let m = /^(\d{4})$/.exec(period);
  if (m) {
    const y = Number(m[1]);
    return { period, granularity: 'year', from: `${y}-01-01`, to: `${y + 1}-01-01` };
  }
  m = /^(\d{4})-Q([1-4])$/.exec(period);
  if (m) {
    const y = Number(m[1]);
    const q = Number(m[2]);
    const to = q === 4 ? `${y + 1}-01-01` : `${y}-${pad2(q * 3 + 1)}-01`;
    return { period, granularity: 'quarter', from: `${y}-${pad2(q * 3 - 2)}-01`, to };
  }
  m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const to = mo === 12 ? `${y + 1}-01-01` : `${y}-${pad2(mo + 1)}-01`;
    return { period, granularity: 'month', from: `${period}-01`, to };
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(period)) {
    const d = new Date(`${period}T00:00:00Z`);
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== period) badPeriod(period);
    return { period, granularity: 'day', from: period, to: dayAfter(period) };
  }
  return badPeriod(period);
}

/** The day `at` falls on in China (UTC+8, no daylight saving). */
export function chinaDay(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/**
 * The periods a nightly run snapshots: the day that just ended (yesterday, China time) and the month, quarter
 * and year it belongs to — so on the 1st of a month the month just ended is snapshotted one last time.
 */
export function nightlyPeriods(now: Date = new Date()): string[] {
  const today = chinaDay(now);
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  const yesterday = d.toISOString().slice(0, 10);
  const [y, mo] = [yesterday.slice(0, 4), Number(yesterday.slice(5, 7))];
  return [yesterday, `${y}-${pad2(mo)}`, `${y}-Q${Math.ceil(mo / 3)}`, y];
}

export interface TakeSnapshotsOptions {
  period: string;
  regionCodes: readonly string[];
  /**
   * The first day not yet known (default: the period's end). A period still running is computed up to it,
   * so that "in service within 30 days of the end" and the like are measured on the data so far.
   */
  until?: string;
}

export interface TakeSnapshotsResult {
  period: string;
  /** The days computed, [from, to). */
  from: string;
  to: string;
  regions: number;
  /** Snapshot rows written (inserted or replaced). */
  stored: number;
}

/** What snapshots keep besides the columns: the indicator's name, unit and comparator at the time. */
const META = '__indicator';

interface Meta {
  name: string;
  unit: IndicatorUnit;
  comparator: '>=' | '<=';
  /** The days actually computed (a running period's `to` is the day it was computed). */
  from: string;
  to: string;
}

const num = (v: number | null | undefined) => (v == null || !Number.isFinite(v) ? null : v);

/**
 * Computes every indicator for the period in each region and stores it, replacing the period's earlier
 * snapshot of that region and indicator (one row per period, region and code).
 */
export async function takeSnapshots(
  em: EntityManager,
  compute: ComputeIndicators = computeIndicators,
  options: TakeSnapshotsOptions,
): Promise<TakeSnapshotsResult> {
  const bounds = periodBounds(options.period);
  const to = options.until && options.until < bounds.to ? options.until : bounds.to;
  if (to <= bounds.from) {
    throw new DomainError(
      'BAD_PERIOD',
      `period ${bounds.period} has not started by ${options.until}: nothing to snapshot`,
      { field: 'until', rule: 'AFTER_PERIOD_START' },
    );
  }
  let stored = 0;
  for (const regionCode of options.regionCodes) {
    const values = await compute(em, { from: bounds.from, to, regionCode });
    const rows = values.map((v) => {
      const meta: Meta = { name: v.name, unit: v.unit, comparator: v.comparator, from: bounds.from, to };
      return {
        code: v.code,
        value: num(v.value),
        numerator: num(v.numerator),
        denominator: num(v.denominator),
        target: num(v.target),
        met: v.met,
        detail: { ...(v.detail ?? {}), [META]: meta },
      };
    });
    if (rows.length === 0) continue;
    const written = await em.getConnection().execute<Array<{ id: string }>>(
      `insert into indicator_snapshot (period, period_start, period_end, region_code, code, value, numerator,
         denominator, target, met, detail, computed_at)
       select ?, ?::date, ?::date, ?, x.code, x.value, x.numerator, x.denominator, x.target, x.met, x.detail, now()
         from jsonb_to_recordset(?::jsonb) as x(code varchar, value numeric, numerator numeric, denominator numeric,
           target numeric, met boolean, detail jsonb)
       on conflict (period, region_code, code) do update set period_start = excluded.period_start,
         period_end = excluded.period_end, value = excluded.value, numerator = excluded.numerator,
         denominator = excluded.denominator, target = excluded.target, met = excluded.met,
         detail = excluded.detail, computed_at = excluded.computed_at
       returning id`,
      [bounds.period, bounds.from, bounds.to, regionCode, JSON.stringify(rows)],
    );
    stored += written.length;
  }
  return { period: bounds.period, from: bounds.from, to, regions: options.regionCodes.length, stored };
}

/** The county and every township: the regions the nightly job snapshots. */
export async function snapshotRegionCodes(em: EntityManager): Promise<string[]> {
  const rows = await runSql<{ code: string }>(
    em,
    'select code from region where level in (?, ?) order by path',
    [RegionLevel.COUNTY, RegionLevel.TOWNSHIP],
  );
  return rows.map((r) => r.code);
}

export interface NightlySnapshotResult {
  periods: TakeSnapshotsResult[];
  regions: number;
  stored: number;
}

/** The nightly run: yesterday, its month, quarter and year, for the county and every township. */
export async function takeNightlySnapshots(
  em: EntityManager,
  compute: ComputeIndicators = computeIndicators,
  now: Date = new Date(),
): Promise<NightlySnapshotResult> {
  const regionCodes = await snapshotRegionCodes(em);
  const until = chinaDay(now);
  const periods: TakeSnapshotsResult[] = [];
  for (const period of nightlyPeriods(now)) {
    periods.push(await takeSnapshots(em, compute, { period, regionCodes, until }));
  }
  return { periods, regions: regionCodes.length, stored: periods.reduce((n, p) => n + p.stored, 0) };
}

export interface StoredIndicatorValue extends IndicatorValue {
  period: string;
  periodStart: string;
  /** Exclusive. */
  periodEnd: string;
  regionCode: string;
  computedAt: Date;
}

interface SnapshotRow {
  period: string;
  period_start: string;
  period_end: string;
  region_code: string;
  code: string;
  value: string | null;
  numerator: string | null;
  denominator: string | null;
  target: string | null;
  met: boolean | null;
  detail: Record<string, unknown> | null;
  computed_at: Date;
  comparator: string | null;
}

const SELECT = `select s.period, to_char(s.period_start, 'YYYY-MM-DD') as period_start,
    to_char(s.period_end, 'YYYY-MM-DD') as period_end, s.region_code, s.code, s.value::text as value,
    s.numerator::text as numerator, s.denominator::text as denominator, s.target::text as target, s.met, s.detail,
    s.computed_at, t.comparator
  from indicator_snapshot s
  left join indicator_target t on t.code = s.code`;

const toNumber = (v: string | null) => (v == null ? null : Number(v));

function stored(row: SnapshotRow): StoredIndicatorValue {
  const { [META]: rawMeta, ...detail } = row.detail ?? {};
  const meta = (rawMeta ?? {}) as Partial<Meta>;
  return {
    code: row.code,
    name: meta.name ?? row.code,
    unit: meta.unit ?? 'count',
    value: toNumber(row.value),
    numerator: toNumber(row.numerator),
    denominator: toNumber(row.denominator),
    target: toNumber(row.target),
    comparator: meta.comparator ?? (row.comparator === '<=' ? '<=' : '>='),
    met: row.met,
    detail,
    period: row.period,
    periodStart: row.period_start,
    periodEnd: row.period_end,
    regionCode: row.region_code,
    computedAt: row.computed_at instanceof Date ? row.computed_at : new Date(row.computed_at),
  };
}

const codeOrder = (code: string) => {
  const i = (INDICATOR_CODES as readonly string[]).indexOf(code);
  return i < 0 ? INDICATOR_CODES.length : i;
};

/**
 * The indicators of a region as stored for the period, in the indicators' order; empty when no snapshot was
 * taken. What a past period's report reads: it does not change with today's data.
 */
export async function snapshotFor(
  em: EntityManager,
  period: string,
  regionCode: string,
): Promise<StoredIndicatorValue[]> {
  periodBounds(period);
  const rows = await runSql<SnapshotRow>(em, `${SELECT} where s.period = ? and s.region_code = ?`, [
    period,
    regionCode,
  ]);
  return rows
    .map(stored)
    .sort((a, b) => codeOrder(a.code) - codeOrder(b.code) || a.code.localeCompare(b.code));
}

/**
 * One indicator of a region over time: the snapshots of the periods starting within [from, to) (days,
 * YYYY-MM-DD), of one granularity (default: months), oldest first; a running period shows its figures so far.
 */
export async function snapshotTrend(
  em: EntityManager,
  code: string,
  regionCode: string,
  from: string,
  to: string,
  granularity: PeriodGranularity = 'month',
): Promise<StoredIndicatorValue[]> {
  for (const [field, day] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(day))) {
      throw new DomainError('BAD_PERIOD', `${field} "${day}" is not a day (YYYY-MM-DD)`, {
        field,
        rule: 'DATE',
      });
    }
  }
  const pattern = {
    year: '^\\d{4}$',
    quarter: '^\\d{4}-Q[1-4]$',
    month: '^\\d{4}-\\d{2}$',
    day: '^\\d{4}-\\d{2}-\\d{2}$',
  }[granularity];
  const rows = await runSql<SnapshotRow>(
    em,
    `${SELECT}
      where s.code = ? and s.region_code = ? and s.period_start >= ?::date and s.period_start < ?::date
        and s.period ~ ?
      order by s.period_start`,
    [code, regionCode, from, to, pattern],
  );
  return rows.map(stored);
}
