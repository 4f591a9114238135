import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocate, largestRemainder } from '../../../fleet/allocation';
import { budgetReport, monthlyBudget, setBudget } from '../../../fleet/budget';
import type { CategoryTotals } from '../../../fleet/fees.entity';
import { FINDINGS_SQL, reconcile } from '../../../fleet/reconciliation';
import { importStatement } from '../../../fleet/statements';
import { runSql } from '../../../schema/common/rows';
import { initORM, type MikroORM, migrate } from '../../../schema/db/orm';
import { luhnCheckDigit } from '../../../schema/identifiers/luhn';
import { DomainError } from '../../../schema/runtime/errors';
import { HUB_ENTITIES } from '../../../workers/entities';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../../support/services';

/**
 * Budget execution and cost allocation over three reconciled cmcc statements (January–March 2025) of a
 * small fleet in a scratch database: two townships, a worker outside the region tree, an unassigned SIM,
 * a line billed for a SIM not in inventory, and a March data charge that runs over the monthly alert.
 */

const DB = scratchDatabaseName('feesbudget');
const ACTOR = 'finance-test';
const FEE = 3000;
const BUDGET = 108_000_000; // 1,080,000 yuan in fen
const T1 = '999900101';
const T2 = '999900102';
const G1 = '999900101001001';
const G2 = '999900102001001';

const iccid = (n: number) => {
  const body = `8986002025${String(830_000_000 + n).padStart(9, '0')}`;
  return body + luhnCheckDigit(body);
};
const msisdn = (n: number) => `1398${String(8_300_000 + n).padStart(7, '0')}`;
const imei = (n: number) => {
  const body = `86202500${String(n).padStart(6, '0')}`;
  return body + luhnCheckDigit(body);
};

let orm: MikroORM;
let dir: string;
const em = () => orm.em.fork();
const sql = <R = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  runSql<R>(em(), text, params);

async function seed() {
  const regions: Array<[string, string, string, string, string | null, string]> = [
    ['999900', 'Test County', 'county', 'county', null, '/999900/'],
    [T1, 'East Town', 'township', 'town', '999900', `/999900/${T1}/`],
    [T2, 'West Town', 'township', 'town', '999900', `/999900/${T2}/`],
    [`${T1}001`, 'East Village', 'village', 'village', T1, `/999900/${T1}/${T1}001/`],
    [`${T2}001`, 'West Village', 'village', 'village', T2, `/999900/${T2}/${T2}001/`],
    [G1, 'East Grid 1', 'grid', 'rural_grid', `${T1}001`, `/999900/${T1}/${T1}001/${G1}/`],
    [G2, 'West Grid 1', 'grid', 'rural_grid', `${T2}001`, `/999900/${T2}/${T2}001/${G2}/`],
  ];
  for (const r of regions) {
    await sql('insert into region (code, name, level, kind, parent_code, path) values (?, ?, ?, ?, ?, ?)', r);
  }
  // Workers 1 and 2 in East Town, 3 in West Town, 4 in a grid outside the region tree.
  const grids = [G1, G1, G2, 'GRIDX'];
  for (let n = 1; n <= 5; n++) {
    if (n <= 4) {
      await sql(`insert into fleet_worker (code, name, grid_code, kind) values (?, ?, ?, ?)`, [
        `WB${n}`,
        `Worker ${n}`,
        grids[n - 1],
        n === 4 ? 'part_time' : 'full_time',
      ]);
    }
    await sql(`insert into handset (device_id, imei1, model, status) values (?, ?, 'HT-1', 'active')`, [
      `HSB-${n}`,
      imei(n),
    ]);
  }
  // SIMs 1…5 active (5 unassigned), 6 cancelled last year.
  for (let n = 1; n <= 6; n++) {
    await sql(
      `insert into sim_card (iccid, msisdn, carrier, plan, monthly_fee_fen, status, activated_on, cancelled_on)
       values (?, ?, 'cmcc', '30元政企套餐', ?, ?, '2020-01-01', ?)`,
      [iccid(n), msisdn(n), FEE, n === 6 ? 'cancelled' : 'active', n === 6 ? '2024-06-30' : null],
    );
  }
  for (let n = 1; n <= 4; n++) {
    await sql(
      `insert into assignment (handset_id, sim_id, worker_id, since, until, assigned_by)
       select h.id, s.id, w.id, '2020-01-01T00:00:00Z', null, 'test' from handset h, sim_card s, fleet_worker w
        where h.device_id = ? and s.iccid = ? and w.code = ?`,
      [`HSB-${n}`, iccid(n), `WB${n}`],
    );
  }
}

