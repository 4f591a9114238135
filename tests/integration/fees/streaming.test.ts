import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSheetStream, readSheetRows, type SheetRow } from '../../../fleet/sheets';
import { importStatement } from '../../../fleet/statements';
import { runSql } from '../../../schema/common/rows';
import type { MikroORM } from '../../../schema/db/orm';
import { luhnCheckDigit } from '../../../schema/identifiers/luhn';
import { DomainError } from '../../../schema/runtime/errors';
import { testOrm } from '../../support/orm';

/**
 * The statement import reads its file as a stream (CSV through TextDecoder and CsvRecordReader, XLSX through ExcelJS's
 * WorkbookReader) and writes lines by COPY as they come: the rows it sees are the rows the whole-file reader
 * sees, a path and an upload of the same bytes store the same lines, and a refused import leaves nothing of
 * itself behind (the month's previous statement included). Months in 2018 keep these apart from other tests.
 */

const iccid = (n: number) => {
  const body = `8986001234${String(820_000_000 + n).padStart(9, '0')}`;
  return body + luhnCheckDigit(body);
};
const msisdn = (n: number) => `1397${String(8_200_000 + n).padStart(7, '0')}`;

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

/** A cmcc statement of `count` plan-fee lines (30 yuan, usage in MB), with its 合计 row. */
function cmccLines(account: string, count: number, from = 1): string[] {
  const lines = [CMCC_HEADER];
  for (let n = from; n < from + count; n++) {
    lines.push(`${iccid(n)},${msisdn(n)},${account},套餐月功能费,30.00,${n % 97}.5,${n % 60},,31`);
  }
  lines.push(`合计,,,,${(count * 30).toFixed(2)},,,,`);
  return lines;
}

async function collect(rows: AsyncIterable<SheetRow>): Promise<SheetRow[]> {
  const out: SheetRow[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

async function storedLines(statementId: string | null) {
  return runSql<Record<string, unknown>>(
    em(),
    `select line_no, iccid, msisdn, category, item_name, amount_fen, data_mb, voice_minutes, sms_count,
       days_in_service, raw from carrier_statement_line where statement_id = ? order by line_no`,
    [statementId],
  );
}

async function statementsOf(carrier: string, month: string) {
  return runSql<{ id: string; line_count: number; sha256: string }>(
    em(),
    'select id, line_count, sha256 from carrier_statement where carrier = ? and billing_month = ?',
    [carrier, `${month}-01`],
  );
}

beforeAll(async () => {
  orm = await testOrm();
  dir = mkdtempSync(path.join(os.tmpdir(), 'fees-streaming-'));
});
afterAll(async () => {
  await orm?.close();
});

describe('openSheetStream', () => {
  it('streams the rows the whole-file reader returns, for GBK CSV and for a chosen XLSX sheet', async () => {
    const csv = gbkCsv('rows.csv', [
      '中国移动账单',
      '',
      CMCC_HEADER,
      `${iccid(1)},"${msisdn(1)}",201801,"套餐,月功能费",30.00,,,,31`,
      `  ${iccid(2)} ,${msisdn(2)},201801,"多行
项目",1.00,,,,31`,
      '合计,,,,31.00,,,,',
    ]);
    const whole = await readSheetRows(csv, readFileSync(csv));
    const streamed = await openSheetStream(csv);
    expect(await collect(streamed.rows)).toEqual(whole);
    expect(whole.map((r) => r.row)).toEqual([1, 3, 4, 5, 6]);
    expect(await streamed.sha256()).toBe(createHash('sha256').update(readFileSync(csv)).digest('hex'));

    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('封面').addRow(['中国电信', '2018年2月']);
    const sheet = workbook.addWorksheet('账单明细');
    sheet.addRow(['ICCID', '号码', '应收金额', '计费月份']);
    sheet.addRow([iccid(3), Number(msisdn(3)), 39, new Date(Date.UTC(2018, 1, 1))]);
    sheet.addRow([]);
    sheet.addRow([
      iccid(4),
      { richText: [{ text: '1397' }, { text: '8200004' }] },
      { formula: '1+1', result: 2 },
    ]);
    const xlsx = path.join(dir, 'rows.xlsx');
    await workbook.xlsx.writeFile(xlsx);
    const wholeSheet = await readSheetRows(xlsx, readFileSync(xlsx), { sheet: '账单明细' });
    const streamedSheet = await openSheetStream(xlsx, { sheet: '账单明细' });
    expect(await collect(streamedSheet.rows)).toEqual(wholeSheet);
    expect(wholeSheet.map((r) => r.row)).toEqual([1, 2, 4]);
    expect(await streamedSheet.sha256()).toBe(createHash('sha256').update(readFileSync(xlsx)).digest('hex'));

    const missing = await openSheetStream(xlsx, { sheet: 3 });
    const error = await collect(missing.rows).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('SHEET_NOT_FOUND');
  });

  it('refuses a CSV with broken quoting as FILE_UNREADABLE, naming the row where reading stopped', async () => {
    const broken = gbkCsv('broken.csv', [
      CMCC_HEADER,
      `${iccid(5)},${msisdn(5)},201801,套餐,30.00,,,,31`,
      `${iccid(6)},${msisdn(6)},201801,"套餐"月功能费,30.00,,,,31`,
    ]);
    const error = await collect((await openSheetStream(broken)).rows).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'FILE_UNREADABLE', details: { row: 3 } });
    expect((error as DomainError).message).toMatch(
      /broken\.csv could not be read as CSV after row 2: .*[Qq]uote/,
    );
  });
});

