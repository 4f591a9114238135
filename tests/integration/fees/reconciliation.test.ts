import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CategoryTotals } from '../../../fleet/fees.entity';
import { acceptFinding, CLASS_PRECEDENCE, FINDINGS_SQL, reconcile } from '../../../fleet/reconciliation';
import { importStatement } from '../../../fleet/statements';
import { runSql } from '../../../schema/common/rows';
import { initORM, type MikroORM, migrate } from '../../../schema/db/orm';
import { luhnCheckDigit } from '../../../schema/identifiers/luhn';
import { DomainError } from '../../../schema/runtime/errors';
import { createLogger } from '../../../schema/runtime/logger';
import { HUB_ENTITIES } from '../../../workers/entities';
import { PROCESSORS } from '../../../workers/processors';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../../support/services';

/**
 * Reconciliation of a cmcc statement for June 2019 against a small fleet in a scratch database (so that
 * "active but not billed" counts only our SIMs): one planted line per discrepancy class, every line in
 * exactly one state, amounts at stake in fen, and an acceptance that survives a re-run and a re-import.
 */

const DB = scratchDatabaseName('feesrecon');
const ACTOR = 'finance-test';
const FEE = 3000;

const iccid = (n: number) => {
  const body = `8986002019${String(820_000_000 + n).padStart(9, '0')}`;
  return body + luhnCheckDigit(body);
};
const msisdn = (n: number) => `1398${String(8_200_000 + n).padStart(7, '0')}`;
const imei = (n: number) => {
  const body = `86201900${String(n).padStart(6, '0')}`;
  return body + luhnCheckDigit(body);
};

let orm: MikroORM;
let dir: string;
const em = () => orm.em.fork();
const sql = <R = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  runSql<R>(em(), text, params);

interface SimSpec {
  n: number;
  status?: string;
  activatedOn?: string;
  cancelledOn?: string | null;
  /** Assignment to handset n / worker n: [since, until]. */
  assigned?: [string, string | null];
  /** Check-ins of the SIM's handset (at, iccid seen, on handset number). */
  checkins?: Array<{ at: string; on?: number }>;
}

/** Handsets and workers 1…20 exist; SIMs and assignments as specified. */
async function seedFleet(sims: SimSpec[]) {
  for (let n = 1; n <= 20; n++) {
    await sql(`insert into fleet_worker (code, name, grid_code, kind) values (?, ?, ?, 'full_time')`, [
      `W19${n}`,
      `Worker ${n}`,
      `GRID19${String(n).padStart(2, '0')}`,
    ]);
    await sql(`insert into handset (device_id, imei1, model, status) values (?, ?, 'HT-1', 'active')`, [
      `HS19-${n}`,
      imei(n),
    ]);
  }
  for (const s of sims) {
    await sql(
      `insert into sim_card (iccid, msisdn, carrier, plan, monthly_fee_fen, status, activated_on, cancelled_on)
       values (?, ?, 'cmcc', '30元政企套餐', ?, ?, ?, ?)`,
      [
        iccid(s.n),
        msisdn(s.n),
        FEE,
        s.status ?? 'active',
        s.activatedOn ?? '2019-01-01',
        s.cancelledOn ?? null,
      ],
    );
    if (s.assigned) {
      await sql(
        `insert into assignment (handset_id, sim_id, worker_id, since, until, assigned_by)
         select h.id, s.id, w.id, ?, ?, 'test' from handset h, sim_card s, fleet_worker w
          where h.device_id = ? and s.iccid = ? and w.code = ?`,
        [s.assigned[0], s.assigned[1], `HS19-${s.n}`, iccid(s.n), `W19${s.n}`],
      );
    }
    for (const c of s.checkins ?? []) {
      await sql(
        `insert into checkin (handset_id, at, cert_serial, iccid) select id, ?, 'serial', ? from handset where device_id = ?`,
        [c.at, iccid(s.n), `HS19-${c.on ?? s.n}`],
      );
    }
  }
}

const HEADER = 'ICCID,手机号码,账期,费用项目,金额(元),流量(MB),通话时长(分钟),短信条数,在网天数';
const ITEM = { plan_fee: '套餐月功能费', data: '套餐外流量费', third_party: '代收费' } as const;
type Line = { n?: number; noIccid?: boolean; cat: keyof typeof ITEM; fen: number; mb?: number };

