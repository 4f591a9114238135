import { createReadStream } from 'node:fs';
import ExcelJS from 'exceljs';
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
  fileError,
  fileOptions,
  nullTest,
  positionalName,
  readHead,
  readRows,
  rest,
  SAMPLE_ROWS,
  TypeSampler,
  xlsxCellValue,
} from './file-options';

/**
 * Excel workbooks (.xlsx), streamed with ExcelJS's WorkbookReader so a sheet of a million rows never sits in
 * memory. Each sheet is a stream named after it; `sheet` in the config restricts the source to one sheet.
 * Records are keyed by data row number, counted like CSV rows: after skipRows and the header, empty rows not
 * counted.
 */

export const xlsxConfig = z.strictObject({
  ...fileOptions,
  sheet: z
    .union([
      z.string().trim().min(1, { message: 'must not be empty' }),
      z.number().int({ message: 'must be a whole number' }).min(1, { message: 'must be at least 1' }),
    ])
    .optional()
    .describe('The one sheet to read, by name or 1-based position; by default every sheet is a stream'),
});

export type XlsxConfig = z.output<typeof xlsxConfig>;

/** What ExcelJS's stream reader has but does not declare. */
interface WorksheetInternals {
  name: string;
  /** The sheet's XML: a temp-file stream when the sheet came before the shared strings in the zip. */
  iterator: AsyncIterable<unknown> & { destroy?: () => void; on?: (event: 'error', f: () => void) => void };
}

interface Sheet {
  name: string;
  /** 1-based position in the workbook's tab order. */
  index: number;
  rows: () => AsyncIterable<ExcelJS.Row>;
  /** Whether leaving the rows half read is cheap (else the rest of the sheet must be read through). */
  canStopEarly: boolean;
}

interface SheetTable {
  columns: string[];
  rows: AsyncGenerator<ExcelJS.Row>;
}

function matches(sheet: Sheet, selector: string | number): boolean {
  return typeof selector === 'number' ? sheet.index === selector : sheet.name.trim() === selector;
}

function describeSelector(selector: string | number): string {
  return typeof selector === 'number' ? `sheet ${selector}` : `sheet "${selector}"`;
}

function unknownSheet(file: string, selector: string | number, sheets: Sheet[]): ConnectorError {
  const list = [...sheets].sort((a, b) => a.index - b.index).map((s) => `"${s.name}"`);
  return new ConnectorError(
    'config',
    'UNKNOWN_SHEET',
    `${file} has no ${describeSelector(selector)}; its sheets are ${list.join(', ') || '(none)'}`,
  );
}

/** Fails fast, with a useful hint, on files that are not zip archives (CSV or old .xls renamed .xlsx). */
async function assertXlsx(file: string): Promise<void> {
  await assertFile(file);
  const head = await readHead(file, 8);
  if (head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return;
  const ole = head.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]));
  const reason = ole
    ? `${file} is an Excel 97–2003 (.xls) file; save it as .xlsx (Excel Workbook) first`
    : `${file} is not an .xlsx file (it is not a zip archive); for CSV use the csv source`;
  throw new ConnectorError('config', 'NOT_XLSX', reason);
}

function xlsxError(file: string, error: unknown): unknown {
  const mapped = fileError(file, error);
  if (mapped !== error || error instanceof ConnectorError) return mapped;
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectorError('data', 'NOT_XLSX', `${file} could not be read as .xlsx: ${message}`, {
    cause: error,
  });
}

/**
 * The workbook's sheets in file order, each readable once while it is the current one. A sheet the consumer
 * does not read is skipped (its temp file closed). Closing the generator closes the file. Styles are cached
 * because ExcelJS tells date cells from numbers by their number format.
 */
async function* sheets(file: string): AsyncGenerator<Sheet> {
  const input = createReadStream(file);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  const model = () => (reader as unknown as { model?: { sheets?: { name: string }[] } }).model;
  let ordinal = 0;
  try {
    for await (const worksheet of reader) {
      ordinal++;
      const internals = worksheet as unknown as WorksheetInternals;
      const position = model()?.sheets?.findIndex((s) => s.name === internals.name) ?? -1;
      let started = false;
      yield {
        name: internals.name,
        index: position >= 0 ? position + 1 : ordinal,
        rows: () => {
          started = true;
          return worksheet;
        },
        canStopEarly: typeof internals.iterator.destroy === 'function',
      };
      if (!started) {
        // ExcelJS deletes a skipped sheet's temp file at once, while the stream's open may still be pending:
        // the ENOENT that follows concerns a file nobody reads, and would otherwise be an uncaught error.
        internals.iterator.on?.('error', () => undefined);
        internals.iterator.destroy?.();
      }
    }
    if (ordinal === 0 && !model()?.sheets) {
      throw new ConnectorError('config', 'NOT_XLSX', `${file} is a zip archive but not an Excel workbook`);
    }
  } catch (error) {
    throw xlsxError(file, error);
  } finally {
    input.destroy();
  }
}

async function* noRows(): AsyncGenerator<ExcelJS.Row> {}

const isBlank = (value: unknown) => value === null || value === undefined || value === '';

/** The cells of a row, index 0 for column A; blank cells are undefined. */
function cellsOf(row: ExcelJS.Row): ExcelJS.CellValue[] {
  return (row.values as ExcelJS.CellValue[]).slice(1);
}

