import type { EntityManager } from '@mikro-orm/postgresql';
import { withConnection } from '../db/tx';
import { DomainError, NotFoundError } from '../runtime/errors';
import { countyUnit } from './units';

/**
 * The dispute resolution rate (矛盾纠纷化解率): disputes resolved successfully ÷ disputes found, for the
 * disputes that occurred in [from, to) in a region and below (the event's region_path under the region's
 * path). "Found" counts every dispute of the period whatever its state, so one still open lowers the rate:
 * the rate answers "of what surfaced in the period, how much was settled", as the county reports it.
 */

export interface DisputeRateInput {
  from: Date;
  /** Exclusive. */
  to: Date;
  /** Default: the county (the root of the region tree). */
  regionCode?: string | null;
  /** Also break the figures down by the regions one level below. */
  byRegion?: boolean;
}

export interface DisputeRate {
  found: number;
  resolvedSuccessfully: number;
  /** resolvedSuccessfully ÷ found, 4 decimals; null when nothing was found. */
  rate: number | null;
}

export interface DisputeRateReport extends DisputeRate {
  regionCode: string;
  from: string;
  to: string;
  /** One row per child region (all of them, zeros included), in code order; only with byRegion. */
  byRegion?: Array<DisputeRate & { regionCode: string; name: string }>;
}

function rateOf(found: number, resolved: number): DisputeRate {
  return {
    found,
    resolvedSuccessfully: resolved,
    rate: found === 0 ? null : Math.round((resolved / found) * 10_000) / 10_000,
  };
}

export async function disputeResolutionRate(
  em: EntityManager,
  input: DisputeRateInput,
): Promise<DisputeRateReport> {
  for (const field of ['from', 'to'] as const) {
    if (!(input[field] instanceof Date) || Number.isNaN(input[field].getTime())) {
      throw new DomainError('BAD_PERIOD', `${field} must be a valid instant`, { field, rule: 'DATE' });
    }
  }
  if (input.from >= input.to) {
    throw new DomainError(
      'BAD_PERIOD',
      `the period [${input.from.toISOString()}, ${input.to.toISOString()}) is empty: from must be before to`,
      { field: 'to', rule: 'from < to' },
    );
  }
  return withConnection(em, async (tx) => {
    const code = input.regionCode ?? (await countyUnit(tx));
    const [region] = await tx.query<{ path: string }>('select path from region where code = $1', [code]);
    if (!region) throw new NotFoundError('Region', code);
    // Region paths are digits, letters, '-' and '/': no LIKE wildcards to escape.
    const [total] = await tx.query<{ found: string; resolved: string }>(
      `select count(*) as found, count(*) filter (where resolved_successfully) as resolved
       from event
       where kind = 'dispute' and occurred_at >= $1 and occurred_at < $2 and region_path like $3 || '%'`,
      [input.from, input.to, region.path],
    );
    const report: DisputeRateReport = {
      regionCode: code,
      from: input.from.toISOString(),
      to: input.to.toISOString(),
      ...rateOf(Number(total!.found), Number(total!.resolved)),
    };
    if (input.byRegion) {
      const rows = await tx.query<{ code: string; name: string; found: string; resolved: string }>(
        `select c.code, c.name, count(e.id) as found, count(e.id) filter (where e.resolved_successfully) as resolved
         from region c
         left join event e on e.kind = 'dispute' and e.occurred_at >= $1 and e.occurred_at < $2
           and e.region_path like c.path || '%'
         where c.parent_code = $3
         group by c.code, c.name order by c.code`,
        [input.from, input.to, code],
      );
      report.byRegion = rows.map((r) => ({
        regionCode: r.code,
        name: r.name,
        ...rateOf(Number(r.found), Number(r.resolved)),
      }));
    }
    return report;
  });
}
