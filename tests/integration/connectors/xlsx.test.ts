import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectorError,
  type ReadRequest,
  type SourceRecord,
  type StreamState,
  safeCheck,
} from '../../../connectors/protocol';
import { type XlsxConfig, xlsxSource } from '../../../connectors/sources/xlsx';

const day = (y: number, m: number, d: number, h = 0, min = 0) => new Date(Date.UTC(y, m - 1, d, h, min));

let dir: string;
const file = (name: string) => path.join(dir, name);
const config = (raw: Record<string, unknown>): XlsxConfig => xlsxSource.config.parse(raw);

async function readAll(cfg: XlsxConfig, request: Partial<ReadRequest> = {}): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  for await (const r of xlsxSource.read(cfg, { stream: '人口', mode: 'full', ...request })) records.push(r);
  return records;
}

async function readError(cfg: XlsxConfig, request: Partial<ReadRequest> = {}): Promise<ConnectorError> {
  const error = await readAll(cfg, request).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

const keys = (records: SourceRecord[]) => records.map((r) => r.key);
const names = (records: SourceRecord[]) => records.map((r) => r.data.姓名);
const lastState = (records: SourceRecord[]): StreamState => records[records.length - 1].state;

/** Two sheets under a title row: people (dates, numbers, rich text, a formula, null spellings) and houses. */
async function writeCounty(target: string): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  const people = workbook.addWorksheet('人口');
  people.addRow(['城关镇人口信息表']);
  people.addRow(['公民身份号码', ' 姓名 ', '出生日期', '年龄', '更新时间', '户籍地址']);
  people.addRow(['620725199001011234', '张伟', day(1990, 1, 1), 34, day(2024, 1, 5, 10), '城关镇东街1号']);
  people.addRow([
    '62072519850315002X',
    '李娜',
    day(1985, 3, 15),
    { formula: '2024-1985', result: 39 },
    day(2024, 1, 6, 9, 30),
    { richText: [{ text: '城关镇' }, { text: '西街2号', font: { bold: true } }] },
  ]);
  people.addRow([]);
  people.addRow(['620725197212120011', '王芳', day(1972, 12, 12), 51, day(2024, 1, 6, 9, 30), '-']);
  people.addRow([
    '620725200001010022',
    '赵磊',
    day(2000, 1, 1),
    24,
    day(2024, 1, 8, 12),
    'NULL',
    null,
    '多出来',
  ]);
  const houses = workbook.addWorksheet('房屋');
  houses.addRow(['城关镇房屋信息表']);
  houses.addRow(['房屋编号', '地址', '面积', '登记日期']);
  houses.addRow(['F001', '城关镇东街1号', 85.5, day(2020, 6, 1)]);
  houses.addRow(['F002', '清泉镇', 120, day(2021, 7, 2)]);
  await workbook.xlsx.writeFile(target);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gridhub-xlsx-'));
  await writeCounty(file('county.xlsx'));
  const plain = new ExcelJS.Workbook();
  const sheet = plain.addWorksheet('名单');
  sheet.addRow(['张伟', 30]);
  sheet.addRow(['李娜', 25]);
  await plain.xlsx.writeFile(file('headerless.xlsx'));
  await writeFile(file('renamed.xlsx'), '公民身份号码,姓名\n620725199001011234,张伟\n');
  await writeFile(file('old.xlsx'), Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('xlsx source: check', () => {
  it('accepts the first sheet by default, or a sheet by name or position', async () => {
    const base = { path: file('county.xlsx'), skipRows: 1 };
    expect(await safeCheck(xlsxSource, base)).toEqual({ ok: true });
    expect(await safeCheck(xlsxSource, { ...base, sheet: '房屋' })).toEqual({ ok: true });
    expect(await safeCheck(xlsxSource, { ...base, sheet: 2 })).toEqual({ ok: true });
  });

  it('lists the sheets when the one asked for is missing', async () => {
    for (const sheet of ['户籍', 3]) {
      const result = await safeCheck(xlsxSource, { path: file('county.xlsx'), sheet });
      expect(result).toMatchObject({ ok: false, code: 'UNKNOWN_SHEET' });
      expect(result.ok || result.reason).toContain('"人口", "房屋"');
    }
  });

  it('names a missing file and recognises files that are not .xlsx', async () => {
    const missing = await safeCheck(xlsxSource, { path: file('nope.xlsx') });
    expect(missing).toMatchObject({ ok: false, code: 'FILE_NOT_FOUND' });
    expect(missing.ok || missing.reason).toContain(file('nope.xlsx'));
    expect(await safeCheck(xlsxSource, { path: file('renamed.xlsx') })).toMatchObject({
      ok: false,
      code: 'NOT_XLSX',
    });
    const old = await safeCheck(xlsxSource, { path: file('old.xlsx') });
    expect(old).toMatchObject({ ok: false, code: 'NOT_XLSX' });
    expect(old.ok || old.reason).toContain('.xls');
  });

  it('rejects bad configs', async () => {
    const bad = [
      { path: 'county.xlsx' },
      { path: file('county.xlsx'), sheet: 0 },
      { path: file('county.xlsx'), sheet: '' },
      { path: file('county.xlsx'), encoding: 'gbk' },
    ];
    for (const raw of bad) {
      expect(await safeCheck(xlsxSource, raw)).toMatchObject({ ok: false, code: 'INVALID_CONFIG' });
    }
  });
});

describe('xlsx source: discover', () => {
  it('describes one stream per sheet with guessed types', async () => {
    const catalog = await xlsxSource.discover(config({ path: file('county.xlsx'), skipRows: 1 }));
    expect(catalog.streams.map((s) => s.name)).toEqual(['人口', '房屋']);
    const [people, houses] = catalog.streams;
    expect(people).toEqual({
      name: '人口',
      fields: [
        { name: '公民身份号码', type: 'string' },
        { name: '姓名', type: 'string' },
        { name: '出生日期', type: 'date' },
        { name: '年龄', type: 'integer' },
        { name: '更新时间', type: 'datetime' },
        { name: '户籍地址', type: 'string' },
      ],
      cursorCandidates: ['出生日期', '年龄', '更新时间'],
      primaryKey: [],
      supportsIncremental: true,
    });
    expect(houses.fields).toEqual([
      { name: '房屋编号', type: 'string' },
      { name: '地址', type: 'string' },
      { name: '面积', type: 'number' },
      { name: '登记日期', type: 'date' },
    ]);
    const one = await xlsxSource.discover(config({ path: file('county.xlsx'), skipRows: 1, sheet: '房屋' }));
    expect(one.streams.map((s) => s.name)).toEqual(['房屋']);
  });
});

describe('xlsx source: read', () => {
  const cfg = () => config({ path: file('county.xlsx'), skipRows: 1 });

  it('converts cells: dates to ISO text, numbers, formula results, rich text, null spellings', async () => {
    const records = await readAll(cfg());
    expect(keys(records)).toEqual(['1', '2', '3', '4']);
    expect(records[0].data).toEqual({
      公民身份号码: '620725199001011234',
      姓名: '张伟',
      出生日期: '1990-01-01',
      年龄: 34,
      更新时间: '2024-01-05T10:00:00.000Z',
      户籍地址: '城关镇东街1号',
    });
    expect(records[1].data).toMatchObject({ 年龄: 39, 户籍地址: '城关镇西街2号' });
    expect(records[2].data.户籍地址).toBeNull();
    expect(records.map((r) => r.state)).toEqual([{ row: 1 }, { row: 2 }, { row: 3 }, { row: 4, done: true }]);
    const houses = await readAll(cfg(), { stream: '房屋' });
    expect(houses.map((r) => r.data)).toEqual([
      { 房屋编号: 'F001', 地址: '城关镇东街1号', 面积: 85.5, 登记日期: '2020-06-01' },
      { 房屋编号: 'F002', 地址: '清泉镇', 面积: 120, 登记日期: '2021-07-02' },
    ]);
  });

  it('flags a value right of the header with __error and reads on', async () => {
    const records = await readAll(cfg());
    expect(records[3].data).toEqual({
      公民身份号码: '620725200001010022',
      姓名: '赵磊',
      出生日期: '2000-01-01',
      年龄: 24,
      更新时间: '2024-01-08T12:00:00.000Z',
      户籍地址: null,
      column_8: '多出来',
      __error: 'row 4 has 8 columns, header has 6',
    });
  });

  it('names the columns column_1… without a header row', async () => {
    const records = await readAll(config({ path: file('headerless.xlsx'), headerRow: false }), {
      stream: '名单',
    });
    expect(records.map((r) => [r.key, r.data])).toEqual([
      ['1', { column_1: '张伟', column_2: 30 }],
      ['2', { column_1: '李娜', column_2: 25 }],
    ]);
  });

  it('gives the same records twice and resumes after a saved row', async () => {
    const first = await readAll(cfg());
    expect(await readAll(cfg())).toEqual(first);
    expect(await readAll(cfg(), { state: first[1].state })).toEqual(first.slice(2));
    expect(await readAll(cfg(), { state: lastState(first) })).toEqual(first);
  });

  it('reads incrementally from the saved cursor; a future cursor reads nothing', async () => {
    const request = { mode: 'incremental', cursorField: '更新时间' } as const;
    const first = await readAll(cfg(), request);
    expect(lastState(first)).toEqual({ row: 4, cursor: '2024-01-06T09:30:00.000Z', done: true });
    const second = await readAll(cfg(), { ...request, state: lastState(first) });
    // 赵磊's row is broken (it never moves the cursor), so it is read again: the engine quarantines it.
    expect(names(second)).toEqual(['李娜', '王芳', '赵磊']);
    expect(lastState(second)).toEqual(lastState(first));
    const byAge = await readAll(cfg(), { mode: 'incremental', cursorField: '年龄', state: { cursor: 39 } });
    expect(names(byAge)).toEqual(['李娜', '王芳']);
    expect(await readAll(cfg(), { ...request, state: { cursor: '2999-01-01T00:00:00.000Z' } })).toEqual([]);
  });

  it('refuses unknown sheets, streams outside the configured sheet and unknown cursor fields', async () => {
    const unknownSheet = await readError(cfg(), { stream: '户籍' });
    expect(unknownSheet).toMatchObject({ kind: 'config', code: 'UNKNOWN_SHEET' });
    expect(unknownSheet.message).toContain('"人口", "房屋"');
    expect(
      await readError(config({ path: file('county.xlsx'), sheet: 1 }), { stream: '房屋' }),
    ).toMatchObject({
      code: 'UNKNOWN_STREAM',
    });
    expect(await readError(cfg(), { mode: 'incremental' })).toMatchObject({ code: 'CURSOR_REQUIRED' });
    const field = await readError(cfg(), { mode: 'incremental', cursorField: '修改时间' });
    expect(field).toMatchObject({ code: 'UNKNOWN_FIELD' });
    expect(field.message).toContain('更新时间');
    expect(await readError(config({ path: file('renamed.xlsx') }))).toMatchObject({ code: 'NOT_XLSX' });
  });

  it('streams a large sheet written by the streaming writer', async () => {
    const big = file('big.xlsx');
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({
      filename: big,
      useSharedStrings: true,
      useStyles: true,
    });
    const cover = writer.addWorksheet('说明');
    cover.addRow(['数据说明']).commit();
    cover.commit();
    const sheet = writer.addWorksheet('人口');
    sheet.addRow(['公民身份号码', '姓名', '出生日期', '年龄']).commit();
    const total = 50_000;
    for (let i = 1; i <= total; i++) {
      sheet.addRow([String(620725000000000000 + i), `张${i}`, day(1990, 1, (i % 28) + 1), i % 90]).commit();
    }
    sheet.commit();
    await writer.commit();

    const bigCfg = config({ path: big, sheet: '人口' });
    expect(await safeCheck(xlsxSource, { path: big, sheet: 2 })).toEqual({ ok: true });
    let count = 0;
    let last: SourceRecord | undefined;
    for await (const record of xlsxSource.read(bigCfg, { stream: '人口', mode: 'full' })) {
      count++;
      last = record;
    }
    expect(count).toBe(total);
    expect(last).toMatchObject({ key: '50000', state: { row: 50_000, done: true } });
    expect(last?.data).toEqual({
      公民身份号码: '620725000000050000',
      姓名: '张50000',
      出生日期: '1990-01-21',
      年龄: 50,
    });
  });
});
