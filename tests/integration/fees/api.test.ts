import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../../gateway/hub';
import { DEFAULT_POLICIES, FEES_OPS } from '../../../schema/access/default-policies';
import { runSql } from '../../../schema/common/rows';
import { luhnCheckDigit } from '../../../schema/identifiers/luhn';
import { gql, runHub, startTestHub, testKey } from '../../support/hub';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../../support/services';

/**
 * Finance's carrier statements over real HTTP and the CLI: the finance key imports a statement inline and
 * reads it back (totals per category in fen, lines page by page and filtered, a re-import replacing the
 * month), a department's key is refused on every fees root field, a refused import returns its bad rows, and
 * `hub fees import` prints its report and exits 1 when the lines do not tie out.
 */

const DB = scratchDatabaseName('feesapi');
// biome-ignore lint/suspicious/noExplicitAny: the assertions walk arbitrary response JSON
type Data = Record<string, any>;

const iccid = (n: number) => {
  const body = `8986001234${String(820_000_000 + n).padStart(9, '0')}`;
  return body + luhnCheckDigit(body);
};
const msisdn = (n: number) => `1398${String(8_200_000 + n).padStart(7, '0')}`;
const CMCC_HEADER = 'ICCID,手机号码,账期,费用项目,金额(元),流量(MB),通话时长(分钟),短信条数,在网天数';

let hub: RunningHub;
let url: string;
let databaseUrl: string;
let dir: string;
const keys: Record<string, string | undefined> = {};
const em = () => hub.infrastructure.orm.em.fork();

async function ask(who: string, query: string, variables: Record<string, unknown> = {}) {
  const { body } = await gql<Data>(url, query, variables, { key: keys[who] });
  return { data: body.data as Data, errors: body.errors as Data[] | undefined };
}

async function ok(who: string, query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  const { data, errors } = await ask(who, query, variables);
  expect(errors, JSON.stringify(errors)).toBeUndefined();
  return data;
}

const csv = (lines: string[]) => `${lines.join('\r\n')}\r\n`;
const upload = (text: string, encoding = 'utf-8') => iconv.encode(text, encoding).toString('base64');

/** A statement of three numbers for the month, with its 合计 rows. */
function statement(month: string, dataYuan = '12.34', statedData = dataYuan): string {
  const m = month.replace('-', '');
  return csv([
    CMCC_HEADER,
    `${iccid(1)},${msisdn(1)},${m},套餐月功能费,30.00,512,10,2,31`,
    `${iccid(1)},${msisdn(1)},${m},套餐外流量费,${dataYuan},2048,,,31`,
    `${iccid(2)},${msisdn(2)},${m},套餐月功能费,30.00,,,,31`,
    `${iccid(3)},${msisdn(3)},${m},短信彩信费,0.10,,,1,31`,
    '合计,,,plan_fee,60.00,,,,',
    `合计,,,data,${statedData},,,,`,
    '合计,,,sms,0.10,,,,',
  ]);
}

const IMPORT = `mutation($input: StatementImportInput!) { importStatement(input: $input) {
  statementId carrier month file lines totalFen totalsSource applied quarantined
  totals { category fen } replaced { statementId totals { category fen } }
  errors { row field rule message value } } }`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-feesapi-'));
  databaseUrl = await recreateDatabase(DB);
  hub = await startTestHub(
    { DATABASE_URL: databaseUrl, GRIDHUB_DATA_DIR: dir },
    { gateway: true, workers: false },
  );
  url = hub.gateway!.url;
  // The stored finance policy gets FEES_OPS from a migration; here the code's default stands in for it.
  keys.finance = await testKey(hub, ['finance'], {
    policy: DEFAULT_POLICIES.finance as unknown as Record<string, unknown>,
  });
  keys.admin = await testKey(hub, ['admin']);
  keys.minzheng = await testKey(hub, ['civil_affairs']);
  keys.anonymous = undefined;
}, 120_000);

afterAll(async () => {
  await hub?.stop();
  await dropDatabase(DB);
});

