import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { inTransaction } from '../schema/db/tx';
import { toHalfWidth } from '../schema/identifiers/fullwidth';
import { DomainError } from '../schema/runtime/errors';
import { recordFleetAudit } from './audit';
import {
  applyAssignments,
  type BatchResult,
  type Numbered,
  type RowFailure,
  upsertHandsets,
  upsertSims,
  upsertWorkers,
} from './inventory.service';
import { type Checked, checkAssignment, checkHandset, checkSim, checkWorker, type Raw } from './validate';

/**
 * The IT office's spreadsheets into the inventory: CSV (UTF-8 or GBK/GB18030, detected) or XLSX, one sheet per
 * kind of record, with Chinese or English headers. Every row is checked first; if any row fails, nothing is
 * written and the report lists each failure with its row, field and rule. Otherwise all rows are written in
 * one transaction. Inventory sheets are a few thousand rows, so they are read whole.
 */

export type ImportKind = 'handsets' | 'sims' | 'workers' | 'assignments';
export const IMPORT_KINDS: ImportKind[] = ['handsets', 'sims', 'workers', 'assignments'];

export interface ImportOptions {
  kind: ImportKind;
  /** A path on the hub's machine, or the file's bytes with its name (for an upload). */
  file: string | { name: string; content: Buffer };
  /** `utf-8`, `gbk` or `gb18030`; detected when absent (UTF-8 if it decodes cleanly, else GB18030). */
  encoding?: string;
  /** XLSX: the sheet's name or 1-based position; default the first. */
  sheet?: string | number;
  /** Check and count, write nothing. */
  dryRun?: boolean;
}

export interface ImportReport {
  kind: ImportKind;
  file: string;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  errors: RowFailure[];
  /** Columns the sheet has that the import does not read. */
  ignoredColumns: string[];
  /** True when the rows were written (no errors, not a dry run). */
  applied: boolean;
}

/** Header spellings per field (compared after trimming, half-width, lower case, no spaces or underscores). */
const HEADERS: Record<ImportKind, Record<string, string[]>> = {
  handsets: {
    deviceId: ['设备编号', '资产编号', '终端编号', 'deviceid'],
    imei1: ['imei1', 'imei', '串号', '串号1', 'imei号'],
    imei2: ['imei2', '串号2'],
    serial: ['序列号', 'sn', 'serial'],
    model: ['型号', '机型', '终端型号', 'model'],
    osVersion: ['系统版本', '操作系统', 'osversion'],
    purchaseDate: ['购置日期', '采购日期', '购买日期', 'purchasedate'],
    status: ['状态', '设备状态', 'status'],
  },
  sims: {
    iccid: ['iccid', 'sim卡号', 'iccid号', '卡号'],
    msisdn: ['msisdn', '手机号', '手机号码', '号码'],
    carrier: ['运营商', 'carrier'],
    plan: ['套餐', '资费套餐', 'plan'],
    monthlyFee: ['月租', '月费', '月功能费', '套餐月费', 'monthlyfee'],
    status: ['状态', '卡状态', 'status'],
    activatedOn: ['开通日期', '激活日期', 'activatedon'],
  },
  workers: {
    code: ['工号', '网格员编号', '编号', 'code'],
    name: ['姓名', 'name'],
    idNumber: ['身份证号', '公民身份号码', '身份证号码', 'idnumber'],
    phone: ['联系电话', '手机', '电话', 'phone'],
    gridCode: ['网格编码', '网格代码', '所属网格', 'gridcode'],
    kind: ['类别', '类型', '网格员类型', 'kind'],
  },
  assignments: {
    deviceId: ['设备编号', '资产编号', '终端编号', 'deviceid'],
    workerCode: ['工号', '网格员编号', 'workercode'],
    iccid: ['iccid', 'sim卡号', '卡号'],
    since: ['领用日期', '分配日期', 'since'],
  },
};

const REQUIRED_COLUMNS: Record<ImportKind, string[]> = {
  handsets: ['deviceId', 'imei1', 'model'],
  sims: ['iccid', 'plan', 'monthlyFee'],
  workers: ['code', 'name', 'gridCode', 'kind'],
  assignments: ['deviceId', 'workerCode'],
};

const CHECKS: Record<ImportKind, (raw: Record<string, Raw>) => Checked<unknown>> = {
  handsets: checkHandset,
  sims: checkSim,
  workers: checkWorker,
  assignments: checkAssignment,
};

const KEY_FIELD: Record<ImportKind, string> = {
  handsets: 'deviceId',
  sims: 'iccid',
  workers: 'code',
  assignments: 'deviceId',
};

const headerKey = (h: string) => toHalfWidth(h).trim().toLowerCase().replace(/[\s_]/g, '');

