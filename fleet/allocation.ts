import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '../schema/common/rows';
import { DomainError } from '../schema/runtime/errors';

/**
 * Allocation of the reconciled carrier charges of a month: per township, per department, per worker kind
 * and per number (MSISDN, else ICCID). Only lines of reconciled statements count (a statement with a
 * successful reconciliation run; a re-import not yet reconciled counts nothing), every line whatever its
 * state — finance pays what was billed, discrepancies included.
 *
 * Township: the line's grid code (its SIM's assignment as of the billing month, as the reconciliation left
 * it on the line) → the grid's township in
 * the region tree (the second code of the region's path). Lines with no worker go to the explicit bucket
 * `unassigned`; lines with a worker whose grid is not in the region tree go to `unresolved`.
 *
 * Department: the fleet holds no department data, so the split is by who holds the SIM: `township_office`
 * for lines whose worker's grid resolves to a township (the township's grid-governance office bears it),
 * `county_centre` for every other line (no worker: stock, unassigned or unknown SIMs, which the county
 * centre / IT office holds; or a grid outside the tree). The worker kind (full_time, auxiliary, part_time,
 * or `unassigned`) is given as a further breakdown.
 *
 * Everything is integer fen (bigint in SQL, BigInt here): each bucket's sum equals the month's reconciled
 * total exactly. With `spreadUnassigned`, the `unassigned` and `unresolved` buckets are spread over the
 * townships pro rata to their own amounts by the largest-remainder method, so the total still ties to the fen.
 */

export const UNASSIGNED = 'unassigned';
export const UNRESOLVED = 'unresolved';
export const TOWNSHIP_OFFICE = 'township_office';
export const COUNTY_CENTRE = 'county_centre';

export interface AllocationOptions {
  /** cmcc, cucc or ctcc; every carrier when absent. */
  carrier?: string;
  /** YYYY-MM. */
  month: string;
  /** Spread the unassigned/unresolved buckets over the townships (largest remainder). */
  spreadUnassigned?: boolean;
}

export interface TownshipAllocation {
  /** The township's region code, or `unassigned` / `unresolved`. */
  township: string;
  name: string | null;
  amountFen: number;
  lines: number;
}

export interface NumberAllocation {
  msisdn: string | null;
  iccid: string | null;
  township: string;
  amountFen: number;
  lines: number;
}

export interface Allocation {
  month: string;
  carrier: string | null;
  /** Σ reconciled line amounts of the month, fen. */
  totalFen: number;
  lines: number;
  byTownship: TownshipAllocation[];
  byDepartment: Array<{ department: string; amountFen: number; lines: number }>;
  byWorkerKind: Array<{ kind: string; amountFen: number; lines: number }>;
  byNumber: NumberAllocation[];
}

/**
 * Reconciled lines with their township code and department: SQL text usable as a subquery, with columns
 * billing_month, carrier, line_id, amount_fen, msisdn, iccid, worker_kind, township, department.
 */
export const ALLOCATED_LINES_SQL = `
  select s.billing_month, s.carrier, l.id as line_id, l.amount_fen,
         coalesce(l.msisdn, sc.msisdn) as msisdn, coalesce(l.iccid, sc.iccid) as iccid,
         coalesce(w.kind::text, '${UNASSIGNED}') as worker_kind,
         case when l.worker_id is null then '${UNASSIGNED}'
              when r.code is null or r.level = 'county' then '${UNRESOLVED}'
              else split_part(r.path, '/', 3) end as township,
         case when l.worker_id is not null and r.code is not null and r.level <> 'county'
              then '${TOWNSHIP_OFFICE}' else '${COUNTY_CENTRE}' end as department
    from carrier_statement s
    join carrier_statement_line l on l.statement_id = s.id
    left join sim_card sc on sc.id = l.sim_id
    left join fleet_worker w on w.id = l.worker_id
    left join region r on r.code = l.grid_code
   where exists (select 1 from fee_reconciliation_run rr where rr.statement_id = s.id and rr.status = 'succeeded')`;

/** Splits `total` over `weights` in proportion, integers summing exactly to `total` (largest remainder). */
export function largestRemainder(total: bigint, weights: bigint[]): bigint[] {
  const sum = weights.reduce((a, b) => a + b, 0n);
  if (weights.length === 0) return [];
  if (sum <= 0n) {
    // No basis for a proportion: equal shares.
    return largestRemainder(
      total,
      weights.map(() => 1n),
    );
  }
  const negative = total < 0n;
  const t = negative ? -total : total;
  const shares = weights.map((w) => (t * w) / sum);
  const remainders = weights.map((w, i) => ({ i, r: (t * w) % sum }));
  let left = t - shares.reduce((a, b) => a + b, 0n);
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left <= 0n) break;
    shares[i] += 1n;
    left -= 1n;
  }
  return negative ? shares.map((s) => -s) : shares;
}

