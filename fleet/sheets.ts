import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { DomainError } from '../schema/runtime/errors';
import { CsvRecordReader } from './csv-records';
import type { Raw } from './validate';

/**
 * The spreadsheets the IT office and finance hand in (inventory sheets, carrier statements): CSV in UTF-8 or
 * GBK/GB18030 (detected), or XLSX; cells come back as shown (rich text, hyperlinks and formulas as their
 * value), rows with their 1-based number in the file. Inventory sheets are a few thousand rows and are read
 * whole (`loadSheetFile`, `readSheetRows`); carrier statements run to 100,000 lines a month and are streamed
 * (`openSheetStream`), with the same rows.
 */

/** A path on the hub's machine, or the file's bytes with its name (an upload). */
export type SheetFile = string | { name: string; content: Buffer };

export interface SheetOptions {
  /** `utf-8`, `gbk` or `gb18030`; detected when absent (UTF-8 if it decodes cleanly, else GB18030). */
  encoding?: string;
  /** XLSX: the sheet's name or 1-based position; default the first. */
  sheet?: string | number;
}

export interface SheetRow {
  /** 1-based row number in the file, as a spreadsheet program shows it. */
  row: number;
  cells: Raw[];
}

export async function loadSheetFile(file: SheetFile): Promise<{ name: string; content: Buffer }> {
  if (typeof file !== 'string') return file;
  try {
    return { name: file, content: await readFile(file) };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new DomainError(
      'FILE_UNREADABLE',
      e.code === 'ENOENT' ? `${file} does not exist` : `${file} could not be read: ${e.message}`,
      { file },
    );
  }
}

/** Every non-empty row of the file (CSV or the chosen XLSX sheet). */
export async function readSheetRows(
  name: string,
  content: Buffer,
  options: SheetOptions = {},
): Promise<SheetRow[]> {
  if (/\.xlsx$/i.test(name) || content.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
    const workbook = new ExcelJS.Workbook();
    try {
      await workbook.xlsx.load(content as unknown as ArrayBuffer);
    } catch (error) {
      throw new DomainError(
        'FILE_UNREADABLE',
        `${path.basename(name)} could not be read as .xlsx: ${(error as Error).message}`,
        { file: name },
      );
    }
    const wanted = options.sheet ?? 1;
    const sheet =
      typeof wanted === 'number'
        ? workbook.worksheets[wanted - 1]
        : workbook.worksheets.find((w) => w.name === wanted);
    if (!sheet) {
      throw new DomainError(
        'SHEET_NOT_FOUND',
        `${path.basename(name)} has no sheet ${JSON.stringify(wanted)}`,
        {
          file: name,
          sheets: workbook.worksheets.map((w) => w.name),
        },
      );
    }
    const rows: SheetRow[] = [];
    sheet.eachRow({ includeEmpty: false }, (row) => {
      rows.push({ row: row.number, cells: (row.values as Raw[]).slice(1).map(cellValue) });
    });
    return rows;
  }
  const records = parse(decode(content, options.encoding), {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: false,
    trim: true,
  }) as string[][];
  return records.map((cells, i) => ({ row: i + 1, cells })).filter((r) => r.cells.some((c) => c !== ''));
}

function decode(content: Buffer, encoding?: string): string {
  if (encoding) {
    if (!iconv.encodingExists(encoding)) {
      throw new DomainError('ENCODING_UNKNOWN', `unknown encoding ${encoding}`, { field: 'encoding' });
    }
    return iconv.decode(content, encoding);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return iconv.decode(content, 'gb18030');
  }
}

/** Rich text, hyperlinks and formulas as their shown value. */
function cellValue(value: unknown): Raw {
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const v = value as { result?: unknown; text?: unknown; richText?: { text: string }[] };
    if (v.richText) return v.richText.map((r) => r.text).join('');
    if ('result' in v) return v.result as Raw;
    if ('text' in v) return v.text as Raw;
  }
  return value as Raw;
}

/**
 * A sheet read as a stream, for files too large to hold (a province's carrier statement): the rows one at a
 * time, in constant memory, with the file's sha256 computed from the same bytes as they pass.
 */
