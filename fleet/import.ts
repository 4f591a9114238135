import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
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
import { loadSheetFile, readSheetRows, type SheetFile, type SheetOptions } from './sheets';
import { type Checked, checkAssignment, checkHandset, checkSim, checkWorker, type Raw } from './validate';

/**
 * The IT office's spreadsheets into the inventory: CSV (UTF-8 or GBK/GB18030, detected) or XLSX, one sheet per
 * kind of record, with Chinese or English headers. Every row is checked first; if any row fails, nothing is
 * written and the report lists each failure with its row, field and rule. Otherwise all rows are written in
 * one transaction. Inventory sheets are a few thousand rows, so they are read whole.
 */

export type ImportKind = 'handsets' | 'sims' | 'workers' | 'assignments';
export const IMPORT_KINDS: ImportKind[] = ['handsets', 'sims', 'workers', 'assignments'];

export interface ImportOptions extends SheetOptions {
  kind: ImportKind;
  file: SheetFile;
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
  const { name, content } = await loadSheetFile(options.file);
  const [headerRow, ...dataRows] = await readSheetRows(name, content, options);
  const sheet = { name, header: (headerRow?.cells ?? []).map((h) => String(h ?? '')), rows: dataRows };
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
  for (const { row, cells } of sheet.rows) {
    const raw = Object.fromEntries([...columnOf].map(([field, col]) => [field, cells[col]]));
    const { values, failures } = CHECKS[kind](raw);
    const key = raw[KEY_FIELD[kind]];
    for (const f of failures) report.errors.push({ row, key: key == null ? null : String(key), ...f });
    if (!failures.length) records.push({ row, values });
  }
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
