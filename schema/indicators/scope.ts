import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '../common/rows';
import { DomainError, NotFoundError } from '../runtime/errors';

/**
 * What every indicator is computed over: a period of China calendar days [from, to) and a region with
 * everything below it (a record is in the region when its region_path starts with the region's path).
 */

export interface IndicatorPeriod {
  /** First day, YYYY-MM-DD (China time). */
  from: string;
  /** Day after the last, YYYY-MM-DD (exclusive). */
  to: string;
}

export interface IndicatorScope extends IndicatorPeriod {
  /** The period's bounds as instants: midnight China time (UTC+8, no daylight saving). */
  fromAt: Date;
  toAt: Date;
  regionCode: string;
  regionPath: string;
  regionName: string;
  /** Codes in the region's path: 1 for the county, 2 for a township… */
  depth: number;
  /** Whether the region is the root of the tree (records not placed in a region count only there). */
  isRoot: boolean;
  /**
   * The stock indicators (completeness, key-person entry) count the records that exist at this instant:
   * the period's end by default; the far future with `recordsAsOf: 'now'` (every record held today, for a
   * database loaded after the period it reports on, such as a demo seeded today for its reference year).
   */
  existsBefore: Date;
}

export type RecordsAsOf = 'period_end' | 'now';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function chinaMidnight(day: string): Date {
  return new Date(`${day}T00:00:00+08:00`);
}

function checkDay(field: 'from' | 'to', value: string): void {
  if (typeof value !== 'string' || !DAY.test(value) || Number.isNaN(chinaMidnight(value).getTime())) {
    throw new DomainError('BAD_PERIOD', `${field} "${value}" is not a day (YYYY-MM-DD)`, {
      field,
      rule: 'DATE',
    });
  }
}

export async function resolveScope(
  em: EntityManager,
  period: IndicatorPeriod,
  regionCode?: string | null,
  recordsAsOf: RecordsAsOf = 'period_end',
): Promise<IndicatorScope> {
  checkDay('from', period.from);
  checkDay('to', period.to);
  if (period.from >= period.to) {
    throw new DomainError(
      'BAD_PERIOD',
      `the period [${period.from}, ${period.to}) is empty: from must be before to`,
      { field: 'to', rule: 'from < to' },
    );
  }
  const rows = regionCode
    ? await runSql<{ code: string; path: string; name: string; parent_code: string | null }>(
        em,
        'select code, path, name, parent_code from region where code = $1',
        [regionCode],
      )
    : await runSql<{ code: string; path: string; name: string; parent_code: string | null }>(
        em,
        'select code, path, name, parent_code from region where parent_code is null order by code limit 1',
      );
  const region = rows[0];
  if (!region) {
    if (regionCode) throw new NotFoundError('Region', regionCode);
    throw new DomainError('NO_REGION_TREE', 'the region tree is empty');
  }
  return {
    from: period.from,
    to: period.to,
    fromAt: chinaMidnight(period.from),
    toAt: chinaMidnight(period.to),
    regionCode: region.code,
    regionPath: region.path,
    regionName: region.name,
    depth: region.path.split('/').filter(Boolean).length,
    isRoot: region.parent_code === null,
    existsBefore: recordsAsOf === 'now' ? new Date('9999-12-31T00:00:00Z') : chinaMidnight(period.to),
  };
}

/** The day before `day` (YYYY-MM-DD), or `n` days before. */
export function daysBefore(day: string, n = 1): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - n);
  return d.toISOString().slice(0, 10);
}

/** Keyset paging of a drill-down: at most `first` rows after the opaque cursor `after`. */
export interface PageInput {
  first?: number;
  after?: string | null;
}

export interface Page<T> {
  items: T[];
  /** Pass as `after` for the next page; null at the end. */
  endCursor: string | null;
  hasNextPage: boolean;
}

export function pageSize(page?: PageInput): number {
  const first = page?.first ?? 50;
  if (!Number.isInteger(first) || first < 1 || first > 1000) {
    throw new DomainError('BAD_PAGE', `first must be an integer from 1 to 1000, not ${first}`, {
      field: 'first',
      rule: '1..1000',
    });
  }
  return first;
}

export function encodeCursor(parts: Array<string | number>): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(
  cursor: string | null | undefined,
  arity: number,
): Array<string | number> | null {
  if (!cursor) return null;
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parts) && parts.length === arity) return parts as Array<string | number>;
  } catch {
    // fall through to the error below
  }
  throw new DomainError('BAD_CURSOR', `cursor "${cursor}" was not issued by this drill-down`, {
    field: 'after',
    rule: 'CURSOR',
  });
}
