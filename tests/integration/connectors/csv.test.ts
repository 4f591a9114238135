import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectorError,
  type ReadRequest,
  type SourceRecord,
  type StreamState,
  safeCheck,
  specOf,
} from '../../../connectors/protocol';
import { type CsvConfig, csvSource } from '../../../connectors/sources/csv';

const HEADER = '公民身份号码,姓名,性别,出生日期,户籍地址,更新时间';
const PEOPLE = [
  '620725199001011234,张伟,男,1990-01-01,城关镇东街1号,2024-01-05 10:00:00',
  '62072519850315002X,李娜,女,1985-03-15,城关镇西街2号,2024-01-06 09:30:00',
  '620725197212120011,王芳,女,1972-12-12,清泉镇,2024-01-06 09:30:00',
  '620725200001010022,赵磊,男,2000-01-01,NULL,2024-01-07 08:00:00',
  '620725199912310033,刘洋,男,1999-12-31,-,2024-01-08 12:00:00',
];
const peopleText = (rows = PEOPLE) => `${[HEADER, ...rows].join('\r\n')}\r\n`;

let dir: string;
const file = (name: string) => path.join(dir, name);
const config = (raw: Record<string, unknown>): CsvConfig => csvSource.config.parse(raw);

async function readAll(cfg: CsvConfig, request: Partial<ReadRequest> = {}): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  for await (const r of csvSource.read(cfg, {
    stream: request.stream ?? streamOf(cfg),
    mode: 'full',
    ...request,
  })) {
    records.push(r);
  }
  return records;
}

function streamOf(cfg: CsvConfig): string {
  return cfg.streamName ?? path.basename(cfg.path, path.extname(cfg.path));
}

