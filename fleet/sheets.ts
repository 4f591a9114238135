import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { DomainError } from '../schema/runtime/errors';
import type { Raw } from './validate';

/**
 * The spreadsheets the IT office and finance hand in (inventory sheets, carrier statements): CSV in UTF-8 or
 * GBK/GB18030 (detected), or XLSX. They are a few thousand rows at most per file and are read whole; cells come
 * back as shown (rich text, hyperlinks and formulas as their value), rows with their 1-based number in the file.
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