const HEADER = 'ICCID,手机号码,账期,费用项目,金额(元),流量(MB),通话时长(分钟),短信条数,在网天数';
const ITEM = { plan_fee: '套餐月功能费', data: '套餐外流量费' } as const;
type Line = { n: number; cat: keyof typeof ITEM; fen: number };

async function importMonth(month: string, lines: Line[]) {
  const totals: CategoryTotals = {};
  const rows = lines.map((l) => {
    totals[l.cat] = (totals[l.cat] ?? 0) + l.fen;
    return `${iccid(l.n)},${msisdn(l.n)},${month.replace('-', '')},${ITEM[l.cat]},${(l.fen / 100).toFixed(2)},100,,,31`;
  });
  const file = path.join(dir, `cmcc-${month}-${Date.now()}.csv`);
  writeFileSync(file, `${[HEADER, ...rows].join('\n')}\n`);
  const report = await importStatement(em(), ACTOR, { carrier: 'cmcc', month, file, totals });
  expect(report.errors).toEqual([]);
  return report.statementId!;
}

const plans = (): Line[] => [1, 2, 3, 4, 5].map((n) => ({ n, cat: 'plan_fee', fen: FEE }));
const JAN = plans();
const FEB = [...plans(), { n: 99, cat: 'plan_fee', fen: 2000 } as Line]; // not in inventory
const MAR = [...plans(), { n: 3, cat: 'data', fen: 11_000_000 } as Line]; // 110,000 yuan of data
const sum = (lines: Line[]) => lines.reduce((s, l) => s + l.fen, 0);

beforeAll(async () => {
  const url = await recreateDatabase(DB);
  orm = await initORM({ url, poolMax: 3, statementTimeoutMs: 60_000, entities: HUB_ENTITIES });
  await migrate(orm);
  dir = mkdtempSync(path.join(os.tmpdir(), 'fees-budget-'));
  await seed();
  for (const [month, lines] of [
    ['2025-01', JAN],
    ['2025-02', FEB],
    ['2025-03', MAR],
  ] as const) {
    await reconcile(em(), await importMonth(month, lines));
  }
  // Imported but not reconciled: counts nowhere.
  await importMonth('2025-04', plans());
}, 120_000);
afterAll(async () => {
  await orm?.close();
  await dropDatabase(DB);
});

describe('largestRemainder', () => {
  it('splits exactly, the largest remainders first', () => {
    expect(largestRemainder(100n, [1n, 1n, 1n])).toEqual([34n, 33n, 33n]);
    expect(largestRemainder(10n, [1n, 2n, 3n])).toEqual([2n, 3n, 5n]);
    expect(largestRemainder(-7n, [1n, 1n])).toEqual([-4n, -3n]);
    const months = monthlyBudget(100_000_001);
    expect(months.reduce((a, b) => a + b, 0)).toBe(100_000_001);
  });
});

