import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetReport } from '../../../fleet/budget';
import type { CategoryTotals } from '../../../fleet/fees.entity';
import { reconcile } from '../../../fleet/reconciliation';
import { importStatement } from '../../../fleet/statements';
import type { RunningHub } from '../../../gateway/hub';
import { DEFAULT_POLICIES } from '../../../schema/access/default-policies';
import { runSql } from '../../../schema/common/rows';
import { luhnCheckDigit } from '../../../schema/identifiers/luhn';
import { gql, runHub, startTestHub, testKey } from '../../support/hub';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../../support/services';

/**
 * Finance's budgets, allocation and exports over real HTTP and the CLI, on two reconciled cmcc months of a
 * small fleet (two townships, an unassigned SIM) in a scratch database.
 */

const DB = scratchDatabaseName('feesbudgetapi');
// biome-ignore lint/suspicious/noExplicitAny: the assertions walk arbitrary response JSON
type Data = Record<string, any>;
const FEE = 3000;
const T1 = '999800101';
const T2 = '999800102';
const G1 = '999800101001001';
const G2 = '999800102001001';

const iccid = (n: number) => {
  const body = `8986002025${String(840_000_000 + n).padStart(9, '0')}`;
  return body + luhnCheckDigit(body);
};
const msisdn = (n: number) => `1398${String(8_400_000 + n).padStart(7, '0')}`;
const imei = (n: number) => {
  const body = `86202600${String(n).padStart(6, '0')}`;
  return body + luhnCheckDigit(body);
};

let hub: RunningHub;
let url: string;
let databaseUrl: string;
let dir: string;
const keys: Record<string, string | undefined> = {};
const em = () => hub.infrastructure.orm.em.fork();
const sql = (text: string, params: unknown[] = []) => runSql(em(), text, params);

async function ask(who: string, query: string, variables: Record<string, unknown> = {}) {
  const { body } = await gql<Data>(url, query, variables, { key: keys[who] });
  return { data: body.data as Data, errors: body.errors as Data[] | undefined };
}

async function ok(who: string, query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  const { data, errors } = await ask(who, query, variables);
  expect(errors, JSON.stringify(errors)).toBeUndefined();
  return data;
}

async function seed() {
  const regions: Array<[string, string, string, string, string | null, string]> = [
    ['999800', 'Test County', 'county', 'county', null, '/999800/'],
    [T1, 'East Town', 'township', 'town', '999800', `/999800/${T1}/`],
    [T2, 'West Town', 'township', 'town', '999800', `/999800/${T2}/`],
    [`${T1}001`, 'East Village', 'village', 'village', T1, `/999800/${T1}/${T1}001/`],
    [`${T2}001`, 'West Village', 'village', 'village', T2, `/999800/${T2}/${T2}001/`],
    [G1, 'East Grid 1', 'grid', 'rural_grid', `${T1}001`, `/999800/${T1}/${T1}001/${G1}/`],
    [G2, 'West Grid 1', 'grid', 'rural_grid', `${T2}001`, `/999800/${T2}/${T2}001/${G2}/`],
  ];
  for (const r of regions) {
    await sql('insert into region (code, name, level, kind, parent_code, path) values (?, ?, ?, ?, ?, ?)', r);
  }
  const grids = [G1, G2];
  for (let n = 1; n <= 3; n++) {
    if (n <= 2)
      await sql(`insert into fleet_worker (code, name, grid_code, kind) values (?, ?, ?, 'full_time')`, [
        `WC${n}`,
        `Worker ${n}`,
        grids[n - 1],
      ]);
    await sql(`insert into handset (device_id, imei1, model, status) values (?, ?, 'HT-1', 'active')`, [
      `HSC-${n}`,
      imei(n),
    ]);
    await sql(
      `insert into sim_card (iccid, msisdn, carrier, plan, monthly_fee_fen, status, activated_on)
       values (?, ?, 'cmcc', '30元政企套餐', ?, 'active', '2020-01-01')`,
      [iccid(n), msisdn(n), FEE],
    );
  }
  for (let n = 1; n <= 2; n++) {
    await sql(
      `insert into assignment (handset_id, sim_id, worker_id, since, until, assigned_by)
       select h.id, s.id, w.id, '2020-01-01T00:00:00Z', null, 'test' from handset h, sim_card s, fleet_worker w
        where h.device_id = ? and s.iccid = ? and w.code = ?`,
      [`HSC-${n}`, iccid(n), `WC${n}`],
    );
  }
}

