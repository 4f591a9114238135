import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chinaMonth, importStatement, parseFen } from '../../../fleet/statements';
import { runSql } from '../../../schema/common/rows';
import type { MikroORM } from '../../../schema/db/orm';
import { luhnCheckDigit } from '../../../schema/identifiers/luhn';
import { DomainError } from '../../../schema/runtime/errors';
import { testOrm } from '../../support/orm';

/**
 * Carrier statements against real PostgreSQL: the seeded cmcc and ctcc templates, GBK CSV and XLSX, the
 * tie-out before anything is written, bad lines refused or quarantined per template, and a re-import that
 * replaces the month's statement atomically. Months in 2019 keep these statements apart from other tests'.
 */

const iccid = (n: number) => {
  const body = `8986001234${String(810_000_000 + n).padStart(9, '0')}`;
  return body + luhnCheckDigit(body);
};
const msisdn = (n: number) => `1398${String(8_100_000 + n).padStart(7, '0')}`;

let orm: MikroORM;
let dir: string;
const em = () => orm.em.fork();
const ACTOR = 'finance-test';

const CMCC_HEADER = 'ICCID,手机号码,账期,费用项目,金额(元),流量(MB),通话时长(分钟),短信条数,在网天数';

function gbkCsv(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, iconv.encode(`${lines.join('\r\n')}\r\n`, 'gbk'));
  return file;
}

async function linesOf(carrier: string, month: string) {
  return runSql<{
    line_no: number;
    iccid: string | null;
    msisdn: string | null;
    category: string;
    amount_fen: string;
  }>(
    em(),
    `select l.line_no, l.iccid, l.msisdn, l.category, l.amount_fen from carrier_statement_line l
       join carrier_statement s on s.id = l.statement_id
      where s.carrier = ? and s.billing_month = ? order by l.line_no`,
    [carrier, `${month}-01`],
  );
}

async function statementsOf(carrier: string, month: string) {
  return runSql<{ id: string; total_fen: string; replaced_statement_id: string | null }>(
    em(),
    'select id, total_fen, replaced_statement_id from carrier_statement where carrier = ? and billing_month = ?',
    [carrier, `${month}-01`],
  );
}

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

beforeAll(async () => {
  orm = await testOrm();
  dir = mkdtempSync(path.join(os.tmpdir(), 'fees-statements-'));
});
afterAll(async () => {
  await orm?.close();
});

describe('amounts', () => {
  it('parses yuan text into exact fen', () => {
    expect(parseFen('1,234.56')).toBe(123456);
    expect(parseFen('¥12.30')).toBe(1230);
    expect(parseFen('￥0.1')).toBe(10);
    expect(parseFen('-3.00')).toBe(-300);
    expect(parseFen('(3.00)')).toBe(-300);
    expect(parseFen('30元')).toBe(3000);
    expect(parseFen(12.3)).toBe(1230);
    expect(parseFen(0.1 + 0.2)).toBe(30);
    expect(parseFen('1.234')).toBeNull();
    expect(parseFen('abc')).toBeNull();
    expect(parseFen(1.005)).toBeNull();
  });
});