async function importMonth(month: string, lines: Line[]) {
  const totals: CategoryTotals = {};
  const rows = lines.map((l) => {
    totals[l.cat] = (totals[l.cat] ?? 0) + l.fen;
    const id = l.n === undefined ? '' : l.noIccid ? '' : iccid(l.n);
    const number = l.n === undefined ? '' : msisdn(l.n);
    return `${id},${number},${month.replace('-', '')},${ITEM[l.cat]},${(l.fen / 100).toFixed(2)},${l.mb ?? ''},,,30`;
  });
  const file = path.join(dir, `cmcc-${month}-${Date.now()}.csv`);
  writeFileSync(file, `${[HEADER, ...rows].join('\n')}\n`);
  const report = await importStatement(em(), ACTOR, { carrier: 'cmcc', month, file, totals });
  expect(report.errors).toEqual([]);
  return report.statementId!;
}

const JUNE: Line[] = [
  { n: 1, cat: 'plan_fee', fen: FEE, mb: 300 }, // matched
  { n: 1, cat: 'data', fen: 2000, mb: 900 }, // matched (under the overage threshold)
  { n: 1, cat: 'plan_fee', fen: FEE, mb: 0 }, // DUPLICATE
  { n: 99, cat: 'plan_fee', fen: FEE, mb: 10 }, // BILLED_NOT_IN_INVENTORY
  { n: 3, noIccid: true, cat: 'plan_fee', fen: FEE, mb: 50 }, // matched by MSISDN
  { n: 4, cat: 'plan_fee', fen: FEE, mb: 5 }, // INACTIVE_SIM_BILLED (cancelled in May; also unassigned)
  { n: 17, cat: 'plan_fee', fen: FEE, mb: 5 }, // INACTIVE_SIM_BILLED (its handset retired in March)
  { n: 5, cat: 'plan_fee', fen: 2500, mb: 5 }, // PRORATION_ERROR: 20 days → 1973 expected
  { n: 6, cat: 'plan_fee', fen: 987, mb: 5 }, // 10 days → 986 expected: within 1 fen, matched
  { n: 7, cat: 'plan_fee', fen: 3800, mb: 5 }, // PLAN_MISMATCH
  { n: 8, cat: 'plan_fee', fen: FEE, mb: 5 }, // matched
  { n: 8, cat: 'third_party', fen: 1500 }, // UNEXPECTED_CATEGORY
  { n: 9, cat: 'plan_fee', fen: FEE, mb: 5 }, // matched
  { n: 9, cat: 'data', fen: 8000, mb: 20_000 }, // OVERAGE (threshold 5000)
  { n: 10, cat: 'plan_fee', fen: FEE }, // ZERO_USAGE (April, May, June)
  { n: 11, cat: 'plan_fee', fen: FEE, mb: 5 }, // NO_ASSIGNED_WORKER
  { n: 12, cat: 'plan_fee', fen: FEE, mb: 5 }, // SIM_IN_OTHER_HANDSET
  { n: 14, cat: 'plan_fee', fen: FEE, mb: 5 }, // HANDSET_SILENT
];

const ok = (n: number): SimSpec => ({
  n,
  assigned: ['2019-01-01T00:00:00Z', null],
  checkins: [{ at: '2019-06-20T02:00:00Z' }],
});

let june: string;

beforeAll(async () => {
  const url = await recreateDatabase(DB);
  orm = await initORM({ url, poolMax: 3, statementTimeoutMs: 60_000, entities: HUB_ENTITIES });
  await migrate(orm);
  dir = mkdtempSync(path.join(os.tmpdir(), 'fees-recon-'));
  await seedFleet([
    ok(1),
    ok(3),
    { n: 4, status: 'cancelled', cancelledOn: '2019-05-10' },
    { ...ok(5), activatedOn: '2019-06-11', assigned: ['2019-06-11T00:00:00Z', null] },
    { ...ok(6), activatedOn: '2019-06-21', assigned: ['2019-06-21T00:00:00Z', null] },
    ok(7),
    ok(8),
    ok(9),
    ok(10),
    { n: 11, assigned: ['2019-01-01T00:00:00Z', '2019-05-01T00:00:00Z'] },
    { ...ok(12), checkins: [{ at: '2019-06-20T02:00:00Z' }, { at: '2019-06-25T02:00:00Z', on: 13 }] },
    { ...ok(14), checkins: [{ at: '2019-05-01T02:00:00Z' }] },
    ok(15), // ACTIVE_NOT_BILLED
    { n: 16, status: 'stock', activatedOn: null as unknown as string }, // in stock: not expected on the bill
    { n: 17, assigned: ['2019-01-01T00:00:00Z', '2019-03-01T00:00:00Z'] },
  ]);
  await sql(`update handset set status = 'retired' where device_id = 'HS19-17'`);
  await sql(
    `insert into fleet_change (subject, subject_id, changes, actor, at)
     select 'handset', id, '{"status": ["in_stock", "retired"]}', 'test', '2019-03-02T00:00:00Z' from handset
      where device_id = 'HS19-17'`,
  );
  await importMonth('2019-04', [{ n: 10, cat: 'plan_fee', fen: FEE }]);
  await importMonth('2019-05', [{ n: 10, cat: 'plan_fee', fen: FEE }]);
  june = await importMonth('2019-06', JUNE);
}, 120_000);
afterAll(async () => {
  await orm?.close();
  await dropDatabase(DB);
});

