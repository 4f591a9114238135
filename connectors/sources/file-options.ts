import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { CellValue } from 'exceljs';
import { z } from 'zod';
import {
  type CheckResult,
  ConnectorError,
  compareCursor,
  type FieldSpec,
  type FieldType,
  type ReadRequest,
  type SourceRecord,
  type StreamState,
} from '../protocol';

/**
 * What the file sources (CSV, XLSX) share: the config fields a department's export needs described, how a
 * cell becomes a record value, how discover guesses field types, and the one read loop that numbers rows,
 * resumes, filters incremental reads and writes the state. The sources themselves only turn bytes into rows.
 */

export const DEFAULT_NULL_VALUES = ['', 'NULL', 'null', '\\N', '无', '-'];
export const DEFAULT_TRUE_VALUES = ['true', '是', 'Y', '1'];
export const DEFAULT_FALSE_VALUES = ['false', '否', 'N', '0'];
/** Discover guesses types from this many data rows; check looks at as many for bad encoding or rows. */
export const SAMPLE_ROWS = 1000;

const stringList = (fallback: string[], description: string) =>
  z
    .array(z.string())
    .default(() => [...fallback])
    .describe(description);

/** Config fields every file source has; spread into the source's own `z.strictObject`. */
export const fileOptions = {
  path: z
    .string()
    .trim()
    .min(1, { message: 'is required' })
    .refine((p) => path.isAbsolute(p), { message: 'must be an absolute path' })
    .describe('Absolute path of the file on the hub machine'),
  headerRow: z
    .boolean()
    .default(true)
    .describe(
      'Whether the first row (after skipRows) names the columns; without it they are column_1, column_2…',
    ),
  skipRows: z
    .number()
    .int({ message: 'must be a whole number' })
    .min(0, { message: 'must be at least 0' })
    .default(0)
    .describe('Rows to skip before the header (titles above the table)'),
  nullValues: stringList(DEFAULT_NULL_VALUES, 'Spellings of "no value"; such cells are read as null'),
  trueValues: stringList(DEFAULT_TRUE_VALUES, 'Spellings of true (only for guessing field types)'),
  falseValues: stringList(DEFAULT_FALSE_VALUES, 'Spellings of false (only for guessing field types)'),
};

export const ENCODINGS = ['utf-8', 'gbk', 'gb18030'] as const;
export type FileEncoding = (typeof ENCODINGS)[number];

export const encodingOption = z
  .enum(ENCODINGS, { message: `must be one of ${ENCODINGS.join(', ')}` })
  .default('utf-8')
  .describe('Text encoding: utf-8 (a BOM is dropped), or gbk / gb18030 as most government systems write');

export interface FileOptions {
  path: string;
  headerRow: boolean;
  skipRows: number;
  nullValues: string[];
  trueValues: string[];
  falseValues: string[];
}

// --- the file itself -------------------------------------------------------------------------------------

/** Throws the config error a person can act on when the file is not there (checked before streaming). */
export async function assertFile(file: string): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
  } catch (error) {
    throw fileError(file, error);
  }
  if (!info.isFile()) throw new ConnectorError('config', 'NOT_A_FILE', `${file} is not a file`);
}

/** Maps a file-system error to a ConnectorError; anything unexpected is passed on untouched. */
export function fileError(file: string, error: unknown): unknown {
  if (error instanceof ConnectorError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT')
    return new ConnectorError('config', 'FILE_NOT_FOUND', `no file at ${file}`, { cause: error });
  if (code === 'EACCES' || code === 'EPERM') {
    return new ConnectorError('config', 'FILE_UNREADABLE', `the hub may not read ${file}`, { cause: error });
  }
  if (code === 'EISDIR')
    return new ConnectorError('config', 'NOT_A_FILE', `${file} is not a file`, { cause: error });
  return error;
}

/** The first bytes of a file, for sniffing its format or encoding without streaming all of it. */
export async function readHead(file: string, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of createReadStream(file, { start: 0, end: bytes - 1 })) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  return Buffer.concat(chunks, length);
}

/** Runs a check body, turning the ConnectorErrors it throws into a failed result. */
export async function checked(body: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof ConnectorError) return { ok: false, code: error.code, reason: error.message };
    throw error;
  }
}