describe('importStatement', () => {
  it('imports a GBK CSV with the cmcc template and ties out against its 合计 rows', async () => {
    const file = gbkCsv('cmcc-2019-01.csv', [
      CMCC_HEADER,
      `${iccid(1)},${msisdn(1)},201901,套餐月功能费,30.00,1024,35,3,31`,
      `${iccid(1)},${msisdn(1)},201901,套餐外流量费,"1,234.56",2048.5,,,31`,
      `${iccid(2)},${msisdn(2)},2019年1月,套餐月功能费,￥30.00,,,,15`,
      `,${msisdn(3)},2019-01,短信彩信费,0.10,,,1,31`,
      '合计,,,plan_fee,60.00,,,,',
      '合计,,,data,"1,234.56",,,,',
      '合计,,,sms,0.10,,,,',
      '合计,,,,"1,294.66",,,,',
    ]);
    const report = await importStatement(em(), ACTOR, { carrier: 'cmcc', month: '2019-01', file });
    expect(report).toMatchObject({
      applied: true,
      carrier: 'cmcc',
      month: '2019-01',
      lines: 4,
      totalsFen: { plan_fee: 6000, data: 123456, sms: 10 },
      totalFen: 129466,
      replaced: null,
      errors: [],
      quarantined: 0,
      totalsSource: 'file',
    });
    const lines = await linesOf('cmcc', '2019-01');
    expect(lines.map((l) => [l.line_no, l.iccid, l.msisdn, l.category, Number(l.amount_fen)])).toEqual([
      [2, iccid(1), msisdn(1), 'plan_fee', 3000],
      [3, iccid(1), msisdn(1), 'data', 123456],
      [4, iccid(2), msisdn(2), 'plan_fee', 3000],
      [5, null, msisdn(3), 'sms', 10],
    ]);
    const [usage] = await runSql<{ data_mb: number; raw: Record<string, string> }>(
      em(),
      'select data_mb, raw from carrier_statement_line where statement_id = ? and line_no = 3',
      [report.statementId],
    );
    expect(usage!.data_mb).toBe(2049);
    expect(usage!.raw['金额(元)']).toBe('1,234.56');
    const audit = await runSql<{ detail: Record<string, unknown> }>(
      em(),
      "select detail from fleet_audit where action = 'fees.import' and detail->>'statementId' = ?",
      [report.statementId],
    );
    expect(audit[0]!.detail).toMatchObject({ carrier: 'cmcc', month: '2019-01', lines: 4, totalFen: 129466 });
  });

  it('refuses a statement whose lines do not add up, with the difference per category, and writes nothing', async () => {
    const file = gbkCsv('cmcc-2019-02.csv', [
      CMCC_HEADER,
      `${iccid(1)},${msisdn(1)},201902,套餐月功能费,30.00,,,,28`,
      `${iccid(1)},${msisdn(1)},201902,上网费,5.00,100,,,28`,
    ]);
    const error = await refusal(
      importStatement(em(), ACTOR, {
        carrier: 'cmcc',
        month: '2019-02',
        file,
        totals: { plan_fee: 3000, data: 600 },
      }),
    );
    expect(error.code).toBe('TOTALS_MISMATCH');
    expect(error.details.differences).toEqual([
      { category: 'data', statedFen: 600, linesFen: 500, differenceFen: 100 },
    ]);
    expect(error.message).toContain('difference 100 fen');
    expect(await statementsOf('cmcc', '2019-02')).toEqual([]);

    const noTotals = await refusal(importStatement(em(), ACTOR, { carrier: 'cmcc', month: '2019-02', file }));
    expect(noTotals.code).toBe('TOTALS_MISSING');
  });

  it('refuses bad lines naming each row, field and rule, and writes nothing', async () => {
    const future = chinaMonth(new Date(Date.now() + 40 * 86_400_000)).replace('-', '');
    const badCheck = `${iccid(5).slice(0, 19)}${(Number(iccid(5)[19]) + 1) % 10}`;
    const file = gbkCsv('cmcc-2019-03.csv', [
      CMCC_HEADER,
      `${iccid(4)},${msisdn(4)},201903,套餐月功能费,30.00,,,,31`,
      `${badCheck},${msisdn(5)},201903,套餐月功能费,30.00,,,,31`,
      `${iccid(6)},${msisdn(6)},201903,套餐月功能费,-3.00,,,,31`,
      `${iccid(7)},${msisdn(7)},${future},套餐月功能费,30.00,,,,31`,
      `${iccid(8)},${msisdn(8)},201903,国际漫游费,1.00,,,,31`,
      '合计,,,,88.00,,,,',
    ]);
    const report = await importStatement(em(), ACTOR, { carrier: 'cmcc', month: '2019-03', file });
    expect(report.applied).toBe(false);
    expect(report.statementId).toBeNull();
    expect(report.errors.map((e) => [e.row, e.field, e.rule])).toEqual([
      [3, 'iccid', 'ICCID_CHECK'],
      [4, 'amount', 'NEGATIVE_AMOUNT'],
      [5, 'month', 'MONTH_IN_FUTURE'],
      [6, 'itemName', 'UNKNOWN_CATEGORY'],
    ]);
    expect(report.errors[3]!.message).toContain('国际漫游费');
    expect(await statementsOf('cmcc', '2019-03')).toEqual([]);
  });

  it('refuses a requested month in the future and a file without a mapped column', async () => {
    const next = chinaMonth(new Date(Date.now() + 40 * 86_400_000));
    const file = gbkCsv('cmcc-future.csv', [
      CMCC_HEADER,
      `${iccid(1)},${msisdn(1)},,套餐月功能费,30.00,,,,31`,
    ]);
    const future = await refusal(importStatement(em(), ACTOR, { carrier: 'cmcc', month: next, file }));
    expect(future.code).toBe('MONTH_IN_FUTURE');

    const noData = gbkCsv('cmcc-2019-04.csv', [
      'ICCID,手机号码,账期,费用项目,金额(元),通话时长(分钟),短信条数,在网天数',
      `${iccid(1)},${msisdn(1)},201904,套餐月功能费,30.00,,,31`,
    ]);
    const missing = await refusal(
      importStatement(em(), ACTOR, {
        carrier: 'cmcc',
        month: '2019-04',
        file: noData,
        totals: { plan_fee: 3000 },
      }),
    );
    expect(missing.code).toBe('COLUMNS_MISSING');
    expect(missing.message).toContain('流量(MB) (dataMb)');
    expect(await statementsOf('cmcc', '2019-04')).toEqual([]);
  });

  it("keeps bad lines in quarantine with their reasons under a 'quarantine' template", async () => {
    await runSql(
      em(),
      `insert into carrier_template (carrier, name, columns, categories, bad_lines, totals_marker)
       values ('cucc', 'test-cucc-quarantine', ?, ?, 'quarantine', null)`,
      [
        JSON.stringify({ iccid: 'ICCID', msisdn: '号码', itemName: '费用名称', amount: '金额' }),
        JSON.stringify({ 月租费: 'plan_fee', 流量费: 'data', '*': 'other' }),
      ],
    );
    const file = gbkCsv('cucc-2019-05.csv', [
      'ICCID,号码,费用名称,金额',
      `${iccid(10)},${msisdn(10)},月租费,20.00`,
      `8986001234xyz,${msisdn(11)},月租费,20.00`,
      `${iccid(12)},${msisdn(12)},某增值包,5.00`,
      `${iccid(13)},${msisdn(13)},流量费,-1.00`,
    ]);
    const report = await importStatement(em(), ACTOR, {
      carrier: 'cucc',
      month: '2019-05',
      file,
      totals: { plan_fee: 4000, other: 500, data: -100 },
    });
    expect(report).toMatchObject({
      applied: true,
      lines: 2,
      totalsFen: { plan_fee: 2000, other: 500 },
      quarantined: 2,
      quarantinedFen: { plan_fee: 2000, data: -100 },
    });
    const rows = await runSql<{
      row_no: number;
      raw: Record<string, string>;
      failures: { field: string; rule: string }[];
    }>(
      em(),
      'select row_no, raw, failures from carrier_statement_quarantine where statement_id = ? order by row_no',
      [report.statementId],
    );
    expect(rows.map((r) => [r.row_no, r.failures.map((f) => `${f.field}:${f.rule}`)])).toEqual([
      [3, ['iccid:ICCID_LENGTH']],
      [5, ['amount:NEGATIVE_AMOUNT']],
    ]);
    expect(rows[0]!.raw.ICCID).toBe('8986001234xyz');
  });

  it('imports an XLSX statement with the ctcc template, its category codes and a credit', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('账单明细');
    sheet.addRow([
      'ICCID',
      '号码',
      '计费月份',
      '科目编码',
      '科目名称',
      '应收金额',
      '流量(MB)',
      '通话时长(分钟)',
      '短信条数',
      '在网天数',
    ]);
    sheet.addRow([iccid(20), Number(msisdn(20)), '2019-06', '1001', '套餐费', 39, 3000, 120, 10, 30]);
    sheet.addRow([iccid(20), msisdn(20), '2019-06', '1010', '优惠减免', -5.5, null, null, null, 30]);
    sheet.addRow([iccid(21), msisdn(21), '2019-06', 1002, '流量费', '12.34', 5000, null, null, 30]);
    const file = path.join(dir, 'ctcc-2019-06.xlsx');
    await workbook.xlsx.writeFile(file);
    const report = await importStatement(em(), ACTOR, {
      carrier: 'ctcc',
      month: '2019-06',
      file,
      totals: { plan_fee: 3900, other: -550, data: 1234 },
    });
    expect(report).toMatchObject({
      applied: true,
      lines: 3,
      totalsFen: { plan_fee: 3900, other: -550, data: 1234 },
      totalFen: 4584,
      totalsSource: 'argument',
    });
    const lines = await linesOf('ctcc', '2019-06');
    expect(lines.map((l) => [l.line_no, l.msisdn, l.category, Number(l.amount_fen)])).toEqual([
      [2, msisdn(20), 'plan_fee', 3900],
      [3, msisdn(20), 'other', -550],
      [4, msisdn(21), 'data', 1234],
    ]);
  });

  it('replaces the month on a re-import, says so, and counts nothing twice', async () => {
    const first = gbkCsv('cmcc-2019-07-a.csv', [
      CMCC_HEADER,
      `${iccid(30)},${msisdn(30)},201907,套餐月功能费,30.00,,,,31`,
      `${iccid(31)},${msisdn(31)},201907,套餐月功能费,30.00,,,,31`,
      '合计,,,,60.00,,,,',
    ]);
    const a = await importStatement(em(), ACTOR, { carrier: 'cmcc', month: '2019-07', file: first });
    expect(a.replaced).toBeNull();

    const second = gbkCsv('cmcc-2019-07-b.csv', [
      CMCC_HEADER,
      `${iccid(30)},${msisdn(30)},201907,套餐月功能费,30.00,,,,31`,
      `${iccid(31)},${msisdn(31)},201907,套餐月功能费,30.00,,,,31`,
      `${iccid(32)},${msisdn(32)},201907,语音通信费,"1,234.56",,600,,31`,
      '合计,,,,"1,294.56",,,,',
    ]);
    const b = await importStatement(em(), ACTOR, { carrier: 'cmcc', month: '2019-07', file: second });
    expect(b).toMatchObject({
      applied: true,
      lines: 3,
      totalFen: 129456,
      replaced: { statementId: a.statementId, totalsFen: { plan_fee: 6000 } },
    });
    const statements = await statementsOf('cmcc', '2019-07');
    expect(statements).toEqual([
      { id: b.statementId, total_fen: '129456', replaced_statement_id: a.statementId },
    ]);
    const lines = await linesOf('cmcc', '2019-07');
    expect(lines.reduce((s, l) => s + Number(l.amount_fen), 0)).toBe(129456);
    expect(lines.find((l) => l.category === 'voice')!.amount_fen).toBe('123456');
    const old = await runSql(em(), 'select 1 from carrier_statement_line where statement_id = ?', [
      a.statementId,
    ]);
    expect(old).toEqual([]);
  });
});