export interface SheetStream {
  /** The path, or the upload's name. */
  name: string;
  /** The non-empty rows of the CSV or the chosen XLSX sheet, in file order; read once. */
  rows: AsyncGenerator<SheetRow>;
  /** The sha256 (hex) of the whole file; call after `rows` is exhausted. */
  sha256(): Promise<string>;
  /** Closes the file when the reader stops early (a refusal); harmless after the end. */
  close(): Promise<void>;
}

const WIRE_CHUNK = 64 * 1024;
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/**
 * The same rows as `readSheetRows`, streamed: CSV decoded chunk by chunk and split by CsvRecordReader (see
 * csvStreamRows), XLSX through ExcelJS's WorkbookReader.
 */
export async function openSheetStream(file: SheetFile, options: SheetOptions = {}): Promise<SheetStream> {
  const source = await openSource(file);
  const name = source.name;
  if (/\.xlsx$/i.test(name) || source.head.equals(ZIP_MAGIC)) {
    const input = source.open();
    return {
      name,
      rows: xlsxStreamRows(name, input.stream, options),
      sha256: input.sha256,
      close: async () => {
        input.stream.destroy();
      },
    };
  }
  const encoding = await encodingOf(source, options.encoding);
  const input = source.open();
  return {
    name,
    rows: csvStreamRows(name, input.stream, encoding),
    sha256: input.sha256,
    close: async () => {
      input.stream.destroy();
    },
  };
}

interface Source {
  name: string;
  /** The first 4 bytes (to recognise a zip archive). */
  head: Buffer;
  /** A fresh read of the file from its start, hashed as it passes. */
  open(): { stream: Readable; sha256: () => Promise<string> };
  /** The raw bytes, in chunks (for the encoding check). */
  chunks(): AsyncIterable<Buffer> | Iterable<Buffer>;
}

async function openSource(file: SheetFile): Promise<Source> {
  if (typeof file !== 'string') {
    const { name, content } = file;
    const chunks = function* () {
      for (let i = 0; i < content.length; i += WIRE_CHUNK) yield content.subarray(i, i + WIRE_CHUNK);
    };
    return {
      name,
      head: content.subarray(0, 4),
      // An upload is already in memory: hash it whole rather than through the stream.
      open: () => {
        const digest = createHash('sha256').update(content).digest('hex');
        return { stream: Readable.from(chunks()), sha256: async () => digest };
      },
      chunks,
    };
  }
  let head: Buffer;
  try {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(4);
      const { bytesRead } = await handle.read(buffer, 0, 4, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw unreadable(file, error);
  }
  return {
    name: file,
    head,
    open: () => hashedRead(file),
    chunks: () => createReadStream(file, { highWaterMark: WIRE_CHUNK }),
  };
}

function unreadable(file: string, error: unknown): DomainError {
  const e = error as NodeJS.ErrnoException;
  return new DomainError(
    'FILE_UNREADABLE',
    e.code === 'ENOENT' ? `${file} does not exist` : `${file} could not be read: ${e.message}`,
    { file },
  );
}

/** The file's bytes through a pass-through that hashes them; the digest is final once the file has ended. */
function hashedRead(file: string): { stream: Readable; sha256: () => Promise<string> } {
  const hash = createHash('sha256');
  let digest: string | null = null;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      digest = hash.digest('hex');
      done();
    },
  });
  const input = createReadStream(file, { highWaterMark: WIRE_CHUNK });
  input.on('error', (error) => tap.destroy(unreadable(file, error)));
  input.pipe(tap);
  return {
    stream: tap,
    sha256: async () => digest ?? hashFile(file),
  };
}

/** A second read for the digest, when the reader stopped before the end of the file. */
async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: WIRE_CHUNK }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** As `decode` decides, without holding the file: UTF-8 if every byte decodes as UTF-8, else GB18030. */
async function encodingOf(source: Source, given?: string): Promise<string> {
  if (given) {
    if (!iconv.encodingExists(given)) {
      throw new DomainError('ENCODING_UNKNOWN', `unknown encoding ${given}`, { field: 'encoding' });
    }
    return given;
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of source.chunks()) decoder.decode(chunk, { stream: true });
    decoder.decode();
    return 'utf-8';
  } catch (error) {
    if (error instanceof TypeError) return 'gb18030';
    throw unreadable(source.name, error);
  }
}

