import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '../schema/common/rows';
import { inTransaction } from '../schema/db/tx';
import { DomainError } from '../schema/runtime/errors';
import {
  ALLOCATED_LINES_SQL,
  COUNTY_CENTRE,
  largestRemainder,
  TOWNSHIP_OFFICE,
  toSafeNumber,
} from './allocation';
import { recordFleetAudit } from './audit';

/**
 * Budgets for the SIM usage fees and their execution. Actual = Σ line amounts of reconciled statements
 * (see `allocation.ts`: lines of statements with a successful run), per billing month of the fiscal year;
 * for a township or department, the amounts allocated to it. Commitment = the scope's active SIMs × their
 * monthly fee × the months of the year after the last billed month (the latest month with a reconciled
 * statement of any carrier in the year, up to `asOf`); a township's or department's SIMs are those of its
 * workers' open assignments (the SIMs' current status and assignments, also when `asOf` is given). Forecast = actual + commitment. Execution rate = actual ÷ budget, rounded
 * half-up to 4 decimals. Alert: a month whose actual exceeds budget ÷ 12 × alert factor (the threshold in
 * whole fen, rounded half-up), with the excess. All amounts are integer fen.
 */

export interface BudgetInput {
  year: number;
  township?: string | null;
  department?: string | null;
  amountFen: number | bigint;
  /** Default 1.2; at most 2 decimals. */
  alertFactor?: number;
}

export interface BudgetScope {
  year: number;
  township?: string | null;
  department?: string | null;
  /** YYYY-MM-DD: only billing months up to this day's month count; default the whole year. */
  asOf?: string;
}

export interface BudgetReport {
  year: number;
  scope: string;
  budgetFen: number;
  alertFactor: number;
  /** Budget ÷ 12 × alert factor, fen. */
  monthlyThresholdFen: number;
  /** Months 1…12 of the year. */
  actualByMonth: Array<{ month: string; actualFen: number }>;
  actualFen: number;
  /** YYYY-MM of the last billed (reconciled) month, or null. */
  lastBilledMonth: string | null;
  remainingMonths: number;
  activeSims: number;
  /** Σ monthly fees of the scope's active SIMs, fen. */
  monthlyFeesFen: number;
  commitmentFen: number;
  forecastFen: number;
  executionRate: number;
  alerts: Array<{ month: string; actualFen: number; thresholdFen: number; excessFen: number }>;
}

const DEPARTMENTS = [TOWNSHIP_OFFICE, COUNTY_CENTRE];

function scopeOf(input: { township?: string | null; department?: string | null }): {
  scope: string;
  township: string | null;
  department: string | null;
} {
  const township = input.township?.trim() || null;
  const department = input.department?.trim() || null;
  if (township && department) {
    throw new DomainError('INVALID_BUDGET_SCOPE', 'A budget is for a township or a department, not both');
  }
  if (department && !DEPARTMENTS.includes(department)) {
    throw new DomainError('INVALID_BUDGET_SCOPE', `Unknown department "${department}"`, {
      departments: DEPARTMENTS,
    });
  }
  if (township) return { scope: `township:${township}`, township, department };
  if (department) return { scope: `department:${department}`, township, department };
  return { scope: 'county', township, department };
}

function checkYear(year: number) {
  if (!Number.isInteger(year) || year < 2000 || year > 2100) {
    throw new DomainError('INVALID_YEAR', `Fiscal year ${year} is out of range`, { year });
  }
}

/** Hundredths of the factor, exactly (1.2 → 120). */
function factorHundredths(factor: number | string): bigint {
  const n = Math.round(Number(factor) * 100);
  if (!Number.isFinite(n) || n <= 0 || Math.abs(Number(factor) * 100 - n) > 1e-6 || n > 9999) {
    throw new DomainError(
      'INVALID_ALERT_FACTOR',
      `Alert factor ${factor} is not a positive number with 2 decimals`,
    );
  }
  return BigInt(n);
}

/** Creates or replaces the budget of a year and scope; audited as 'fees.budget'. */
export async function setBudget(
  em: EntityManager,
  actor: string,
  input: BudgetInput,
): Promise<{ id: string; year: number; scope: string; amountFen: number; alertFactor: number }> {
  checkYear(input.year);
  const { scope, township, department } = scopeOf(input);
  const amount = BigInt(input.amountFen);
  if (amount < 0n) throw new DomainError('INVALID_AMOUNT', 'A budget cannot be negative');
  const factor = factorHundredths(input.alertFactor ?? 1.2);
  const factorText = `${factor / 100n}.${String(factor % 100n).padStart(2, '0')}`;
  return inTransaction(em, async (tx) => {
    if (township) {
      const found = await tx.query(`select 1 from region where code = $1 and level = 'township'`, [township]);
      if (found.length === 0) {
        throw new DomainError('TOWNSHIP_NOT_FOUND', `No township with code "${township}"`, { township });
      }
    }
    const [previous] = await tx.query<{ amount_fen: string; alert_factor: string }>(
      'select amount_fen::text, alert_factor::text from fee_budget where fiscal_year = $1 and scope = $2 for update',
      [input.year, scope],
    );
    const [row] = await tx.query<{ id: string }>(
      `insert into fee_budget (fiscal_year, scope, township_code, department, amount_fen, alert_factor, created_by)
       values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (fiscal_year, scope) do update
          set amount_fen = excluded.amount_fen, alert_factor = excluded.alert_factor, updated_at = now()
       returning id::text`,
      [input.year, scope, township, department, amount.toString(), factorText, actor],
    );
    await recordFleetAudit(tx, {
      actor,
      action: 'fees.budget',
      detail: {
        year: input.year,
        scope,
        amountFen: amount.toString(),
        alertFactor: factorText,
        previous: previous ? { amountFen: previous.amount_fen, alertFactor: previous.alert_factor } : null,
      },
    });
    return {
      id: row.id,
      year: input.year,
      scope,
      amountFen: toSafeNumber(amount),
      alertFactor: Number(factorText),
    };
  });
}