describe('who may call the fees API', () => {
  const calls: Array<[string, string]> = [
    ['carrierTemplates', '{ carrierTemplates { id } }'],
    ['statements', '{ statements { id } }'],
    ['statement', '{ statement(id: "1") { id } }'],
    [
      'importStatement',
      'mutation { importStatement(input: { carrier: "cmcc", month: "2023-01", fileName: "a.csv", contentBase64: "YQ==" }) { applied } }',
    ],
    ['reconciliation', '{ reconciliation(carrier: "cmcc", month: "2023-01") { id } }'],
    ['reconcileStatement', 'mutation { reconcileStatement(statementId: "1") { queued } }'],
    ['acceptFinding', 'mutation { acceptFinding(id: "1", reason: "x") { id } }'],
    ['budget', '{ budget(year: 2023) { budgetFen } }'],
    ['setBudget', 'mutation { setBudget(year: 2023, amountFen: "100") { id } }'],
    ['allocation', '{ allocation(month: "2023-01") { totalFen } }'],
    ['feeSummaryExport', '{ feeSummaryExport(year: 2023, format: CSV) { fileName } }'],
    ['feeDetailExport', '{ feeDetailExport(month: "2023-01", carrier: "cmcc", format: CSV) { fileName } }'],
  ];

  it('refuses a department’s key and no key on every fees root field, naming the permission', async () => {
    expect(calls.map(([field]) => field).sort()).toEqual([...FEES_OPS].sort());
    for (const who of ['minzheng', 'anonymous']) {
      for (const [field, query] of calls) {
        const { data, errors } = await ask(who, query);
        expect(errors?.[0]?.extensions, `${who} ${field}`).toMatchObject({
          code: 'FORBIDDEN',
          permission: `root:${field}`,
        });
        expect(data?.[field] ?? null).toBeNull();
      }
    }
  });

  it('lets finance and an administrator list the carriers’ templates', async () => {
    for (const who of ['finance', 'admin']) {
      const data = await ok(who, '{ carrierTemplates { carrier name badLines totalsMarker columns } }');
      expect(data.carrierTemplates.map((t: Data) => t.carrier)).toEqual(['cmcc', 'ctcc']);
      expect(data.carrierTemplates[0]).toMatchObject({ badLines: 'REFUSE', totalsMarker: '合计' });
      expect(data.carrierTemplates[0].columns.iccid).toBe('ICCID');
    }
    const cmcc = await ok('finance', '{ carrierTemplates(carrier: "CMCC") { carrier } }');
    expect(cmcc.carrierTemplates).toEqual([{ carrier: 'cmcc' }]);
  });
});