async function findings(runId: string) {
  return sql<{
    id: string;
    line_id: string | null;
    class: string | null;
    iccid: string;
    state: string;
    amount_fen: string;
    at_stake_fen: string;
    matched_by: string | null;
    grid_code: string | null;
    accepted_reason: string | null;
    detail: { classes: string[] };
  }>(`select * from (${FINDINGS_SQL}) f where run_id = ? order by line_id nulls last, id`, [runId]);
}

const EXPECTED: Array<[string, number, number]> = [
  // class, SIM number, at stake (fen)
  ['BILLED_NOT_IN_INVENTORY', 99, FEE],
  ['DUPLICATE', 1, FEE],
  ['INACTIVE_SIM_BILLED', 4, FEE],
  ['INACTIVE_SIM_BILLED', 17, FEE],
  ['PRORATION_ERROR', 5, 2500 - 1973],
  ['PLAN_MISMATCH', 7, 800],
  ['UNEXPECTED_CATEGORY', 8, 1500],
  ['OVERAGE', 9, 8000 - 5000],
  ['ZERO_USAGE', 10, FEE],
  ['NO_ASSIGNED_WORKER', 11, FEE],
  ['SIM_IN_OTHER_HANDSET', 12, FEE],
  ['HANDSET_SILENT', 14, FEE],
  ['ACTIVE_NOT_BILLED', 15, FEE],
];