// --- columns and values ----------------------------------------------------------------------------------

/**
 * Field names from a header row: trimmed, blank ones named by position (column_3) and repeats numbered
 * (地址, 地址_2), so every column of the file has a distinct name the mapping can use.
 */
export function columnNames(cells: readonly unknown[]): string[] {
  const seen = new Set<string>();
  return cells.map((cell, i) => {
    const text =
      cell === null || cell === undefined
        ? ''
        : String(cell)
            .replace(/^\uFEFF/, '')
            .trim();
    const base = text || positionalName(i);
    let name = base;
    for (let n = 2; seen.has(name); n++) name = `${base}_${n}`;
    seen.add(name);
    return name;
  });
}

/** The name of a column without a header (0-based index in, 1-based name out). */
export function positionalName(index: number): string {
  return `column_${index + 1}`;
}

/** Whether a string is one of the configured "no value" spellings (surrounding blanks ignored). */
export function nullTest(nullValues: readonly string[]): (text: string) => boolean {
  const spellings = new Set(nullValues);
  return (text) => spellings.has(text) || spellings.has(text.trim());
}

/** A date cell as the ISO text records carry: the day alone when there is no time of day. */
export function isoOfDate(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

/**
 * An XLSX cell as a record value. Dates become ISO text (ExcelJS builds them in UTC from the serial number,
 * so the UTC fields are the ones the sheet shows), numbers stay numbers, rich text and hyperlinks become
 * their text, formulas their cached result, error cells their code (#N/A) so validation can see them.
 */
export function xlsxCellValue(value: CellValue, isNull: (text: string) => boolean): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return isNull(value) ? null : value;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return isoOfDate(value);
  if ('richText' in value) return xlsxCellValue(value.richText.map((r) => r.text ?? '').join(''), isNull);
  if ('formula' in value || 'sharedFormula' in value) {
    return xlsxCellValue((value.result ?? null) as CellValue, isNull);
  }
  if ('hyperlink' in value) return xlsxCellValue(value.text, isNull);
  if ('error' in value) return value.error;
  return String(value);
}

// --- type guessing ---------------------------------------------------------------------------------------