describe('importing and reading statements', () => {
  let statementId: string;

  it('imports a statement uploaded by finance and reads it back with totals per category in fen', async () => {
    const imported = await ok('finance', IMPORT, {
      input: {
        carrier: 'cmcc',
        month: '2023-05',
        fileName: 'cmcc-2023-05.csv',
        contentBase64: upload(statement('2023-05'), 'gbk'),
        encoding: 'gbk',
      },
    });
    const report = imported.importStatement;
    expect(report).toMatchObject({
      carrier: 'cmcc',
      month: '2023-05',
      file: 'cmcc-2023-05.csv',
      lines: 4,
      totalFen: '7244',
      totalsSource: 'file',
      applied: true,
      quarantined: 0,
      replaced: null,
      errors: [],
    });
    expect(report.totals).toEqual([
      { category: 'PLAN_FEE', fen: '6000' },
      { category: 'DATA', fen: '1234' },
      { category: 'SMS', fen: '10' },
    ]);
    statementId = report.statementId;

    const listed = await ok(
      'finance',
      '{ statements(year: 2023) { id carrier month billingMonth lineCount totalFen importedBy templateName } }',
    );
    expect(listed.statements).toEqual([
      {
        id: statementId,
        carrier: 'cmcc',
        month: '2023-05',
        billingMonth: '2023-05-01',
        lineCount: 4,
        totalFen: '7244',
        importedBy: expect.any(String),
        templateName: '中国移动集团账单(默认)',
      },
    ]);
    expect((await ok('finance', '{ statements(year: 2022) { id } }')).statements).toEqual([]);
    expect((await ok('finance', '{ statements(carrier: "ctcc") { id } }')).statements).toEqual([]);

    const LINES = `query($id: ID!, $after: String, $filter: StatementLineFilterInput) { statement(id: $id) {
      totals { category fen }
      lines(first: 3, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor }
        nodes { lineNo iccid msisdn category itemName amountFen dataMb voiceMinutes smsCount daysInService raw } } } }`;
    const first = await ok('finance', LINES, { id: statementId });
    expect(first.statement.totals).toEqual(report.totals);
    expect(first.statement.lines.totalCount).toBe(4);
    expect(first.statement.lines.pageInfo.hasNextPage).toBe(true);
    expect(first.statement.lines.nodes.map((l: Data) => [l.lineNo, l.category, l.amountFen])).toEqual([
      [2, 'PLAN_FEE', '3000'],
      [3, 'DATA', '1234'],
      [4, 'PLAN_FEE', '3000'],
    ]);
    expect(first.statement.lines.nodes[0]).toMatchObject({
      iccid: iccid(1),
      msisdn: msisdn(1),
      itemName: '套餐月功能费',
      dataMb: 512,
      voiceMinutes: 10,
      smsCount: 2,
      daysInService: 31,
    });
    expect(first.statement.lines.nodes[1].raw['金额(元)']).toBe('12.34');
    const rest = await ok('finance', LINES, {
      id: statementId,
      after: first.statement.lines.pageInfo.endCursor,
    });
    expect(rest.statement.lines.nodes.map((l: Data) => l.lineNo)).toEqual([5]);
    expect(rest.statement.lines.pageInfo.hasNextPage).toBe(false);

    const byIccid = await ok('finance', LINES, { id: statementId, filter: { iccid: iccid(1) } });
    expect(byIccid.statement.lines.nodes.map((l: Data) => l.lineNo)).toEqual([2, 3]);
    const byNumber = await ok('finance', LINES, { id: statementId, filter: { msisdn: msisdn(2) } });
    expect(byNumber.statement.lines.nodes.map((l: Data) => l.lineNo)).toEqual([4]);
    const byCategory = await ok('finance', LINES, {
      id: statementId,
      filter: { categories: ['DATA', 'SMS'] },
    });
    expect(byCategory.statement.lines.totalCount).toBe(2);
    expect(byCategory.statement.lines.nodes.map((l: Data) => l.lineNo)).toEqual([3, 5]);
  });

  it('re-imports the same carrier and month, replacing the statement and saying so', async () => {
    const imported = await ok('finance', IMPORT, {
      input: {
        carrier: 'cmcc',
        month: '2023-05',
        fileName: 'cmcc-2023-05-v2.csv',
        contentBase64: upload(statement('2023-05', '20.00')),
      },
    });
    const report = imported.importStatement;
    expect(report).toMatchObject({ applied: true, totalFen: '8010' });
    expect(report.replaced).toEqual({
      statementId,
      totals: [
        { category: 'PLAN_FEE', fen: '6000' },
        { category: 'DATA', fen: '1234' },
        { category: 'SMS', fen: '10' },
      ],
    });
    const listed = await ok('finance', '{ statements { id totalFen replacedStatementId } }');
    expect(listed.statements).toEqual([
      { id: report.statementId, totalFen: '8010', replacedStatementId: statementId },
    ]);
    const gone = await ask('finance', '{ statement(id: $id) { id } }'.replace('$id', `"${statementId}"`));
    expect(gone.errors?.[0]?.extensions).toMatchObject({ code: 'STATEMENT_NOT_FOUND' });
    statementId = report.statementId;
  });

  it('refuses an import with bad lines, returning each row, field and rule, and writes nothing', async () => {
    const badCheck = `${iccid(5).slice(0, 19)}${(Number(iccid(5)[19]) + 1) % 10}`;
    const { importStatement } = await ok('finance', IMPORT, {
      input: {
        carrier: 'cmcc',
        month: '2023-06',
        fileName: 'cmcc-2023-06.csv',
        contentBase64: upload(
          csv([
            CMCC_HEADER,
            `${iccid(4)},${msisdn(4)},202306,套餐月功能费,30.00,,,,30`,
            `${badCheck},${msisdn(5)},202306,套餐月功能费,30.00,,,,30`,
            `${iccid(6)},${msisdn(6)},202306,套餐月功能费,-3.00,,,,30`,
            '合计,,,,57.00,,,,',
          ]),
        ),
      },
    });
    expect(importStatement).toMatchObject({ applied: false, statementId: null, lines: 1 });
    expect(importStatement.errors).toEqual([
      expect.objectContaining({ row: 3, field: 'iccid', rule: 'ICCID_CHECK', value: badCheck }),
      expect.objectContaining({ row: 4, field: 'amount', rule: 'NEGATIVE_AMOUNT' }),
    ]);
    const none = await ok('finance', '{ statements(year: 2023) { month } }');
    expect(none.statements).toEqual([{ month: '2023-05' }]);
  });

  it('refuses lines that do not tie out with the totals, naming the difference per category', async () => {
    const { errors } = await ask('finance', IMPORT, {
      input: {
        carrier: 'cmcc',
        month: '2023-07',
        fileName: 'cmcc-2023-07.csv',
        contentBase64: upload(statement('2023-07', '12.34', '12.00')),
      },
    });
    expect(errors?.[0]?.extensions).toMatchObject({
      code: 'TOTALS_MISMATCH',
      differences: [{ category: 'data', statedFen: 1200, linesFen: 1234, differenceFen: -34 }],
    });
    const stated = await ask('finance', IMPORT, {
      input: {
        carrier: 'cmcc',
        month: '2023-07',
        fileName: 'cmcc-2023-07.csv',
        contentBase64: upload(statement('2023-07')),
        totals: [
          { category: 'PLAN_FEE', fen: '6000' },
          { category: 'DATA', fen: '1234' },
          { category: 'SMS', fen: '10' },
        ],
      },
    });
    expect(stated.errors).toBeUndefined();
    expect(stated.data.importStatement).toMatchObject({ applied: true, totalsSource: 'argument' });
  });

  it('keeps quarantined lines with their reasons under a quarantining template', async () => {
    await runSql(
      em(),
      `insert into carrier_template (carrier, name, columns, categories, bad_lines, totals_marker)
       select 'cucc', 'cucc quarantine (test)', columns, categories, 'quarantine', '合计'
         from carrier_template where carrier = 'cmcc'`,
    );
    const badCheck = `${iccid(8).slice(0, 19)}${(Number(iccid(8)[19]) + 1) % 10}`;
    const { importStatement } = await ok('finance', IMPORT, {
      input: {
        carrier: 'cucc',
        month: '2023-05',
        fileName: 'cucc-2023-05.csv',
        contentBase64: upload(
          csv([
            CMCC_HEADER,
            `${iccid(7)},${msisdn(7)},202305,套餐月功能费,30.00,,,,31`,
            `${badCheck},${msisdn(8)},202305,套餐月功能费,30.00,,,,31`,
            '合计,,,plan_fee,60.00,,,,',
          ]),
        ),
      },
    });
    expect(importStatement).toMatchObject({ applied: true, lines: 1, quarantined: 1, totalFen: '3000' });
    const read = await ok(
      'finance',
      `query($id: ID!) { statement(id: $id) { quarantinedCount
        quarantinedLines { totalCount nodes { rowNo raw failures { field rule value } } } } }`,
      { id: importStatement.statementId },
    );
    expect(read.statement.quarantinedCount).toBe(1);
    expect(read.statement.quarantinedLines.nodes).toEqual([
      {
        rowNo: 3,
        raw: expect.objectContaining({ ICCID: badCheck }),
        failures: [{ field: 'iccid', rule: 'ICCID_CHECK', value: badCheck }],
      },
    ]);
  });

  it('refuses bad arguments with the field named', async () => {
    const notBase64 = await ask(
      'finance',
      'mutation { importStatement(input: { carrier: "cmcc", month: "2023-05", fileName: "a.csv", contentBase64: "@@@" }) { applied } }',
    );
    expect(notBase64.errors?.[0]?.extensions).toMatchObject({
      code: 'INVALID_UPLOAD',
      field: 'contentBase64',
    });
    const folder = await ask(
      'finance',
      'mutation { importStatement(input: { carrier: "cmcc", month: "2023-05", fileName: "../a.csv", contentBase64: "YQ==" }) { applied } }',
    );
    expect(folder.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_UPLOAD', field: 'fileName' });
    const carrier = await ask('finance', '{ statements(carrier: "acme") { id } }');
    expect(carrier.errors?.[0]?.extensions).toMatchObject({ code: 'UNKNOWN_CARRIER', field: 'carrier' });
    const year = await ask('finance', '{ statements(year: 99) { id } }');
    expect(year.errors?.[0]?.extensions).toMatchObject({ code: 'YEAR', field: 'year' });
    const id = await ask('finance', '{ statement(id: "x") { id } }');
    expect(id.errors?.[0]?.extensions).toMatchObject({ code: 'STATEMENT_NOT_FOUND' });
  });
});

/** `hub fees …` from source (as `npm run hub` runs it), on the test hub's database. */
function hubCli(args: string[]): ReturnType<typeof runHub> {
  return runHub(
    { DATABASE_URL: databaseUrl, GRIDHUB_DATA_DIR: dir, LOG_LEVEL: 'warn' },
    ['fees', ...args],
    90_000,
  );
}

describe('hub fees (the CLI)', () => {
  it('prints the report of an import and exits 1 when the lines do not tie out', async () => {
    const mismatched = path.join(dir, 'cmcc-2023-08.csv');
    writeFileSync(mismatched, iconv.encode(statement('2023-08', '12.34', '12.00'), 'gbk'));
    const refused = await hubCli(['import', '--carrier', 'cmcc', '--month', '2023-08', mismatched]);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stdout).toContain('REFUSED');
    expect(refused.stdout).toMatch(/data\s+12\.00\s+12\.34\s+-0\.34/);
    const refusedJson = await hubCli([
      'import',
      '--carrier',
      'cmcc',
      '--month',
      '2023-08',
      '--encoding',
      'gbk',
      '--json',
      mismatched,
    ]);
    expect(refusedJson.code).toBe(1);
    expect(JSON.parse(refusedJson.stdout)).toMatchObject({
      applied: false,
      error: { code: 'TOTALS_MISMATCH', differences: [{ category: 'data', differenceFen: -34 }] },
    });

    const good = path.join(dir, 'cmcc-2023-09.csv');
    writeFileSync(good, iconv.encode(statement('2023-09'), 'gbk'));
    const applied = await hubCli([
      'import',
      '--carrier',
      'cmcc',
      '--month',
      '2023-09',
      '--encoding',
      'gbk',
      good,
    ]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('import of cmcc 2023-09 from cmcc-2023-09.csv: applied as statement');
    expect(applied.stdout).toContain('total 72.44 yuan (7244 fen)');
    expect(applied.stdout).toContain('plan_fee 60.00, data 12.34, sms 0.10');
    // Reconciled in-process after the import (an empty fleet: every line billed but not in inventory).
    expect(applied.stdout).toContain('lines 4, matched 0 (0.00 yuan), discrepancies 4, accepted 0');
    expect(applied.stdout).toMatch(/BILLED_NOT_IN_INVENTORY\s+4/);

    const bad = path.join(dir, 'cmcc-2023-10.csv');
    writeFileSync(
      bad,
      csv([CMCC_HEADER, `${iccid(9)},${msisdn(9)},202310,套餐月功能费,-30.00,,,,31`, '合计,,,,-30.00,,,,']),
    );
    const badLines = await hubCli(['import', '--carrier', 'cmcc', '--month', '2023-10', '--json', bad]);
    expect(badLines.code).toBe(1);
    expect(JSON.parse(badLines.stdout)).toMatchObject({
      applied: false,
      errors: [{ row: 2, field: 'amount', rule: 'NEGATIVE_AMOUNT' }],
    });

    const listed = await hubCli(['statements', '--year', '2023', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).map((s: Data) => `${s.carrier} ${s.month}`)).toEqual([
      'cmcc 2023-05',
      'cucc 2023-05',
      'cmcc 2023-07',
      'cmcc 2023-09',
    ]);
    const human = await hubCli(['statements', '--year', '2023']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('4 statements');
  }, 240_000);
});