async function readError(cfg: CsvConfig, request: Partial<ReadRequest> = {}): Promise<ConnectorError> {
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

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gridhub-csv-'));
  await writeFile(file('people-utf8.csv'), `\uFEFF${peopleText()}`);
  await writeFile(file('people-gbk.csv'), iconv.encode(peopleText(), 'gbk'));
  // 䶮 (U+4DAE) is outside GBK: only a GB18030 reader gets it back.
  await writeFile(
    file('people-gb18030.csv'),
    iconv.encode(
      peopleText([...PEOPLE, '620725201001010044,王䶮,男,2010-01-01,城关镇,2024-01-09 08:00:00']),
      'gb18030',
    ),
  );
  await writeFile(
    file('semicolon.csv'),
    '编号;名称;备注\n1;"城关镇;东街";"第一行\n第二行"\n2;"他说""你好""";普通\n3;清泉镇;\n',
  );
  await writeFile(
    file('titled.csv'),
    '人口信息导出表\n导出时间：2024-01-10，单位"民政"\n姓名 , 年龄 ,备注,是否低保,人数,面积,登记日\n' +
      '张伟,30,NULL,是,1,85.5,20240105\n李娜,\\N,无,否,0,90,20240106\n王芳,-,,是,1,102.25,20240107\n',
  );
  await writeFile(file('headerless.csv'), '张伟,30\n李娜,25\n');
  await writeFile(file('ragged.csv'), 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n');
  await writeFile(file('unclosed.csv'), 'a,b\n1,"open\n2,3\n');
  await writeFile(file('empty.csv'), '');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('csv source: check', () => {
  it('accepts UTF-8 with BOM, GBK and GB18030 files declared as such', async () => {
    expect(await safeCheck(csvSource, { path: file('people-utf8.csv') })).toEqual({ ok: true });
    expect(await safeCheck(csvSource, { path: file('people-gbk.csv'), encoding: 'gbk' })).toEqual({
      ok: true,
    });
    expect(await safeCheck(csvSource, { path: file('people-gb18030.csv'), encoding: 'gb18030' })).toEqual({
      ok: true,
    });
    expect(await safeCheck(csvSource, { path: file('semicolon.csv'), delimiter: ';' })).toEqual({ ok: true });
  });

  it('names a missing file', async () => {
    const result = await safeCheck(csvSource, { path: file('nope.csv') });
    expect(result).toMatchObject({ ok: false, code: 'FILE_NOT_FOUND' });
    expect(result.ok || result.reason).toContain(file('nope.csv'));
    expect(await safeCheck(csvSource, { path: dir })).toMatchObject({ ok: false, code: 'NOT_A_FILE' });
  });

  it('tells a GBK file read as UTF-8 (and the reverse) to change the encoding', async () => {
    const gbkAsUtf8 = await safeCheck(csvSource, { path: file('people-gbk.csv') });
    expect(gbkAsUtf8).toMatchObject({ ok: false, code: 'ENCODING_MISMATCH' });
    expect(gbkAsUtf8.ok || gbkAsUtf8.reason).toMatch(/line 1 .*"gbk"/);
    const utf8AsGbk = await safeCheck(csvSource, { path: file('people-utf8.csv'), encoding: 'gbk' });
    expect(utf8AsGbk).toMatchObject({ ok: false, code: 'ENCODING_MISMATCH' });
    expect(utf8AsGbk.ok || utf8AsGbk.reason).toContain('"utf-8"');
  });

  it('rejects bad configs before touching the file', async () => {
    const bad = [
      { path: 'relative/people.csv' },
      { path: file('people-utf8.csv'), encoding: 'latin1' },
      { path: file('people-utf8.csv'), skipRows: -1 },
      { path: file('people-utf8.csv'), delimeter: ';' },
      { path: file('people-utf8.csv'), quote: '""' },
      {},
    ];
    for (const raw of bad)
      expect(await safeCheck(csvSource, raw)).toMatchObject({ ok: false, code: 'INVALID_CONFIG' });
    const spec = specOf(csvSource);
    expect(spec).toMatchObject({ type: 'csv', secrets: [] });
    expect(Object.keys((spec.config as { properties: object }).properties)).toEqual(
      expect.arrayContaining(['path', 'encoding', 'delimiter', 'nullValues', 'streamName']),
    );
  });

  it('reports an empty file, ragged rows and broken quoting with their line', async () => {
    expect(await safeCheck(csvSource, { path: file('empty.csv') })).toMatchObject({
      ok: false,
      code: 'NO_HEADER',
    });
    const ragged = await safeCheck(csvSource, { path: file('ragged.csv') });
    expect(ragged).toMatchObject({ ok: false, code: 'RAGGED_ROWS' });
    expect(ragged.ok || ragged.reason).toContain('line 3');
    expect(ragged.ok || ragged.reason).toContain('row 2 has 2 columns, header has 3');
    const unclosed = await safeCheck(csvSource, { path: file('unclosed.csv') });
    expect(unclosed).toMatchObject({ ok: false, code: 'CSV_PARSE_ERROR' });
    expect(unclosed.ok || unclosed.reason).toMatch(/line \d/);
  });
});

describe('csv source: discover', () => {
  it('describes one stream with the header fields and guessed types', async () => {
    const catalog = await csvSource.discover(config({ path: file('people-gbk.csv'), encoding: 'gbk' }));
    expect(catalog.streams).toEqual([
      {
        name: 'people-gbk',
        fields: [
          { name: '公民身份号码', type: 'string' },
          { name: '姓名', type: 'string' },
          { name: '性别', type: 'string' },
          { name: '出生日期', type: 'date' },
          { name: '户籍地址', type: 'string' },
          { name: '更新时间', type: 'datetime' },
        ],
        cursorCandidates: ['出生日期', '更新时间'],
        primaryKey: [],
        supportsIncremental: true,
      },
    ]);
    const utf8 = await csvSource.discover(config({ path: file('people-utf8.csv'), streamName: '人口' }));
    expect(utf8.streams[0].name).toBe('人口');
    expect(utf8.streams[0].fields[0].name).toBe('公民身份号码');
  });

  it('guesses integers, numbers, booleans and compact dates; skips title lines; trims header names', async () => {
    const catalog = await csvSource.discover(config({ path: file('titled.csv'), skipRows: 2 }));
    expect(catalog.streams[0].fields).toEqual([
      { name: '姓名', type: 'string' },
      { name: '年龄', type: 'integer' },
      { name: '备注', type: 'unknown' },
      { name: '是否低保', type: 'boolean' },
      { name: '人数', type: 'integer' },
      { name: '面积', type: 'number' },
      { name: '登记日', type: 'date' },
    ]);
    expect(catalog.streams[0].cursorCandidates).toEqual(['年龄', '人数', '面积', '登记日']);
  });
});

describe('csv source: read', () => {
  it('decodes GBK, GB18030 and UTF-8 with BOM to the same records, keyed by data row', async () => {
    const utf8 = await readAll(config({ path: file('people-utf8.csv') }));
    const gbk = await readAll(
      config({ path: file('people-gbk.csv'), encoding: 'gbk', streamName: 'people-utf8' }),
    );
    expect(keys(utf8)).toEqual(['1', '2', '3', '4', '5']);
    expect(utf8[0].data).toEqual({
      公民身份号码: '620725199001011234',
      姓名: '张伟',
      性别: '男',
      出生日期: '1990-01-01',
      户籍地址: '城关镇东街1号',
      更新时间: '2024-01-05 10:00:00',
    });
    expect(utf8[3].data.户籍地址).toBeNull();
    expect(utf8[4].data.户籍地址).toBeNull();
    expect(utf8.map((r) => r.state)).toEqual([
      { row: 1 },
      { row: 2 },
      { row: 3 },
      { row: 4 },
      { row: 5, done: true },
    ]);
    expect(gbk).toEqual(utf8);
    const gb18030 = await readAll(config({ path: file('people-gb18030.csv'), encoding: 'gb18030' }));
    expect(names(gb18030)).toEqual(['张伟', '李娜', '王芳', '赵磊', '刘洋', '王䶮']);
  });

  it('reads quoted fields holding the delimiter, line breaks and quotes', async () => {
    const records = await readAll(config({ path: file('semicolon.csv'), delimiter: ';' }));
    expect(records.map((r) => r.data)).toEqual([
      { 编号: '1', 名称: '城关镇;东街', 备注: '第一行\n第二行' },
      { 编号: '2', 名称: '他说"你好"', 备注: '普通' },
      { 编号: '3', 名称: '清泉镇', 备注: null },
    ]);
  });

  it('skips title lines, reads null spellings as null and keeps other values as text', async () => {
    const records = await readAll(config({ path: file('titled.csv'), skipRows: 2 }));
    expect(keys(records)).toEqual(['1', '2', '3']);
    expect(records[1].data).toEqual({
      姓名: '李娜',
      年龄: null,
      备注: null,
      是否低保: '否',
      人数: '0',
      面积: '90',
      登记日: '20240106',
    });
    const custom = await readAll(config({ path: file('titled.csv'), skipRows: 2, nullValues: ['NULL'] }));
    expect(custom[1].data).toMatchObject({ 年龄: '\\N', 备注: '无' });
  });

  it('names the columns column_1… without a header row', async () => {
    const cfg = config({ path: file('headerless.csv'), headerRow: false });
    expect((await csvSource.discover(cfg)).streams[0].fields).toEqual([
      { name: 'column_1', type: 'string' },
      { name: 'column_2', type: 'integer' },
    ]);
    const records = await readAll(cfg);
    expect(records.map((r) => [r.key, r.data])).toEqual([
      ['1', { column_1: '张伟', column_2: '30' }],
      ['2', { column_1: '李娜', column_2: '25' }],
    ]);
  });

  it('gives the same records on two full reads, and resumes after a saved row', async () => {
    const cfg = config({ path: file('people-utf8.csv') });
    const first = await readAll(cfg);
    expect(await readAll(cfg)).toEqual(first);
    const resumed = await readAll(cfg, { state: first[2].state });
    expect(keys(resumed)).toEqual(['4', '5']);
    expect(resumed).toEqual(first.slice(3));
    // A finished run's state starts the next full read over.
    expect(await readAll(cfg, { state: lastState(first) })).toEqual(first);
  });

  it('reads incrementally: only records at or after the saved cursor, carrying the largest cursor', async () => {
    await writeFile(file('incremental.csv'), peopleText());
    const cfg = config({ path: file('incremental.csv') });
    const request = { mode: 'incremental', cursorField: '更新时间' } as const;

    const first = await readAll(cfg, request);
    expect(keys(first)).toEqual(['1', '2', '3', '4', '5']);
    expect(first[2].state).toEqual({ row: 3, cursor: '2024-01-06T09:30:00' });
    expect(lastState(first)).toEqual({ row: 5, cursor: '2024-01-08T12:00:00', done: true });

    // Same file again: only the boundary record (at the cursor) comes back.
    const second = await readAll(cfg, { ...request, state: lastState(first) });
    expect(keys(second)).toEqual(['5']);
    expect(lastState(second)).toEqual(lastState(first));

    // The department appends a newer and a late, older record: only the newer one is read.
    await appendFile(
      file('incremental.csv'),
      '620725198001010055,陈静,女,1980-01-01,城关镇,2024-01-09 08:00:00\r\n',
    );
    await appendFile(
      file('incremental.csv'),
      '620725198101010066,杨帆,男,1981-01-01,城关镇,2024-01-02 08:00:00\r\n',
    );
    const third = await readAll(cfg, { ...request, state: lastState(second) });
    expect(names(third)).toEqual(['刘洋', '陈静']);
    expect(lastState(third)).toEqual({ row: 6, cursor: '2024-01-09T08:00:00', done: true });

    // A run from a cursor, interrupted after row 3, resumes after row 3 with the same lower bound.
    const fromCursor = await readAll(cfg, { ...request, state: { cursor: '2024-01-06T09:30:00' } });
    expect(names(fromCursor)).toEqual(['李娜', '王芳', '赵磊', '刘洋', '陈静']);
    const interrupted = fromCursor[1].state;
    expect(interrupted).toEqual({ row: 3, cursor: '2024-01-06T09:30:00', since: '2024-01-06T09:30:00' });
    expect(names(await readAll(cfg, { ...request, state: interrupted }))).toEqual(['赵磊', '刘洋', '陈静']);

    // A cursor in the future reads nothing.
    expect(await readAll(cfg, { ...request, state: { cursor: '2999-01-01 00:00:00' } })).toEqual([]);
    expect(
      await readAll(cfg, { ...request, state: { row: 7, cursor: '2999-01-01T00:00:00', done: true } }),
    ).toEqual([]);
  });

  it('compares numeric cursors as numbers', async () => {
    await writeFile(file('numbers.csv'), 'id,name\n9,a\n10,b\n100,c\n8,d\n');
    const cfg = config({ path: file('numbers.csv') });
    const records = await readAll(cfg, { mode: 'incremental', cursorField: 'id', state: { cursor: 9 } });
    expect(records.map((r) => r.data.name)).toEqual(['a', 'b', 'c']);
    expect(lastState(records)).toEqual({ row: 3, cursor: 100, done: true });
  });

  it('needs a known cursor field and an existing stream and file', async () => {
    const cfg = config({ path: file('people-utf8.csv') });
    expect(await readError(cfg, { mode: 'incremental' })).toMatchObject({
      kind: 'config',
      code: 'CURSOR_REQUIRED',
    });
    const unknown = await readError(cfg, { mode: 'incremental', cursorField: '修改时间' });
    expect(unknown).toMatchObject({ kind: 'config', code: 'UNKNOWN_FIELD' });
    expect(unknown.message).toContain('修改时间');
    expect(unknown.message).toContain('更新时间');
    expect(await readError(cfg, { stream: '房屋' })).toMatchObject({
      kind: 'config',
      code: 'UNKNOWN_STREAM',
    });
    const missing = await readError(config({ path: file('gone.csv') }));
    expect(missing).toMatchObject({ kind: 'config', code: 'FILE_NOT_FOUND' });
    expect(missing.message).toContain(file('gone.csv'));
    expect(await readError(config({ path: file('unclosed.csv') }))).toMatchObject({
      kind: 'data',
      code: 'CSV_PARSE_ERROR',
    });
  });

  it('reads a ragged row with the columns it has and an __error for quarantine', async () => {
    const records = await readAll(config({ path: file('ragged.csv') }));
    expect(records.map((r) => [r.key, r.data])).toEqual([
      ['1', { a: '1', b: '2', c: '3' }],
      ['2', { a: '4', b: '5', __error: 'row 2 has 2 columns, header has 3' }],
      ['3', { a: '6', b: '7', c: '8', column_4: '9', __error: 'row 3 has 4 columns, header has 3' }],
      ['4', { a: '10', b: '11', c: '12' }],
    ]);
  });

  it('streams a large file in constant memory and stops when aborted', async () => {
    const big = file('big.csv');
    const out = createWriteStream(big);
    out.write(`\uFEFF${HEADER}\n`);
    const total = 200_000;
    for (let i = 1; i <= total; i++) {
      const day = String((i % 28) + 1).padStart(2, '0');
      if (
        !out.write(
          `${620725000000000000 + i},张${i},男,1990-01-${day},城关镇${i}号,2024-01-${day} 08:00:00\n`,
        )
      ) {
        await once(out, 'drain');
      }
    }
    out.end();
    await once(out, 'finish');

    const cfg = config({ path: big });
    let count = 0;
    let last: SourceRecord | undefined;
    for await (const record of csvSource.read(cfg, { stream: 'big', mode: 'full' })) {
      count++;
      last = record;
    }
    expect(count).toBe(total);
    expect(last).toMatchObject({ key: '200000', state: { row: 200_000, done: true } });
    expect(last?.data.姓名).toBe('张200000');

    const controller = new AbortController();
    const seen: string[] = [];
    for await (const record of csvSource.read(cfg, {
      stream: 'big',
      mode: 'full',
      signal: controller.signal,
    })) {
      seen.push(record.key);
      if (seen.length === 10) controller.abort();
    }
    expect(seen).toHaveLength(10);
  });
});