describe('reconcile', () => {
  it('finds each planted discrepancy and nothing else, every line in exactly one state', async () => {
    const report = await reconcile(em(), june);
    const rows = await findings(report.runId);
    const discrepancies = rows
      .filter((r) => r.state !== 'matched')
      .map((r) => [r.class, r.iccid, Number(r.at_stake_fen)])
      .sort((a, b) => CLASS_PRECEDENCE.indexOf(a[0] as never) - CLASS_PRECEDENCE.indexOf(b[0] as never));
    expect(discrepancies).toEqual(EXPECTED.map(([c, n, fen]) => [c, iccid(n), fen]));
    expect(
      rows
        .filter((r) => r.state === 'matched')
        .map((r) => r.iccid)
        .sort(),
    ).toEqual([1, 1, 3, 6, 8, 9].map(iccid).sort());

    // Exactly one finding per line.
    const [lines] = await sql<{ n: string; distinct_lines: string; findings: string }>(
      `select (select count(*) from carrier_statement_line where statement_id = ?) as n,
              count(distinct line_id) as distinct_lines, count(line_id) as findings
         from (${FINDINGS_SQL}) f where run_id = ?`,
      [june, report.runId],
    );
    expect(lines).toEqual({
      n: String(JUNE.length),
      distinct_lines: String(JUNE.length),
      findings: String(JUNE.length),
    });

    expect(report).toMatchObject({
      month: '2019-06',
      lines: JUNE.length,
      matched: 6,
      discrepancies: EXPECTED.length,
      accepted: 0,
      matchedFen: FEE + 2000 + FEE + 987 + FEE + FEE,
      atStakeFen: EXPECTED.reduce((sum, [, , fen]) => sum + fen, 0),
    });
    const byClass: Record<string, number> = {};
    for (const [c] of EXPECTED) byClass[c] = (byClass[c] ?? 0) + 1;
    expect(report.byClass).toEqual(byClass);

    // The MSISDN-only line is matched by number and through the assignment to the worker's grid.
    const byNumber = rows.find((r) => r.iccid === iccid(3))!;
    expect(byNumber).toMatchObject({ matched_by: 'msisdn', grid_code: 'GRID1903' });
    // Lower-precedence classes are listed in the detail.
    for (const n of [4, 17]) {
      expect(rows.find((r) => r.iccid === iccid(n))!.detail.classes).toEqual([
        'INACTIVE_SIM_BILLED',
        'NO_ASSIGNED_WORKER',
      ]);
    }
    // ACTIVE_NOT_BILLED has no line and bills nothing.
    expect(rows.find((r) => r.class === 'ACTIVE_NOT_BILLED')).toMatchObject({
      line_id: null,
      amount_fen: '0',
    });
  });

  it('keeps an acceptance across a re-run and a re-import, and requires a reason', async () => {
    const first = await reconcile(em(), june);
    const mismatch = (await findings(first.runId)).find((r) => r.class === 'PLAN_MISMATCH')!;
    const refused = await acceptFinding(em(), ACTOR, mismatch.id, '  ').then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe('REASON_REQUIRED');

    await acceptFinding(em(), ACTOR, mismatch.id, 'plan upgraded by contract amendment 2019-12');
    const [audit] = await sql<{ actor: string; detail: { class: string; reason: string } }>(
      `select actor, detail from fleet_audit where action = 'fees.accept' order by id desc limit 1`,
    );
    expect(audit).toMatchObject({ actor: ACTOR, detail: { class: 'PLAN_MISMATCH' } });

    const again = await reconcile(em(), june);
    expect(again).toMatchObject({
      discrepancies: EXPECTED.length - 1,
      accepted: 1,
      atStakeFen: first.atStakeFen - 800,
    });
    const kept = (await findings(again.runId)).find((r) => r.class === 'PLAN_MISMATCH')!;
    expect(kept).toMatchObject({
      state: 'accepted',
      accepted_reason: 'plan upgraded by contract amendment 2019-12',
    });
    // Only the latest run holds the month's findings.
    const [{ n }] = await sql<{ n: string }>(
      `select count(*) as n from (${FINDINGS_SQL}) f where carrier = 'cmcc' and billing_month = '2019-06-01'`,
    );
    expect(Number(n)).toBe(JUNE.length + 1);

    const reimported = await importMonth('2019-06', JUNE);
    const third = await reconcile(em(), reimported);
    expect(third).toMatchObject({
      lines: JUNE.length,
      matched: 6,
      discrepancies: EXPECTED.length - 1,
      accepted: 1,
    });
  });

  it('runs as the sync queue job reconcile-statement', async () => {
    const [{ id }] = await sql<{ id: string }>(
      `select id from carrier_statement where carrier = 'cmcc' and billing_month = '2019-06-01'`,
    );
    const job = { name: 'reconcile-statement', data: { statementId: id } } as unknown as Job;
    const result = await PROCESSORS.sync(job, {
      orm,
      logger: createLogger('silent'),
      secretKey: undefined as never,
      registry: undefined as never,
      notices: undefined as never,
    });
    expect(result).toMatchObject({ statementId: id, lines: JUNE.length, accepted: 1 });
  });

  it('matches the lines again when the inventory changed after the import', async () => {
    const [{ id }] = await sql<{ id: string }>(
      `select id from carrier_statement where carrier = 'cmcc' and billing_month = '2019-06-01'`,
    );
    const before = await reconcile(em(), id);
    expect(before.byClass.BILLED_NOT_IN_INVENTORY).toBe(1);
    // SIM 99 enters the inventory (unassigned): its line is matched by ICCID and has no worker.
    await sql(
      `insert into sim_card (iccid, msisdn, carrier, plan, monthly_fee_fen, status, activated_on)
       values (?, ?, 'cmcc', '30元政企套餐', ?, 'active', '2019-01-01')`,
      [iccid(99), msisdn(99), FEE],
    );
    const after = await reconcile(em(), id);
    expect(after.byClass.BILLED_NOT_IN_INVENTORY).toBeUndefined();
    expect(after.byClass.NO_ASSIGNED_WORKER).toBe((before.byClass.NO_ASSIGNED_WORKER ?? 0) + 1);
    const [line] = await sql<{ matched_by: string | null }>(
      'select matched_by from carrier_statement_line where statement_id = ? and iccid = ?',
      [id, iccid(99)],
    );
    expect(line).toEqual({ matched_by: 'iccid' });
    // And out again: the line is back to BILLED_NOT_IN_INVENTORY.
    await sql('delete from sim_card where iccid = ?', [iccid(99)]);
    expect((await reconcile(em(), id)).byClass).toEqual(before.byClass);
  });
});