describe('importStatement, streamed', () => {
  it('imports a GBK CSV from a path in chunks, storing the same lines as an upload of the same bytes', async () => {
    // More lines than one COPY chunk holds, so that the chunks and their order are exercised.
    const count = 4_321;
    const fromPath = gbkCsv('cmcc-2018-01.csv', cmccLines('201801', count));
    const report = await importStatement(em(), ACTOR, { carrier: 'cmcc', month: '2018-01', file: fromPath });
    expect(report).toMatchObject({ applied: true, lines: count, totalFen: count * 3000, errors: [] });
    const [statement] = await statementsOf('cmcc', '2018-01');
    expect(statement).toMatchObject({ id: report.statementId, line_count: count });
    expect(statement!.sha256).toBe(createHash('sha256').update(readFileSync(fromPath)).digest('hex'));

    const upload = gbkCsv('cmcc-2018-02.csv', cmccLines('201801', count));
    const content = readFileSync(upload);
    const uploaded = await importStatement(em(), ACTOR, {
      carrier: 'cmcc',
      month: '2018-01',
      file: { name: 'cmcc-2018-01.csv', content },
    });
    expect(uploaded).toMatchObject({
      applied: true,
      lines: count,
      replaced: { statementId: report.statementId },
    });
    const lines = await storedLines(uploaded.statementId);
    expect(lines).toHaveLength(count);
    expect(lines[0]).toEqual({
      line_no: 2,
      iccid: iccid(1),
      msisdn: msisdn(1),
      category: 'plan_fee',
      item_name: '套餐月功能费',
      amount_fen: '3000',
      data_mb: 2,
      voice_minutes: 1,
      sms_count: null,
      days_in_service: 31,
      raw: {
        ICCID: iccid(1),
        手机号码: msisdn(1),
        账期: '201801',
        费用项目: '套餐月功能费',
        '金额(元)': '30.00',
        '流量(MB)': '1.5',
        '通话时长(分钟)': '1',
        在网天数: '31',
      },
    });
    expect(lines.at(-1)).toMatchObject({ line_no: count + 1, iccid: iccid(count) });
    // The replaced statement's lines went with it.
    expect(await storedLines(report.statementId)).toEqual([]);
  });

  it('imports an XLSX statement streamed from a path with the same lines as the whole-file reader gives', async () => {
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
    sheet.addRow([iccid(20), Number(msisdn(20)), '2018-03', '1001', '套餐费', 39, 3000, 120, 10, 31]);
    sheet.addRow([iccid(21), msisdn(21), '2018-03', 1002, '流量费', '12.34', 5000, null, null, 31]);
    const file = path.join(dir, 'ctcc-2018-03.xlsx');
    await workbook.xlsx.writeFile(file);
    const report = await importStatement(em(), ACTOR, {
      carrier: 'ctcc',
      month: '2018-03',
      file,
      totals: { plan_fee: 3900, data: 1234 },
    });
    expect(report).toMatchObject({ applied: true, lines: 2, totalFen: 5134 });
    const lines = await storedLines(report.statementId);
    expect(lines.map((l) => [l.line_no, l.iccid, l.msisdn, l.category, l.amount_fen, l.data_mb])).toEqual([
      [2, iccid(20), msisdn(20), 'plan_fee', '3900', 3000],
      [3, iccid(21), msisdn(21), 'data', '1234', 5000],
    ]);
    expect(lines[0]!.raw).toMatchObject({ 号码: msisdn(20), 应收金额: '39', 科目编码: '1001' });
    const [statement] = await statementsOf('ctcc', '2018-03');
    expect(statement!.sha256).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
  });

  it('leaves nothing behind when an import is refused, and keeps the statement it would have replaced', async () => {
    const good = gbkCsv('cmcc-2018-04.csv', cmccLines('201804', 3_000));
    const first = await importStatement(em(), ACTOR, { carrier: 'cmcc', month: '2018-04', file: good });
    expect(first.applied).toBe(true);
    const audits = async () =>
      (
        await runSql(
          em(),
          "select 1 from fleet_audit where action = 'fees.import' and detail->>'month' = '2018-04'",
        )
      ).length;
    const before = { statements: await statementsOf('cmcc', '2018-04'), audits: await audits() };
    // The month's lines and any line without its statement (the other test files of this database import
    // statements of their own meanwhile, so the table's total moves).
    const lineCount = async () =>
      Number(
        (
          await runSql<{ n: string }>(
            em(),
            `select count(*) as n from carrier_statement_line l
              where not exists (select 1 from carrier_statement s where s.id = l.statement_id)
                 or l.statement_id in (select id from carrier_statement
                                        where carrier = 'cmcc' and billing_month = '2018-04-01')`,
          )
        )[0]!.n,
      );
    const linesBefore = await lineCount();

    // A bad line far past the first chunks: under 'refuse' the report lists it and nothing is written.
    const bad = cmccLines('201804', 5_000);
    bad[4_500] = `${iccid(4_500)},${msisdn(4_500)},201804,套餐月功能费,-30.00,,,,31`;
    const refused = await importStatement(em(), ACTOR, {
      carrier: 'cmcc',
      month: '2018-04',
      file: gbkCsv('cmcc-2018-04-bad.csv', bad),
    });
    expect(refused).toMatchObject({ applied: false, statementId: null, replaced: null, lines: 4_999 });
    expect(refused.errors.map((e) => [e.row, e.field, e.rule])).toEqual([
      [4_501, 'amount', 'NEGATIVE_AMOUNT'],
    ]);

    // Lines that do not tie out: TOTALS_MISMATCH after every line was streamed into the table.
    const off = cmccLines('201804', 5_000);
    off[off.length - 1] = '合计,,,,149999.99,,,,';
    const mismatch = await importStatement(em(), ACTOR, {
      carrier: 'cmcc',
      month: '2018-04',
      file: gbkCsv('cmcc-2018-04-off.csv', off),
    }).catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(DomainError);
    expect((mismatch as DomainError).code).toBe('TOTALS_MISMATCH');
    expect((mismatch as DomainError).details.differences).toEqual([
      { category: 'total', statedFen: 14_999_999, linesFen: 15_000_000, differenceFen: -1 },
    ]);

    expect(await statementsOf('cmcc', '2018-04')).toEqual(before.statements);
    expect(await audits()).toBe(before.audits);
    expect(await lineCount()).toBe(linesBefore);
    expect(await storedLines(first.statementId)).toHaveLength(3_000);
  });
});