export async function budgetReport(em: EntityManager, options: BudgetScope): Promise<BudgetReport> {
  checkYear(options.year);
  const { scope, township, department } = scopeOf(options);
  const [budget] = await runSql<{ amount_fen: string; alert_factor: string }>(
    em,
    'select amount_fen::text, alert_factor::text from fee_budget where fiscal_year = ? and scope = ?',
    [options.year, scope],
  );
  if (!budget) {
    throw new DomainError('BUDGET_NOT_FOUND', `No budget for ${options.year} (${scope})`, {
      year: options.year,
      scope,
    });
  }
  const yearStart = `${options.year}-01-01`;
  let until = `${options.year}-12-01`;
  if (options.asOf) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(options.asOf)) {
      throw new DomainError('INVALID_DATE', `asOf "${options.asOf}" is not YYYY-MM-DD`);
    }
    const asOfMonth = `${options.asOf.slice(0, 7)}-01`;
    if (asOfMonth < until) until = asOfMonth;
  }

  const filter = township ? 'and township = ?' : department ? 'and department = ?' : '';
  const filterParams = township ? [township] : department ? [department] : [];
  const monthly = await runSql<{ m: number; fen: string }>(
    em,
    `select extract(month from billing_month)::int as m, sum(amount_fen)::text as fen
       from (${ALLOCATED_LINES_SQL}) a
      where billing_month between ?::date and ?::date ${filter}
      group by 1`,
    [yearStart, until, ...filterParams],
  );
  const [last] = await runSql<{ m: number | null }>(
    em,
    `select max(extract(month from s.billing_month))::int as m
       from carrier_statement s
      where s.billing_month between ?::date and ?::date
        and exists (select 1 from fee_reconciliation_run r where r.statement_id = s.id and r.status = 'succeeded')`,
    [yearStart, until],
  );
  const lastMonth = last?.m ?? 0;
  const remainingMonths = 12 - lastMonth;

  const simFilter = township ? `and a.township = ?` : department ? `and a.department = ?` : '';
  const [sims] = await runSql<{ n: string; fees: string }>(
    em,
    `select count(*)::text as n, coalesce(sum(a.monthly_fee_fen), 0)::text as fees
       from (select s.monthly_fee_fen,
                    case when r.code is null or r.level = 'county' then null
                         else split_part(r.path, '/', 3) end as township,
                    case when r.code is not null and r.level <> 'county'
                         then '${TOWNSHIP_OFFICE}' else '${COUNTY_CENTRE}' end as department
               from sim_card s
               left join assignment asg on asg.sim_id = s.id and asg.until is null
               left join fleet_worker w on w.id = asg.worker_id
               left join region r on r.code = w.grid_code
              where s.status = 'active') a
      where true ${simFilter}`,
    filterParams,
  );

  const budgetFen = BigInt(budget.amount_fen);
  const factor = factorHundredths(budget.alert_factor);
  // budget × factor / 1200, rounded half-up to the fen.
  const threshold = (budgetFen * factor * 2n + 1200n) / 2400n;
  const byMonth = new Map(monthly.map((r) => [r.m, BigInt(r.fen)]));
  const actualByMonth: BudgetReport['actualByMonth'] = [];
  const alerts: BudgetReport['alerts'] = [];
  let actual = 0n;
  for (let m = 1; m <= 12; m++) {
    const fen = byMonth.get(m) ?? 0n;
    const month = `${options.year}-${String(m).padStart(2, '0')}`;
    actual += fen;
    actualByMonth.push({ month, actualFen: toSafeNumber(fen) });
    // Exact comparison: actual > budget × factor / 1200.
    if (fen * 1200n > budgetFen * factor) {
      alerts.push({
        month,
        actualFen: toSafeNumber(fen),
        thresholdFen: toSafeNumber(threshold),
        excessFen: toSafeNumber(fen - threshold),
      });
    }
  }
  const monthlyFees = BigInt(sims.fees);
  const commitment = monthlyFees * BigInt(remainingMonths);
  const rate = budgetFen === 0n ? 0 : Number((actual * 10000n * 2n + budgetFen) / (budgetFen * 2n)) / 10000;
  return {
    year: options.year,
    scope,
    budgetFen: toSafeNumber(budgetFen),
    alertFactor: Number(factor) / 100,
    monthlyThresholdFen: toSafeNumber(threshold),
    actualByMonth,
    actualFen: toSafeNumber(actual),
    lastBilledMonth: lastMonth ? `${options.year}-${String(lastMonth).padStart(2, '0')}` : null,
    remainingMonths,
    activeSims: Number(sims.n),
    monthlyFeesFen: toSafeNumber(monthlyFees),
    commitmentFen: toSafeNumber(commitment),
    forecastFen: toSafeNumber(actual + commitment),
    executionRate: rate,
    alerts,
  };
}

/** The annual budget spread over the 12 months in whole fen summing exactly to it (largest remainder). */
export function monthlyBudget(amountFen: number | bigint): number[] {
  return largestRemainder(BigInt(amountFen), Array(12).fill(1n)).map(toSafeNumber);
}