describe('budget', () => {
  it('reports actuals, commitment, forecast, execution rate and alerts for the county', async () => {
    await setBudget(em(), ACTOR, { year: 2025, amountFen: BUDGET });
    const [audit] = await sql<{ actor: string; detail: Record<string, unknown> }>(
      `select actor, detail from fleet_audit where action = 'fees.budget' order by id desc limit 1`,
    );
    expect(audit).toMatchObject({
      actor: ACTOR,
      detail: { year: 2025, scope: 'county', amountFen: String(BUDGET), alertFactor: '1.20' },
    });

    const report = await budgetReport(em(), { year: 2025 });
    const actual = sum(JAN) + sum(FEB) + sum(MAR);
    expect(report.actualByMonth.slice(0, 4)).toEqual([
      { month: '2025-01', actualFen: 15_000 },
      { month: '2025-02', actualFen: 17_000 },
      { month: '2025-03', actualFen: 11_015_000 },
      { month: '2025-04', actualFen: 0 },
    ]);
    expect(report).toMatchObject({
      scope: 'county',
      budgetFen: BUDGET,
      actualFen: actual,
      lastBilledMonth: '2025-03',
      remainingMonths: 9,
      activeSims: 5,
      commitmentFen: 5 * FEE * 9,
      forecastFen: actual + 5 * FEE * 9,
      executionRate: 0.1023, // 11,047,000 ÷ 108,000,000 = 0.10228…
      monthlyThresholdFen: 10_800_000,
      alerts: [{ month: '2025-03', actualFen: 11_015_000, thresholdFen: 10_800_000, excessFen: 215_000 }],
    });

    // As of February: March is not yet counted, 10 months remain.
    const feb = await budgetReport(em(), { year: 2025, asOf: '2025-02-28' });
    expect(feb).toMatchObject({
      actualFen: 32_000,
      lastBilledMonth: '2025-02',
      commitmentFen: 5 * FEE * 10,
      alerts: [],
    });
  });

  it('reports a township through the allocated amounts, and replaces a budget', async () => {
    await setBudget(em(), ACTOR, { year: 2025, township: T2, amountFen: 1_200_000, alertFactor: 1.5 });
    await setBudget(em(), ACTOR, { year: 2025, township: T2, amountFen: 2_400_000, alertFactor: 1.5 });
    const west = await budgetReport(em(), { year: 2025, township: T2 });
    expect(west).toMatchObject({
      scope: `township:${T2}`,
      budgetFen: 2_400_000,
      alertFactor: 1.5,
      actualFen: 3000 + 3000 + 11_003_000,
      activeSims: 1,
      commitmentFen: FEE * 9,
      monthlyThresholdFen: 300_000,
      alerts: [{ month: '2025-03', actualFen: 11_003_000, excessFen: 10_703_000 }],
    });
    await setBudget(em(), ACTOR, { year: 2025, township: T1, amountFen: 120_000 });
    const east = await budgetReport(em(), { year: 2025, township: T1 });
    expect(east.actualByMonth.slice(0, 3).map((m) => m.actualFen)).toEqual([6000, 6000, 6000]);
    expect(east).toMatchObject({ actualFen: 18_000, activeSims: 2, executionRate: 0.15, alerts: [] });

    const refused = await setBudget(em(), ACTOR, { year: 2025, township: '123', amountFen: 1 }).catch(
      (e: unknown) => e,
    );
    expect((refused as DomainError).code).toBe('TOWNSHIP_NOT_FOUND');
  });
});

describe('allocate', () => {
  it('allocates the month per township, department and number, summing to the fen', async () => {
    const march = await allocate(em(), { month: '2025-03', carrier: 'cmcc' });
    const total = sum(MAR);
    expect(march.totalFen).toBe(total);
    expect(march.lines).toBe(MAR.length);
    expect(march.byTownship).toEqual([
      { township: T1, name: 'East Town', amountFen: 2 * FEE, lines: 2 },
      { township: T2, name: 'West Town', amountFen: FEE + 11_000_000, lines: 2 },
      { township: 'unassigned', name: null, amountFen: FEE, lines: 1 },
      { township: 'unresolved', name: null, amountFen: FEE, lines: 1 },
    ]);
    expect(march.byDepartment).toEqual([
      { department: 'county_centre', amountFen: 2 * FEE, lines: 2 },
      { department: 'township_office', amountFen: 3 * FEE + 11_000_000, lines: 4 },
    ]);
    for (const part of [march.byTownship, march.byDepartment, march.byWorkerKind, march.byNumber]) {
      expect(part.reduce((s, p) => s + p.amountFen, 0)).toBe(total);
    }
    expect(march.byNumber.find((n) => n.msisdn === msisdn(3))).toMatchObject({
      iccid: iccid(3),
      township: T2,
      amountFen: FEE + 11_000_000,
      lines: 2,
    });
    const [{ reconciled }] = await sql<{ reconciled: string }>(
      `select sum(l.amount_fen)::text as reconciled from carrier_statement_line l
         join carrier_statement s on s.id = l.statement_id
         join (${FINDINGS_SQL}) f on f.line_id = l.id
        where s.billing_month = '2025-03-01'`,
    );
    expect(march.totalFen).toBe(Number(reconciled));

    // Spread: the unassigned and unresolved buckets go to the townships pro rata, still exact.
    const spread = await allocate(em(), { month: '2025-03', spreadUnassigned: true });
    expect(spread.byTownship.map((t) => t.township)).toEqual([T1, T2]);
    expect(spread.byTownship.reduce((s, t) => s + t.amountFen, 0)).toBe(total);

    const feb = await allocate(em(), { month: '2025-02' });
    expect(feb.totalFen).toBe(sum(FEB));
    expect(feb.byTownship.find((t) => t.township === 'unassigned')).toMatchObject({
      amountFen: FEE + 2000,
      lines: 2,
    });
    // April is imported but not reconciled.
    expect((await allocate(em(), { month: '2025-04' })).totalFen).toBe(0);
  });
});