/** The file's header row and data rows as cell values. */
async function readSheet(options: ImportOptions): Promise<{ name: string; header: string[]; rows: Raw[][] }> {
  const { name, content } =
    typeof options.file === 'string'
      ? { name: options.file, content: await readFile(options.file).catch(fileError(options.file)) }
      : options.file;
  if (/\.xlsx$/i.test(name) || content.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
    const workbook = new ExcelJS.Workbook();
    try {
      await workbook.xlsx.load(content as unknown as ArrayBuffer);
    } catch (error) {
      throw new DomainError(
        'FILE_UNREADABLE',
        `${path.basename(name)} could not be read as .xlsx: ${(error as Error).message}`,
        {
          file: name,
        },
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
    const rows: Raw[][] = [];
    sheet.eachRow({ includeEmpty: false }, (row) => {
      rows.push((row.values as Raw[]).slice(1).map(cellValue));
    });
    const [header = [], ...data] = rows;
    return { name, header: header.map((h) => String(h ?? '')), rows: data };
  }
  const text = decode(content, options.encoding);
  const records = parse(text, {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
  }) as string[][];
  const [header = [], ...data] = records;
  return { name, header, rows: data };
}

function fileError(file: string) {
  return (error: NodeJS.ErrnoException): never => {
    throw new DomainError(
      'FILE_UNREADABLE',
      error.code === 'ENOENT' ? `${file} does not exist` : `${file} could not be read: ${error.message}`,
      { file },
    );
  };
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

/** Checks every row, then writes all of them in one transaction, or nothing. */
export async function importInventory(
  em: EntityManager,
  actor: string,
  options: ImportOptions,
): Promise<ImportReport> {
  const { kind } = options;
  if (!IMPORT_KINDS.includes(kind)) {
    throw new DomainError('IMPORT_KIND', `kind must be one of ${IMPORT_KINDS.join(', ')}`, { field: 'kind' });
  }
  const sheet = await readSheet(options);
  const aliases = HEADERS[kind];
  const columnOf = new Map<string, number>();
  const ignoredColumns: string[] = [];
  sheet.header.forEach((h, i) => {
    const key = headerKey(String(h));
    const field = Object.keys(aliases).find((f) => aliases[f]!.some((a) => headerKey(a) === key));
    if (field && !columnOf.has(field)) columnOf.set(field, i);
    else if (String(h).trim()) ignoredColumns.push(String(h).trim());
  });
  const missing = REQUIRED_COLUMNS[kind].filter((f) => !columnOf.has(f));
  if (missing.length) {
    throw new DomainError(
      'COLUMNS_MISSING',
      `${path.basename(sheet.name)}: no column for ${missing
        .map((f) => `${f} (${aliases[f]!.slice(0, 2).join(' / ')})`)
        .join(', ')}`,
      { file: sheet.name, missing },
    );
  }
  const report: ImportReport = {
    kind,
    file: sheet.name,
    rows: sheet.rows.length,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    errors: [],
    ignoredColumns,
    applied: false,
  };
  const records: Numbered<unknown>[] = [];
  sheet.rows.forEach((cells, i) => {
    const raw = Object.fromEntries([...columnOf].map(([field, col]) => [field, cells[col]]));
    const { values, failures } = CHECKS[kind](raw);
    // Row numbers as the IT office sees them in the sheet: the header is row 1.
    const row = i + 2;
    const key = raw[KEY_FIELD[kind]];
    for (const f of failures) report.errors.push({ row, key: key == null ? null : String(key), ...f });
    if (!failures.length) records.push({ row, values });
  });
  if (report.errors.length || !records.length) return report;

  const rollback = new Error('rollback');
  try {
    await inTransaction(em, async (tx) => {
      const result = await apply(kind, tx, actor, records);
      Object.assign(report, {
        inserted: result.inserted,
        updated: result.updated,
        unchanged: result.unchanged,
      });
      report.errors.push(...result.failures);
      if (report.errors.length || options.dryRun) throw rollback;
      await recordFleetAudit(tx, {
        actor,
        action: 'import',
        detail: {
          kind,
          file: path.basename(sheet.name),
          rows: report.rows,
          inserted: result.inserted,
          updated: result.updated,
          unchanged: result.unchanged,
        },
      });
      report.applied = true;
    });
  } catch (error) {
    if (error !== rollback) throw error;
  }
  if (report.errors.length) Object.assign(report, { inserted: 0, updated: 0, unchanged: 0 });
  report.errors.sort((a, b) => a.row - b.row);
  return report;
}

function apply(
  kind: ImportKind,
  tx: Parameters<typeof upsertHandsets>[0],
  actor: string,
  records: Numbered<unknown>[],
): Promise<BatchResult> {
  switch (kind) {
    case 'handsets':
      return upsertHandsets(tx, actor, records as Numbered<never>[]);
    case 'sims':
      return upsertSims(tx, actor, records as Numbered<never>[]);
    case 'workers':
      return upsertWorkers(tx, actor, records as Numbered<never>[]);
    case 'assignments':
      return applyAssignments(tx, actor, records as Numbered<never>[]);
  }
}