export function toSafeNumber(value: bigint | string | number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new DomainError('AMOUNT_TOO_LARGE', `Amount ${value} exceeds 2^53 fen`);
  return n;
}

export function monthStart(month: string): string {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) {
    throw new DomainError('INVALID_MONTH', `Month "${month}" is not YYYY-MM`, { month });
  }
  return `${month}-01`;
}

export async function allocate(em: EntityManager, options: AllocationOptions): Promise<Allocation> {
  const first = monthStart(options.month);
  const carrier = options.carrier ?? null;
  const rows = await runSql<{
    township: string;
    department: string;
    worker_kind: string;
    msisdn: string | null;
    iccid: string | null;
    amount: string;
    lines: string;
  }>(
    em,
    `select township, department, worker_kind, msisdn, iccid, sum(amount_fen)::text as amount, count(*)::text as lines
       from (${ALLOCATED_LINES_SQL}) a
      where billing_month = ?::date and (?::text is null or carrier = ?::text)
      group by township, department, worker_kind, msisdn, iccid
      order by township, msisdn nulls last, iccid nulls last`,
    [first, carrier, carrier],
  );

  let total = 0n;
  let lineCount = 0;
  const towns = new Map<string, { fen: bigint; lines: number }>();
  const departments = new Map<string, { fen: bigint; lines: number }>();
  const kinds = new Map<string, { fen: bigint; lines: number }>();
  const numbers = new Map<string, { row: (typeof rows)[number]; fen: bigint; lines: number }>();
  const add = (map: Map<string, { fen: bigint; lines: number }>, key: string, fen: bigint, lines: number) => {
    const entry = map.get(key) ?? { fen: 0n, lines: 0 };
    entry.fen += fen;
    entry.lines += lines;
    map.set(key, entry);
  };
  for (const row of rows) {
    const fen = BigInt(row.amount);
    const lines = Number(row.lines);
    total += fen;
    lineCount += lines;
    add(towns, row.township, fen, lines);
    add(departments, row.department, fen, lines);
    add(kinds, row.worker_kind, fen, lines);
    const key = `${row.msisdn ?? ''}|${row.iccid ?? ''}`;
    const entry = numbers.get(key) ?? { row, fen: 0n, lines: 0 };
    entry.fen += fen;
    entry.lines += lines;
    numbers.set(key, entry);
  }

  if (options.spreadUnassigned) {
    const real = [...towns.entries()].filter(([k]) => k !== UNASSIGNED && k !== UNRESOLVED);
    if (real.length > 0) {
      for (const bucket of [UNASSIGNED, UNRESOLVED]) {
        const spread = towns.get(bucket);
        if (!spread) continue;
        const shares = largestRemainder(
          spread.fen,
          real.map(([, v]) => v.fen),
        );
        real.forEach(([, v], i) => {
          v.fen += shares[i];
        });
        towns.delete(bucket);
      }
    }
  }

  const codes = [...towns.keys()].filter((k) => k !== UNASSIGNED && k !== UNRESOLVED);
  const names = new Map<string, string>();
  if (codes.length > 0) {
    const found = await runSql<{ code: string; name: string }>(
      em,
      'select code, name from region where code = any(?::text[])',
      [codes],
    );
    for (const r of found) names.set(r.code, r.name);
  }
  const list = (map: Map<string, { fen: bigint; lines: number }>) =>
    [...map.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, v]) => ({ key, amountFen: toSafeNumber(v.fen), lines: v.lines }));

  return {
    month: options.month,
    carrier,
    totalFen: toSafeNumber(total),
    lines: lineCount,
    byTownship: list(towns).map(({ key, amountFen, lines }) => ({
      township: key,
      name: names.get(key) ?? null,
      amountFen,
      lines,
    })),
    byDepartment: list(departments).map(({ key, amountFen, lines }) => ({
      department: key,
      amountFen,
      lines,
    })),
    byWorkerKind: list(kinds).map(({ key, amountFen, lines }) => ({ kind: key, amountFen, lines })),
    byNumber: [...numbers.values()].map(({ row, fen, lines }) => ({
      msisdn: row.msisdn,
      iccid: row.iccid,
      township: row.township,
      amountFen: toSafeNumber(fen),
      lines,
    })),
  };
}