const INTEGER = /^-?(?:0|[1-9]\d*)$/;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$/;
const DATE = /^(\d{4})([-/])(\d{1,2})\2(\d{1,2})$/;
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;
const DATETIME =
  /^(\d{4})([-/])(\d{1,2})\2(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** The number a text spells, unless converting would lose digits (ID numbers) or leading zeros (codes). */
function numericText(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const n = Number(text);
  if (INTEGER.test(text)) return Number.isSafeInteger(n) ? n : undefined;
  return Number.isFinite(n) ? n : undefined;
}

const pad = (n: string) => n.padStart(2, '0');

function validDay(year: string, month: string, day: string): boolean {
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** 'YYYY-MM-DD' for the date spellings the exports use (2024-01-05, 2024/1/5, 20240105), else undefined. */
export function isoDate(text: string): string | undefined {
  const m = DATE.exec(text) ?? COMPACT_DATE.exec(text);
  if (!m) return undefined;
  const [year, month, day] = m.length === 5 ? [m[1], m[3], m[4]] : [m[1], m[2], m[3]];
  return validDay(year, month, day) ? `${year}-${pad(month)}-${pad(day)}` : undefined;
}

/** 'YYYY-MM-DDTHH:MM:SS[.fff][zone]' for a date with a time of day, else undefined. */
export function isoDateTime(text: string): string | undefined {
  const m = DATETIME.exec(text);
  if (!m) return undefined;
  const [, year, , month, day, hour, minute, second = '00', fraction = '', zone = ''] = m;
  if (!validDay(year, month, day) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59)
    return undefined;
  return `${year}-${pad(month)}-${pad(day)}T${pad(hour)}:${minute}:${second}${fraction}${zone}`;
}

type Guess = Exclude<FieldType, 'string' | 'unknown'>;
const GUESSES: readonly Guess[] = ['date', 'integer', 'number', 'boolean', 'datetime'];

/**
 * Guesses field types from sample rows: a field gets the narrowest type every non-null value fits, else
 * string (unknown when the sample has no value at all). Ties are settled in this order: date (20240105 is
 * a date before it is a number), integer, number, boolean (so a column of 0 and 1 stays integer; 是/否 or
 * Y/N make it boolean), datetime (a mix of dates and date-times). Integers beyond 2^53 (ID numbers) and
 * numbers with leading zeros (codes) are strings: turning them into numbers would lose digits.
 */
export class TypeSampler {
  private readonly possible = new Map<string, Set<Guess>>();
  private readonly seen = new Set<string>();
  private readonly hasTime = new Set<string>();
  private readonly booleans: Set<string>;

  constructor(
    private readonly fields: readonly string[],
    options: Pick<FileOptions, 'trueValues' | 'falseValues'>,
  ) {
    for (const f of fields) this.possible.set(f, new Set(GUESSES));
    this.booleans = new Set([...options.trueValues, ...options.falseValues].map((v) => v.toLowerCase()));
  }

  add(data: Record<string, unknown>): void {
    for (const field of this.fields) {
      const value = data[field];
      if (value === null || value === undefined) continue;
      this.seen.add(field);
      const possible = this.possible.get(field)!;
      if (possible.size === 0) continue;
      for (const guess of possible) if (!this.fits(field, value, guess)) possible.delete(guess);
    }
  }

  private fits(field: string, value: unknown, guess: Guess): boolean {
    if (typeof value === 'number') {
      if (guess === 'integer') return Number.isSafeInteger(value);
      return guess === 'number' && Number.isFinite(value);
    }
    if (typeof value === 'boolean') return guess === 'boolean';
    if (typeof value !== 'string') return false;
    const text = value.trim();
    switch (guess) {
      case 'integer':
        return INTEGER.test(text) && Number.isSafeInteger(Number(text));
      case 'number':
        return numericText(text) !== undefined;
      case 'boolean':
        return this.booleans.has(text.toLowerCase());
      case 'date':
        return isoDate(text) !== undefined;
      case 'datetime':
        if (isoDateTime(text) !== undefined) {
          this.hasTime.add(field);
          return true;
        }
        return isoDate(text) !== undefined;
    }
  }

  fieldSpecs(): FieldSpec[] {
    return this.fields.map((name) => {
      if (!this.seen.has(name)) return { name, type: 'unknown' };
      const possible = this.possible.get(name)!;
      const type = GUESSES.find((g) => possible.has(g) && (g !== 'datetime' || this.hasTime.has(name)));
      return { name, type: type ?? 'string' };
    });
  }
}

const CURSOR_TYPES = new Set<FieldType>(['integer', 'number', 'date', 'datetime']);

/** Fields a file's incremental reads may use as cursor. */
export function cursorCandidates(fields: readonly FieldSpec[]): string[] {
  return fields.filter((f) => CURSOR_TYPES.has(f.type)).map((f) => f.name);
}

/**
 * A record value as an incremental cursor. File values are text, and text compares wrongly for numbers
 * ('9' > '10') and for unpadded dates ('2024/1/5' > '2024/10/1'), so numeric text becomes a number and date
 * spellings become ISO text before `compareCursor` sees them; the state stores the converted value.
 */
export function cursorValue(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  const text = value.trim();
  return numericText(text) ?? isoDateTime(text) ?? isoDate(text) ?? value;
}

// --- the read loop -----------------------------------------------------------------------------------------

/**
 * One data row of a file, as a source hands it to `readRows`. A row whose shape does not fit the header
 * (a CSV line with too many or too few columns, an XLSX cell right of the last header) carries `error`; it is
 * still read, with the columns it has, and `readRows` puts the reason in the record's `__error` field.
 */
export interface DataRow {
  data: Record<string, unknown>;
  error?: string;
}

/**
 * Record field that marks a row the engine must quarantine rather than load: the file could be read past it,
 * but its values cannot be trusted to be in the right columns (e.g. 'row 7 has 5 columns, header has 6').
 */
export const ROW_ERROR_FIELD = '__error';

/**
 * The state a file source writes after each record:
 *   full reads         { row }                       – the 1-based data row number, also the record key
 *   incremental reads  { row, cursor?, since? }      – cursor: the largest cursor value read so far;
 *                                                      since: the cursor this run started from
 * and, on the last record of a run, `done: true` (without `since`).
 *
 * A state without `done` is an interrupted run: the next read skips rows up to `row` and, if incremental,
 * keeps filtering by `since`, so rows after the break are not lost even when the file is not sorted by the
 * cursor. A `done` state starts over at row 1: a full read reads everything again, an incremental one reads
 * the records whose cursor is at or after `cursor` (the ones at the boundary are read again; the engine's
 * dedupe absorbs them), which also works when the department replaces the file with a new complete export.
 */
export interface FileState extends StreamState {
  row: number;
  cursor?: unknown;
  since?: unknown;
  done?: true;
}

/** Throws the request errors that need no file access (call before opening the file). */
export function assertRequest(request: ReadRequest): void {
  if (request.mode !== 'full' && request.mode !== 'incremental') {
    throw new ConnectorError(
      'config',
      'INVALID_MODE',
      `mode must be full or incremental, not ${String(request.mode)}`,
    );
  }
  if (request.mode === 'incremental' && !request.cursorField) {
    throw new ConnectorError('config', 'CURSOR_REQUIRED', 'an incremental read needs a cursorField');
  }
  const row = request.state?.row;
  if (row !== undefined && !(typeof row === 'number' && Number.isInteger(row) && row >= 0)) {
    throw new ConnectorError(
      'config',
      'INVALID_STATE',
      `state.row must be a whole number ≥ 0, not ${String(row)}`,
    );
  }
}

/**
 * Numbers the rows, skips what a resumed run has already read, applies the incremental filter and attaches
 * the state (see `FileState`). `toRow` is only called for rows that may be read, so skipping is cheap. The
 * last record is held back until the next row or the end of the file arrives, to know whether it is the last.
 * Stops without a further record once `request.signal` is aborted.
 */
export async function* readRows<Raw>(
  rows: AsyncIterable<Raw>,
  toRow: (raw: Raw, row: number) => DataRow,
  request: ReadRequest,
  fields: readonly string[],
): AsyncGenerator<SourceRecord> {
  assertRequest(request);
  const state = request.state ?? {};
  const resuming = typeof state.row === 'number' && state.done !== true;
  const after = resuming ? (state.row as number) : 0;
  const cursorField = request.mode === 'incremental' ? request.cursorField! : undefined;
  if (cursorField !== undefined && !fields.includes(cursorField)) {
    throw new ConnectorError(
      'config',
      'UNKNOWN_FIELD',
      `cursor field "${cursorField}" is not a column of ${request.stream}; its columns are ${fields.join(', ')}`,
    );
  }
  const since = resuming ? state.since : state.cursor;
  let max = state.cursor;

  let n = 0;
  let pending: SourceRecord | undefined;
  for await (const raw of rows) {
    if (request.signal?.aborted) return;
    n++;
    if (n <= after) continue;
    const { data, error } = toRow(raw, n);
    const next: FileState = { row: n };
    if (cursorField !== undefined) {
      // A short row without the cursor column cannot be placed; it is read so it reaches quarantine.
      const present = cursorField in data;
      const value = present ? cursorValue(data[cursorField]) : undefined;
      if (present && since !== undefined && since !== null && compareCursor(value, since) < 0) continue;
      // A broken row's values may sit in the wrong columns: it never moves the cursor.
      if (
        !error &&
        value !== null &&
        value !== undefined &&
        (max === undefined || compareCursor(value, max) > 0)
      ) {
        max = value;
      }
      if (max !== undefined && max !== null) next.cursor = max;
      if (since !== undefined && since !== null) next.since = since;
    }
    if (pending) yield pending;
    if (request.signal?.aborted) return;
    pending = { key: String(n), data: error ? { ...data, [ROW_ERROR_FIELD]: error } : data, state: next };
  }
  if (pending && !request.signal?.aborted) {
    const { since: _since, ...last } = pending.state;
    yield { ...pending, state: { ...last, done: true } };
  }
}

/** An iterator's remaining items as an iterable, optionally with one item put back in front. */
export async function* rest<T>(iterator: AsyncIterator<T>, first?: { value: T }): AsyncGenerator<T> {
  try {
    if (first) yield first.value;
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) yield r.value;
  } finally {
    await iterator.return?.();
  }
}