/**
 * Records numbered from 1 as the sync parser numbers them, empty ones skipped (as `readSheetRows` does):
 * the bytes decoded by the engine's TextDecoder where it knows the encoding (UTF-8, GB18030, which reads GBK:
 * several times faster than iconv-lite), else by iconv-lite, and split into records by CsvRecordReader.
 */
async function* csvStreamRows(name: string, input: Readable, encoding: string): AsyncGenerator<SheetRow> {
  const decode = textDecoder(encoding);
  const reader = new CsvRecordReader();
  let row = 0;
  try {
    for await (const chunk of input) {
      for (const cells of reader.push(decode(chunk as Buffer, false), false)) {
        row++;
        if (cells.some((c) => c !== '')) yield { row, cells };
      }
    }
    for (const cells of reader.push(decode(Buffer.alloc(0), true), true)) {
      row++;
      if (cells.some((c) => c !== '')) yield { row, cells };
    }
  } catch (error) {
    if (error instanceof DomainError) throw error;
    // The reader's own count: a chunk's records before the bad one were read but not yet handed out.
    const read = reader.recordsRead;
    throw new DomainError(
      'FILE_UNREADABLE',
      `${path.basename(name)} could not be read as CSV after row ${read}: ${(error as Error).message}`,
      { file: name, row: read + 1 },
    );
  } finally {
    input.destroy();
  }
}

/** Bytes → text, chunk by chunk (a character split between chunks is kept for the next one). */
function textDecoder(encoding: string): (chunk: Buffer, final: boolean) => string {
  const label = encoding.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (label === 'utf8' || label === 'gb18030') {
    const decoder = new TextDecoder(label === 'utf8' ? 'utf-8' : 'gb18030');
    return (chunk, final) => decoder.decode(chunk, { stream: !final });
  }
  const decoder = iconv.getDecoder(encoding);
  return (chunk, final) => (final ? decoder.write(chunk) + (decoder.end() ?? '') : decoder.write(chunk));
}

/** The WorkbookReader's worksheet, with the fields it does not type. */
interface StreamedWorksheet extends AsyncIterable<ExcelJS.Row> {
  name: string;
  /** The sheet's XML: a temp-file stream when the sheet came before the shared strings in the zip. */
  iterator?: { destroy?: () => void; on?: (event: 'error', f: () => void) => void };
}

/**
 * The chosen sheet's rows. Every entry of the zip is still read to the end (the other sheets skipped), so
 * that the digest covers the whole file. Styles are cached so that date cells come back as dates.
 */
async function* xlsxStreamRows(
  name: string,
  input: Readable,
  options: SheetOptions,
): AsyncGenerator<SheetRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  const model = () => (reader as unknown as { model?: { sheets?: { name: string }[] } }).model;
  const wanted = options.sheet ?? 1;
  const seen: string[] = [];
  let found = false;
  try {
    for await (const sheet of reader as unknown as AsyncIterable<StreamedWorksheet>) {
      const position = model()?.sheets?.findIndex((s) => s.name === sheet.name) ?? -1;
      seen.push(sheet.name);
      const index = position >= 0 ? position + 1 : seen.length;
      if (found || (typeof wanted === 'number' ? index !== wanted : sheet.name !== wanted)) {
        // ExcelJS deletes a skipped sheet's temp file at once; the ENOENT of its pending open concerns nobody.
        sheet.iterator?.on?.('error', () => undefined);
        sheet.iterator?.destroy?.();
        continue;
      }
      found = true;
      for await (const row of sheet) {
        if (row.hasValues) yield { row: row.number, cells: (row.values as Raw[]).slice(1).map(cellValue) };
      }
    }
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError(
      'FILE_UNREADABLE',
      `${path.basename(name)} could not be read as .xlsx: ${(error as Error).message}`,
      { file: name },
    );
  } finally {
    input.destroy();
  }
  if (!found) {
    throw new DomainError(
      'SHEET_NOT_FOUND',
      `${path.basename(name)} has no sheet ${JSON.stringify(wanted)}`,
      {
        file: name,
        sheets: model()?.sheets?.map((s) => s.name) ?? seen,
      },
    );
  }
}