const HEADER = 'ICCID,手机号码,账期,费用项目,金额(元),流量(MB),通话时长(分钟),短信条数,在网天数';

async function importMonth(month: string, lines: Array<{ n: number; fen: number }>) {
  const totals: CategoryTotals = {};
  const rows = lines.map((l) => {
    totals.plan_fee = (totals.plan_fee ?? 0) + l.fen;
    return `${iccid(l.n)},${msisdn(l.n)},${month.replace('-', '')},套餐月功能费,${(l.fen / 100).toFixed(2)},100,,,31`;
  });
  const file = path.join(dir, `cmcc-${month}.csv`);
  writeFileSync(file, `${[HEADER, ...rows].join('\n')}\n`);
  const report = await importStatement(em(), 'test', { carrier: 'cmcc', month, file, totals });
  expect(report.errors).toEqual([]);
  return report.statementId!;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-feesbudgetapi-'));
  databaseUrl = await recreateDatabase(DB);
  hub = await startTestHub(
    { DATABASE_URL: databaseUrl, GRIDHUB_DATA_DIR: dir },
    { gateway: true, workers: false },
  );
  url = hub.gateway!.url;
  keys.finance = await testKey(hub, ['finance'], {
    policy: DEFAULT_POLICIES.finance as unknown as Record<string, unknown>,
  });
  keys.minzheng = await testKey(hub, ['civil_affairs']);
  await seed();
  const all = [1, 2, 3].map((n) => ({ n, fen: FEE }));
  await reconcile(em(), await importMonth('2025-01', all));
  await reconcile(em(), await importMonth('2025-02', [...all, { n: 1, fen: 1234 }]));
}, 120_000);

afterAll(async () => {
  await hub?.stop();
  await dropDatabase(DB);
});

const REPORT = `query($year: Int!) { budget(year: $year) { year scope budgetFen alertFactor monthlyThresholdFen
  actualByMonth { month actualFen } actualFen commitmentFen forecastFen executionRate
  alerts { month actualFen thresholdFen excessFen } } }`;