function lastFilled(cells: readonly unknown[]): number {
  for (let i = cells.length - 1; i >= 0; i--) if (!isBlank(cells[i])) return i + 1;
  return 0;
}

/** Reads the sheet's header (or names columns after the first row); undefined when the sheet is empty. */
async function openSheet(sheet: Sheet, config: XlsxConfig): Promise<SheetTable | undefined> {
  async function* filled() {
    for await (const row of sheet.rows()) {
      if (row.number > config.skipRows && lastFilled(cellsOf(row)) > 0) yield row;
    }
  }
  const rows = filled();
  const first = await rows.next();
  if (first.done) return undefined;
  const cells = cellsOf(first.value);
  const width = lastFilled(cells);
  if (!config.headerRow) {
    const columns = Array.from({ length: width }, (_, i) => positionalName(i));
    return { columns, rows: rest(rows, { value: first.value }) };
  }
  const header = cells.slice(0, width).map((cell) => {
    const value = xlsxCellValue(cell, () => false);
    return value === null ? '' : String(value);
  });
  return { columns: columnNames(header), rows: rest(rows) };
}

function rowReader(config: XlsxConfig, columns: readonly string[]): (row: ExcelJS.Row, n: number) => DataRow {
  const isNull = nullTest(config.nullValues);
  const width = columns.length;
  return (row, n) => {
    const cells = cellsOf(row);
    const data: Record<string, unknown> = {};
    for (let i = 0; i < width; i++) data[columns[i]] = xlsxCellValue(cells[i], isNull);
    let last = 0;
    for (let i = width; i < cells.length; i++) {
      const value = xlsxCellValue(cells[i], isNull);
      if (value === null) continue;
      data[positionalName(i)] = value;
      last = i + 1;
    }
    // Fewer cells than the header is normal in XLSX (blank cells are not stored); only values past it are odd.
    if (last === 0) return { data };
    return { data, error: `row ${n} has ${last} columns, header has ${width}` };
  };
}

async function check(config: XlsxConfig): Promise<CheckResult> {
  return checked(async () => {
    await assertXlsx(config.path);
    const selector = config.sheet ?? 1;
    const seen: Sheet[] = [];
    for await (const sheet of sheets(config.path)) {
      seen.push(sheet);
      if (!matches(sheet, selector)) continue;
      const table = await openSheet(sheet, config);
      if (!table) {
        const where = config.skipRows ? ` after skipping ${config.skipRows} rows` : '';
        return {
          ok: false,
          code: 'NO_HEADER',
          reason: `sheet "${sheet.name}" of ${config.path} has no rows${where}`,
        };
      }
      await table.rows.return(undefined);
      return { ok: true };
    }
    throw unknownSheet(config.path, selector, seen);
  });
}

async function discover(config: XlsxConfig): Promise<Catalog> {
  await assertXlsx(config.path);
  const streams: (Catalog['streams'][number] & { index: number })[] = [];
  const seen: Sheet[] = [];
  for await (const sheet of sheets(config.path)) {
    seen.push(sheet);
    if (config.sheet !== undefined && !matches(sheet, config.sheet)) continue;
    const table = await openSheet(sheet, config);
    const sampler = new TypeSampler(table?.columns ?? [], config);
    if (table) {
      const toRow = rowReader(config, table.columns);
      let n = 0;
      for await (const row of table.rows) {
        if (++n <= SAMPLE_ROWS) {
          const { data, error } = toRow(row, n);
          if (!error) sampler.add(data);
        } else if (sheet.canStopEarly) {
          break;
        }
      }
    }
    const fields = sampler.fieldSpecs();
    streams.push({
      name: sheet.name,
      index: sheet.index,
      fields,
      cursorCandidates: cursorCandidates(fields),
      primaryKey: [],
      supportsIncremental: true,
    });
  }
  if (config.sheet !== undefined && streams.length === 0) throw unknownSheet(config.path, config.sheet, seen);
  return { streams: streams.sort((a, b) => a.index - b.index).map(({ index: _index, ...stream }) => stream) };
}

async function* read(config: XlsxConfig, request: ReadRequest): AsyncGenerator<SourceRecord> {
  assertRequest(request);
  if (request.signal?.aborted) return;
  await assertXlsx(config.path);
  const seen: Sheet[] = [];
  let found = false;
  for await (const sheet of sheets(config.path)) {
    seen.push(sheet);
    if (found || sheet.name !== request.stream) continue;
    if (config.sheet !== undefined && !matches(sheet, config.sheet)) {
      throw new ConnectorError(
        'config',
        'UNKNOWN_STREAM',
        `this source reads ${describeSelector(config.sheet)} of ${config.path} only, not "${request.stream}"`,
      );
    }
    found = true;
    const table = await openSheet(sheet, config);
    const columns = table?.columns ?? [];
    yield* readRows(table?.rows ?? noRows(), rowReader(config, columns), request, columns);
    if (request.signal?.aborted) return;
    // The loop goes on to skip the remaining sheets, which deletes the temp files ExcelJS made for them.
  }
  if (!found) throw unknownSheet(config.path, request.stream, seen);
}

export const xlsxSource: Source<XlsxConfig> = {
  type: 'xlsx',
  title: 'Excel workbook (.xlsx)',
  config: xlsxConfig,
  secrets: [],
  check,
  discover,
  read,
};
