import type { EntityManager } from '@mikro-orm/postgresql';
import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import { runSql } from '../schema/common/rows';
import { DomainError } from '../schema/runtime/errors';
import { allocate, monthStart } from './allocation';
import { FINDINGS_SQL } from './reconciliation';

/**
 * Finance's exports of the allocated fees: the summary by township and department for a fiscal year (one
 * column per billing month and a total) and the per-number detail of a carrier's month with its findings.
 * CSV is UTF-8 with a byte-order mark, CRLF line ends, RFC 4180 quoting and formula-safe text cells (as
 * `complianceCsv`); XLSX has a header row and yuan as numbers formatted '0.00'. Amounts are computed in
 * integer fen; yuan are derived from fen for display only (CSV: exact text).
 */

export type ExportFormat = 'csv' | 'xlsx';

export interface ExportFile {
  fileName: string;
  content: Buffer;
  mimeType: string;
}

export interface FeeTable {
  headers: string[];
  /** Text cells, or amounts in fen (bigint). */
  rows: Array<Array<string | bigint>>;
}

const CARRIERS = ['cmcc', 'cucc', 'ctcc'];
const MIME = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

function cellText(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** Integer fen as exact yuan text with two decimals: 129466n → "1294.66". */
export function fenToYuanText(fen: bigint): string {
  const abs = fen < 0n ? -fen : fen;
  return `${fen < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

function checkYear(year: number): number {
  if (!Number.isInteger(year) || year < 2000 || year > 2100)
    throw new DomainError('INVALID_YEAR', `Fiscal year ${year} is out of range`, { year });
  return year;
}

function checkCarrier(carrier: string): string {
  const c = carrier?.trim().toLowerCase();
  if (!CARRIERS.includes(c))
    throw new DomainError('UNKNOWN_CARRIER', `carrier must be one of ${CARRIERS.join(', ')}`, {
      field: 'carrier',
    });
  return c;
}

export const MONTHS = Array.from({ length: 12 }, (_, i) => String(i + 1).padStart(2, '0'));

/** The summary of a year: a row per township and per department, fen per month and the year's total. */
export async function feeSummaryTable(em: EntityManager, year: number): Promise<FeeTable> {
  checkYear(year);
  const towns = new Map<string, { name: string; fen: bigint[] }>();
  const departments = new Map<string, bigint[]>();
  const totals: bigint[] = [];
  for (let m = 0; m < 12; m++) {
    const a = await allocate(em.fork(), { month: `${year}-${MONTHS[m]}` });
    totals.push(BigInt(a.totalFen));
    for (const t of a.byTownship) {
      const row = towns.get(t.township) ?? { name: t.name ?? '', fen: Array(12).fill(0n) };
      row.fen[m] += BigInt(t.amountFen);
      towns.set(t.township, row);
    }
    for (const d of a.byDepartment) {
      const row = departments.get(d.department) ?? Array(12).fill(0n);
      row[m] += BigInt(d.amountFen);
      departments.set(d.department, row);
    }
  }
  const sum = (fen: bigint[]) => fen.reduce((s, v) => s + v, 0n);
  const rows: FeeTable['rows'] = [];
  for (const [code, t] of [...towns].sort(([a], [b]) => a.localeCompare(b)))
    rows.push(['township', code, t.name, ...t.fen, sum(t.fen)]);
  for (const [dept, fen] of [...departments].sort(([a], [b]) => a.localeCompare(b)))
    rows.push(['department', dept, '', ...fen, sum(fen)]);
  rows.push(['total', '', '', ...totals, sum(totals)]);
  return { headers: ['kind', 'code', 'name', ...MONTHS.map((m) => `${year}-${m}`), 'total'], rows };
}

/** The per-number detail of a carrier's month: allocated fen with the number's findings. */
export async function feeDetailTable(em: EntityManager, month: string, carrier: string): Promise<FeeTable> {
  const c = checkCarrier(carrier);
  const first = monthStart(month);
  const allocation = await allocate(em.fork(), { month, carrier: c });
  const findings = await runSql<{
    iccid: string | null;
    msisdn: string | null;
    classes: string | null;
    states: string | null;
    at_stake: string;
  }>(
    em,
    `select iccid, msisdn, string_agg(distinct class::text, ';') as classes,
            string_agg(distinct state::text, ';') as states, coalesce(sum(at_stake_fen), 0)::text as at_stake
       from (${FINDINGS_SQL}) f where carrier = ? and billing_month = ?::date
      group by iccid, msisdn`,
    [c, first],
  );
  const key = (iccid: string | null, msisdn: string | null) => `${iccid ?? ''}|${msisdn ?? ''}`;
  const byKey = new Map(findings.map((f) => [key(f.iccid, f.msisdn), f]));
  const rows: FeeTable['rows'] = allocation.byNumber.map((n) => {
    const f = byKey.get(key(n.iccid, n.msisdn));
    return [
      n.msisdn ?? '',
      n.iccid ?? '',
      n.township,
      BigInt(n.amountFen),
      f?.classes ?? '',
      f?.states ?? '',
      BigInt(f?.at_stake ?? 0),
    ];
  });
  rows.push([
    'total',
    '',
    '',
    BigInt(allocation.totalFen),
    '',
    '',
    rows.reduce((s, r) => s + (r[6] as bigint), 0n),
  ]);
  return {
    headers: ['msisdn', 'iccid', 'township', 'amount', 'class', 'state', 'at stake'],
    rows,
  };
}

export function tableCsv(t: FeeTable): Buffer {
  const records = t.rows.map((r) => r.map((v) => (typeof v === 'bigint' ? fenToYuanText(v) : cellText(v))));
  return Buffer.from(`\uFEFF${stringify([t.headers, ...records], { record_delimiter: 'windows' })}`, 'utf8');
}

export async function tableXlsx(t: FeeTable, sheetName: string): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet(sheetName);
  sheet.addRow(t.headers).font = { bold: true };
  for (const r of t.rows) {
    const row = sheet.addRow(r.map((v) => (typeof v === 'bigint' ? Number(v) / 100 : v)));
    r.forEach((v, i) => {
      if (typeof v === 'bigint') row.getCell(i + 1).numFmt = '0.00';
    });
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}

async function render(t: FeeTable, format: ExportFormat, base: string): Promise<ExportFile> {
  if (format !== 'csv' && format !== 'xlsx')
    throw new DomainError('INVALID_FORMAT', `format must be csv or xlsx, not "${format}"`, {
      field: 'format',
    });
  return {
    fileName: `${base}.${format}`,
    content: format === 'csv' ? tableCsv(t) : await tableXlsx(t, base.slice(0, 31)),
    mimeType: MIME[format],
  };
}

export async function feeSummaryExport(
  em: EntityManager,
  year: number,
  format: ExportFormat,
): Promise<ExportFile> {
  return render(await feeSummaryTable(em, year), format, `fees-summary-${year}`);
}

export async function feeDetailExport(
  em: EntityManager,
  month: string,
  carrier: string,
  format: ExportFormat,
): Promise<ExportFile> {
  const t = await feeDetailTable(em, month, carrier);
  return render(t, format, `fees-detail-${checkCarrier(carrier)}-${month}`);
}