describe('finance’s budget API', () => {
  it('sets a budget and reads the report', async () => {
    const set = await ok(
      'finance',
      'mutation { setBudget(year: 2025, amountFen: "108000000", alertFactor: 1.5) { scope amountFen alertFactor } }',
    );
    expect(set.setBudget).toEqual({ scope: 'county', amountFen: '108000000', alertFactor: 1.5 });
    const { budget } = await ok('finance', REPORT, { year: 2025 });
    const expected = await budgetReport(em(), { year: 2025 });
    expect(budget).toMatchObject({
      year: 2025,
      scope: 'county',
      budgetFen: '108000000',
      actualFen: String(expected.actualFen),
      commitmentFen: String(expected.commitmentFen),
      forecastFen: String(expected.forecastFen),
      executionRate: expected.executionRate,
    });
    expect(budget.actualByMonth).toHaveLength(12);
    expect(budget.actualByMonth.slice(0, 2)).toEqual([
      { month: '2025-01', actualFen: String(3 * FEE) },
      { month: '2025-02', actualFen: String(3 * FEE + 1234) },
    ]);
    expect(expected.actualFen).toBe(6 * FEE + 1234);
  });

  it('allocates a month’s reconciled total by township, department and number', async () => {
    const { allocation } = await ok(
      'finance',
      `{ allocation(month: "2025-02", carrier: "cmcc") { totalFen byTownship { code name fen }
        byDepartment { department fen } byNumber { msisdn iccid township fen } } }`,
    );
    const sum = (items: Array<{ fen: string }>) => items.reduce((s, i) => s + BigInt(i.fen), 0n);
    expect(allocation.totalFen).toBe(String(3 * FEE + 1234));
    expect(String(sum(allocation.byTownship))).toBe(allocation.totalFen);
    expect(String(sum(allocation.byDepartment))).toBe(allocation.totalFen);
    expect(String(sum(allocation.byNumber))).toBe(allocation.totalFen);
    expect(allocation.byTownship).toContainEqual({ code: T1, name: 'East Town', fen: String(FEE + 1234) });
  });

  it('exports the year’s summary as XLSX whose total row equals the report', async () => {
    const { feeSummaryExport: file } = await ok(
      'finance',
      '{ feeSummaryExport(year: 2025, format: XLSX) { fileName contentBase64 mimeType } }',
    );
    expect(file.fileName).toBe('fees-summary-2025.xlsx');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(file.contentBase64, 'base64') as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    expect(sheet.getRow(1).getCell(1).value).toBe('kind');
    const last = sheet.getRow(sheet.rowCount);
    expect(last.getCell(1).value).toBe('total');
    const report = await budgetReport(em(), { year: 2025 });
    expect(Math.round(Number(last.getCell(16).value) * 100)).toBe(report.actualFen);
    expect(last.getCell(16).numFmt).toBe('0.00');
    expect(Math.round(Number(last.getCell(5).value) * 100)).toBe(report.actualByMonth[1]!.actualFen);

    const { feeDetailExport: csv } = await ok(
      'finance',
      '{ feeDetailExport(month: "2025-02", carrier: "cmcc", format: CSV) { fileName contentBase64 } }',
    );
    const text = Buffer.from(csv.contentBase64, 'base64').toString('utf8');
    expect(text.startsWith('\uFEFFmsisdn,iccid,township,amount,class,state,at stake\r\n')).toBe(true);
    expect(text).toContain(`total,,,${((3 * FEE + 1234) / 100).toFixed(2)},`);
  });

  it('refuses a civil_affairs key', async () => {
    for (const [field, query] of [
      ['budget', '{ budget(year: 2025) { budgetFen } }'],
      ['setBudget', 'mutation { setBudget(year: 2025, amountFen: "1") { id } }'],
      ['allocation', '{ allocation(month: "2025-01") { totalFen } }'],
      ['feeSummaryExport', '{ feeSummaryExport(year: 2025, format: CSV) { fileName } }'],
    ]) {
      const { errors } = await ask('minzheng', query!);
      expect(errors?.[0]?.extensions, field).toMatchObject({
        code: 'FORBIDDEN',
        permission: `root:${field}`,
      });
    }
  });
});

function hubCli(args: string[]): ReturnType<typeof runHub> {
  return runHub(
    { DATABASE_URL: databaseUrl, GRIDHUB_DATA_DIR: dir, LOG_LEVEL: 'warn' },
    ['fees', ...args],
    90_000,
  );
}

describe('hub fees report/budget/export', () => {
  it('sets a budget and prints the report with its execution rate', async () => {
    const set = await hubCli(['budget', '--year', '2025', '--amount', '1080000.00', '--factor', '1.2']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('1,080,000.00');
    const report = await hubCli(['report', '--year', '2025']);
    expect(report.code, report.stderr).toBe(0);
    const expected = await budgetReport(em(), { year: 2025 });
    expect(report.stdout).toContain(`execution rate ${(expected.executionRate * 100).toFixed(2)}%`);
    expect(report.stdout).toContain('East Town');
    const out = path.join(dir, 'summary.csv');
    const exported = await hubCli(['export', '--year', '2025', '--format', 'csv', '--out', out]);
    expect(exported.code, exported.stderr).toBe(0);
  }, 120_000);
});
