import { createReadStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { z } from 'zod';
import {
  type Catalog,
  type CheckResult,
  ConnectorError,
  type ReadRequest,
  type Source,
  type SourceRecord,
} from '../protocol';
import {
  assertFile,
  assertRequest,
  checked,
  columnNames,
  cursorCandidates,
  type DataRow,
  encodingOption,
  fileError,
  fileOptions,
  nullTest,
  positionalName,
  readHead,
  readRows,
  rest,
  SAMPLE_ROWS,
  TypeSampler,
} from './file-options';

/**
 * CSV exports (a department's 人口 or 房屋 list), streamed: file → decoder (UTF-8, GBK, GB18030) → csv-parse,
 * so a file of millions of rows is read in constant memory. One file is one stream; its records are keyed by
 * their data row number, since exports rarely have a key the source could trust.
 */

const singleCharacter = (what: string, fallback: string) =>
  z.string().length(1, { message: 'must be a single character' }).default(fallback).describe(what);

export const csvConfig = z.strictObject({
  ...fileOptions,
  encoding: encodingOption,
  delimiter: z
    .string()
    .min(1, { message: 'must not be empty' })
    .refine((d) => !/[\r\n]/.test(d), { message: 'must not contain a line break' })
    .default(',')
    .describe('Column separator: "," or ";" or "\\t" or "|"'),
  quote: singleCharacter('Character that encloses fields holding the delimiter or line breaks', '"'),
  escape: singleCharacter('Character that escapes a quote inside a quoted field ("" by default)', '"'),
  streamName: z
    .string()
    .trim()
    .min(1, { message: 'must not be empty' })
    .optional()
    .describe('Name of the stream; by default the file name without its extension'),
});

export type CsvConfig = z.output<typeof csvConfig>;

interface CsvRow {
  record: string[];
  /** Absent when the rows were parsed without line numbers (a plain read, where they cost a fifth of the parse). */
  info?: { lines: number };
}

interface CsvTable {
  columns: string[];
  headerLine?: number;
  headerCells?: string[];
  rows: AsyncGenerator<CsvRow>;
}

export function csvStreamName(config: CsvConfig): string {
  return config.streamName ?? path.basename(config.path, path.extname(config.path));
}

/** The parsed rows of the file from line skipRows + 1 on; closing the generator closes the file. */
async function* csvRows(config: CsvConfig, lineNumbers: boolean): AsyncGenerator<CsvRow> {
  const file = createReadStream(config.path);
  const parser = parse({
    delimiter: config.delimiter,
    quote: config.quote,
    escape: config.escape,
    // skipRows counts lines as a text editor shows them, so title lines need not be valid CSV.
    from_line: config.skipRows + 1,
    // Ragged rows are reported per row by readRows instead of ending the read.
    relax_column_count: true,
    // A stray quote inside an unquoted field (5'10", 12"寸) is data, not a syntax error.
    relax_quotes: true,
    skip_empty_lines: true,
    info: lineNumbers,
  });
  // The decoder drops a UTF-8 BOM; pipeline destroys every stage when one fails, so errors reach the loop.
  pipeline(file, iconv.decodeStream(config.encoding), parser, () => {});
  try {
    for await (const row of parser) yield (lineNumbers ? row : { record: row }) as CsvRow;
  } catch (error) {
    throw csvError(config.path, error);
  } finally {
    parser.destroy();
    file.destroy();
  }
}

function csvError(file: string, error: unknown): unknown {
  if (error instanceof CsvError) {
    return new ConnectorError('data', 'CSV_PARSE_ERROR', `${file} is not readable as CSV: ${error.message}`, {
      cause: error,
    });
  }
  return fileError(file, error);
}

/**
 * Opens the file and reads its header (or, without one, names the columns after the first row). Rows carry
 * their line numbers only with `lineNumbers` (the checks that report lines need them).
 */
async function openTable(config: CsvConfig, lineNumbers = true): Promise<CsvTable> {
  const rows = csvRows(config, lineNumbers);
  try {
    const first = await rows.next();
    if (first.done) {
      const where = config.skipRows ? ` after skipping ${config.skipRows} lines` : '';
      throw new ConnectorError('data', 'NO_HEADER', `${config.path} has no rows${where}`);
    }
    const { record, info } = first.value;
    if (!config.headerRow) {
      return { columns: record.map((_, i) => positionalName(i)), rows: rest(rows, { value: first.value }) };
    }
    if (record.every((cell) => cell.replace(/^\uFEFF/, '').trim() === '')) {
      if (!info) {
        // Read again with line numbers, to name the header's line.
        await rows.return(undefined);
        return await openTable(config, true);
      }
      throw new ConnectorError(
        'data',
        'NO_HEADER',
        `line ${info.lines} of ${config.path} has no column names`,
      );
    }
    return { columns: columnNames(record), headerLine: info?.lines, headerCells: record, rows: rest(rows) };
  } catch (error) {
    await rows.return(undefined);
    throw error;
  }
}

function rowReader(config: CsvConfig, columns: readonly string[]): (raw: CsvRow, row: number) => DataRow {
  const isNull = nullTest(config.nullValues);
  const width = columns.length;
  return ({ record }, row) => {
    const data: Record<string, unknown> = {};
    for (let i = 0; i < record.length; i++) {
      const cell = record[i];
      data[i < width ? columns[i] : positionalName(i)] = isNull(cell) ? null : cell;
    }
    if (record.length === width) return { data };
    return { data, error: `row ${row} has ${record.length} columns, header has ${width}` };
  };
}

const REPLACEMENT = '\uFFFD';

function encodingMismatch(config: CsvConfig, line: number): ConnectorError {
  const hint =
    config.encoding === 'utf-8'
      ? 'it is probably GBK: set encoding to "gbk" (or "gb18030")'
      : config.encoding === 'gbk'
        ? 'set encoding to "gb18030" (a superset of GBK) or "utf-8"'
        : 'check the encoding the file was saved in';
  return new ConnectorError(
    'config',
    'ENCODING_MISMATCH',
    `line ${line} of ${config.path} is not valid ${config.encoding.toUpperCase()}; ${hint}`,
  );
}

/** A file declared GBK that is valid UTF-8 (with some non-ASCII text) decodes without errors, as mojibake. */
async function assertNotUtf8(config: CsvConfig): Promise<void> {
  if (config.encoding === 'utf-8') return;
  const head = await readHead(config.path, 64 * 1024);
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  if (!bom && !head.some((b) => b >= 0x80)) return;
  try {
    // `stream: true` tolerates a character cut in two at the end of the sample.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    return;
  }
  throw new ConnectorError(
    'config',
    'ENCODING_MISMATCH',
    `${config.path} is declared ${config.encoding.toUpperCase()} but is UTF-8 text; set encoding to "utf-8"`,
  );
}

async function check(config: CsvConfig): Promise<CheckResult> {
  return checked(async () => {
    await assertFile(config.path);
    await assertNotUtf8(config);
    const table = await openTable(config);
    try {
      if (table.headerCells?.some((cell) => cell.includes(REPLACEMENT))) {
        throw encodingMismatch(config, table.headerLine!);
      }
      const width = table.columns.length;
      let row = 0;
      for await (const { record, info } of table.rows) {
        row++;
        const line = info!.lines; // opened with line numbers
        if (record.some((cell) => cell.includes(REPLACEMENT))) throw encodingMismatch(config, line);
        if (record.length !== width) {
          const reason =
            `line ${line} of ${config.path}: row ${row} has ${record.length} columns, header has ${width}` +
            ` (check the delimiter "${config.delimiter}" and the quoting; such rows are quarantined when read)`;
          return { ok: false, code: 'RAGGED_ROWS', reason };
        }
        if (row >= SAMPLE_ROWS) break;
      }
    } finally {
      await table.rows.return(undefined);
    }
    return { ok: true };
  });
}

async function discover(config: CsvConfig): Promise<Catalog> {
  await assertFile(config.path);
  const table = await openTable(config);
  const sampler = new TypeSampler(table.columns, config);
  const toRow = rowReader(config, table.columns);
  try {
    let row = 0;
    for await (const raw of table.rows) {
      const { data, error } = toRow(raw, ++row);
      if (!error) sampler.add(data);
      if (row >= SAMPLE_ROWS) break;
    }
  } finally {
    await table.rows.return(undefined);
  }
  const fields = sampler.fieldSpecs();
  return {
    streams: [
      {
        name: csvStreamName(config),
        fields,
        cursorCandidates: cursorCandidates(fields),
        primaryKey: [],
        supportsIncremental: true,
      },
    ],
  };
}

async function* read(config: CsvConfig, request: ReadRequest): AsyncGenerator<SourceRecord> {
  assertRequest(request);
  const name = csvStreamName(config);
  if (request.stream !== name) {
    throw new ConnectorError(
      'config',
      'UNKNOWN_STREAM',
      `no stream "${request.stream}"; this file's stream is "${name}"`,
    );
  }
  if (request.signal?.aborted) return;
  await assertFile(config.path);
  const table = await openTable(config, false);
  try {
    yield* readRows(table.rows, rowReader(config, table.columns), request, table.columns);
  } finally {
    await table.rows.return(undefined);
  }
}

export const csvSource: Source<CsvConfig> = {
  type: 'csv',
  title: 'CSV file',
  config: csvConfig,
  secrets: [],
  check,
  discover,
  read,
};
