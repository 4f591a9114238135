import { createHash } from 'node:crypto';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { inTransaction, type Tx, withConnection } from '../schema/db/tx';
import { toHalfWidth } from '../schema/identifiers/fullwidth';
import { validateIccid } from '../schema/identifiers/iccid';
import { validatePhone } from '../schema/identifiers/phone';
import { DomainError } from '../schema/runtime/errors';
import { recordFleetAudit } from './audit';
import {
  BadLinePolicy,
  type CategoryTotals,
  type ColumnMapping,
  FEE_CATEGORIES,
  type FeeCategory,
  type StatementField,
} from './fees.entity';
import { loadSheetFile, readSheetRows, type SheetFile, type SheetOptions, type SheetRow } from './sheets';
import { cellText, type FieldFailure, type Raw } from './validate';

/**
 * A carrier's monthly statement (CSV in UTF-8 or GBK/GB18030, or XLSX) into carrier_statement and its lines,
 * read through the carrier's column-mapping template. The order of things:
 *
 * 1. File-level checks throw a DomainError and write nothing: no template for the carrier, a requested month
 *    that is malformed or in the future (China time), a mapped column missing from the file, no totals to tie
 *    out against.
 * 2. Every line is checked (ICCID, number, month, category, amount, usage). Under the template's 'refuse'
 *    policy any bad line refuses the whole import, and the report lists every failure (row, field, rule,
 *    message). Under 'quarantine' the bad lines are kept aside with their reasons and the rest imports.
 * 3. Tie-out, before anything is written: the statement's stated totals per category must equal the lines'
 *    sums, or the import throws TOTALS_MISMATCH with the difference per category in fen.
 *    Stated totals come from the `totals` argument when given; otherwise from the file's totals rows (rows
 *    whose first non-empty cell starts with the template's `totalsMarker`, e.g. 合计: the category or item
 *    cell names the category, none means the grand total). No totals at all is TOTALS_MISSING.
 *    Quarantine rule: the carrier's totals cover every line it billed, so the tie-out counts the accepted
 *    lines plus the quarantined lines whose category and amount could be read (a line quarantined for its
 *    ICCID still carries its charge). A quarantined line whose amount or category cannot be read cannot be
 *    placed, so its category does not tie out and the import is refused. The stored statement's totals are
 *    the accepted lines only (Σ stored lines = stored totals, always); the report gives the quarantined
 *    amounts beside them.
 * 4. One transaction: the current statement of the same carrier and month (if any) is deleted with its lines
 *    and quarantine, the new one inserted with its lines (multi-row `unnest` inserts in chunks: no ORM object
 *    per line) and quarantined lines, and the import audited in fleet_audit ('fees.import', counts only).
 *    The report says which statement was replaced and its totals.
 */

export interface StatementImportOptions extends SheetOptions {
  /** cmcc, cucc or ctcc. */
  carrier: string;
  /** The billing month, YYYY-MM. */
  month: string;
  file: SheetFile;
  /** The statement's totals per category in fen (from its cover page); overrides totals rows in the file. */
  totals?: CategoryTotals;
  /** A template by name; default the carrier's first template. */
  template?: string;
}

export interface LineFailure extends FieldFailure {
  /** The row in the file, 1-based as a spreadsheet shows it. */
  row: number;
}

export interface TieOutDifference {
  category: FeeCategory | 'total';
  statedFen: number;
  linesFen: number;
  /** stated − lines. */
  differenceFen: number;
}

export interface StatementImportReport {
  statementId: string | null;
  carrier: string;
  month: string;
  file: string;
  /** Accepted lines. */
  lines: number;
  /** Σ accepted lines per category, fen. */
  totalsFen: CategoryTotals;
  totalFen: number;
  /** The statement this import replaced, with its totals. */
  replaced: { statementId: string; totalsFen: CategoryTotals } | null;
  /** Bad lines: under 'refuse' they refused the import; under 'quarantine' they are the quarantined lines. */
  errors: LineFailure[];
  quarantined: number;
  /** Σ quarantined lines per category, fen (those whose amount and category could be read). */
  quarantinedFen: CategoryTotals;
  /** Where the stated totals came from. */
  totalsSource: 'argument' | 'file';
  applied: boolean;
}

interface Template {
  id: string;
  carrier: string;
  name: string;
  columns: ColumnMapping;
  categories: Record<string, FeeCategory>;
  badLines: BadLinePolicy;
  allowCredits: boolean;
  headerRow: number;
  skipRows: number;
  totalsMarker: string | null;
}

interface Line {
  row: number;
  iccid: string | null;
  msisdn: string | null;
  category: FeeCategory;
  itemName: string | null;
  amountFen: number;
  dataMb: number | null;
  voiceMinutes: number | null;
  smsCount: number | null;
  daysInService: number | null;
  raw: Record<string, string>;
}

interface Quarantined {
  row: number;
  raw: Record<string, string>;
  failures: FieldFailure[];
  /** Category and amount when both could be read (they count in the tie-out). */
  category: FeeCategory | null;
  amountFen: number | null;
}

const CHUNK = 5_000;

const headerKey = (h: string) => toHalfWidth(h).trim().toLowerCase().replace(/[\s_]/g, '');

/** The current month in China (UTC+8, no daylight saving) as YYYY-MM. */
export function chinaMonth(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 7);
}

/**
 * Yuan text → fen, exactly: "1,234.56", "¥12.30", "12.3元", "-3.00", "(3.00)". Numbers from XLSX cells are
 * accepted when they have at most two decimals (after removing binary noise such as 12.299999999999999).
 */
export function parseFen(raw: Raw): number | null {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return null;
    const fen = Math.round(raw * 100);
    return Math.abs(raw * 100 - fen) < 1e-6 && Number.isSafeInteger(fen) ? fen : null;
  }
  let text = cellText(raw).replace(/[\s,]/g, '').replace(/元$/, '');
  let negative = false;
  const paren = /^\((.*)\)$/.exec(text);
  if (paren) {
    negative = true;
    text = paren[1]!;
  }
  if (text.startsWith('-')) {
    negative = !negative;
    text = text.slice(1);
  }
  text = text.replace(/^[¥￥]/, '');
  if (text.startsWith('-') && !negative) {
    negative = true;
    text = text.slice(1);
  }
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(text) ?? /^()\.(\d{1,2})$/.exec(text);
  if (!m) return null;
  const fen = Number(m[1] || '0') * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return negative && fen !== 0 ? -fen : fen;
}

/** A billing month cell → YYYY-MM: 2026-10, 2026/10, 202610, 2026年10月, 2026-10-01, an Excel date. */
export function parseMonth(raw: Raw): string | null {
  if (raw instanceof Date && !Number.isNaN(raw.getTime())) return raw.toISOString().slice(0, 7);
  const text = cellText(raw);
  const m =
    /^(\d{4})[-/.年](\d{1,2})(?:月|[-/.]\d{1,2}日?|月\d{1,2}日)?$/.exec(text) ??
    /^(\d{4})(\d{2})(?:\d{2})?$/.exec(text);
  if (!m) return null;
  const month = Number(m[2]);
  if (month < 1 || month > 12) return null;
  return `${m[1]}-${String(month).padStart(2, '0')}`;
}

async function loadTemplate(em: EntityManager, carrier: string, name?: string): Promise<Template> {
  const rows = await withConnection(em, (tx) =>
    tx.query<Record<string, unknown>>(
      `select id, carrier, name, columns, categories, bad_lines, allow_credits, header_row, skip_rows, totals_marker
         from carrier_template where carrier = $1 and ($2::text is null or name = $2) order by id limit 1`,
      [carrier, name ?? null],
    ),
  );
  const t = rows[0];
  if (!t) {
    throw new DomainError(
      'TEMPLATE_NOT_FOUND',
      name
        ? `no template ${JSON.stringify(name)} for carrier ${carrier}`
        : `no template for carrier ${carrier}`,
      { field: 'carrier', carrier, template: name ?? null },
    );
  }
  return {
    id: String(t.id),
    carrier: String(t.carrier),
    name: String(t.name),
    columns: t.columns as ColumnMapping,
    categories: (t.categories ?? {}) as Record<string, FeeCategory>,
    badLines: t.bad_lines as BadLinePolicy,
    allowCredits: Boolean(t.allow_credits),
    headerRow: Number(t.header_row),
    skipRows: Number(t.skip_rows),
    totalsMarker: (t.totals_marker as string | null) ?? null,
  };
}

class LineChecker {
  readonly failures: FieldFailure[] = [];
  fail(field: string, rule: string, message: string, value?: Raw): null {
    this.failures.push({
      field,
      rule,
      message,
      ...(value != null && value !== '' ? { value: String(value).slice(0, 60) } : {}),
    });
    return null;
  }
}

function categoryOf(template: Template, key: string): FeeCategory | null {
  const mapped = template.categories[key] ?? template.categories[key.toLowerCase()];
  if (mapped) return mapped;
  if ((FEE_CATEGORIES as string[]).includes(key)) return key as FeeCategory;
  return template.categories['*'] ?? null;
}

/** A non-negative usage quantity; fractions round up (carriers bill a started MB or minute as a whole one). */
function quantity(c: LineChecker, field: string, raw: Raw, max: number): number | null {
  const text = cellText(raw).replace(/,/g, '');
  if (!text) return null;
  if (!/^\d+(\.\d+)?$/.test(text)) return c.fail(field, 'QUANTITY', 'must be a non-negative number', raw);
  const value = Math.ceil(Number(text));
  if (value > max) return c.fail(field, 'QUANTITY', `must be at most ${max}`, raw);
  return value;
}

function add(totals: CategoryTotals, category: FeeCategory, fen: number): void {
  totals[category] = (totals[category] ?? 0) + fen;
}

function sum(totals: CategoryTotals): number {
  return Object.values(totals).reduce((a, b) => a + (b ?? 0), 0);
}

/** Checks, ties out and writes one statement, or nothing. */
export async function importStatement(
  em: EntityManager,
  actor: string,
  options: StatementImportOptions,
): Promise<StatementImportReport> {
  const { carrier, month } = options;
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) {
    throw new DomainError('MONTH_FORMAT', `month must be YYYY-MM, not ${JSON.stringify(month)}`, {
      field: 'month',
    });
  }
  const current = chinaMonth();
  if (month > current) {
    throw new DomainError('MONTH_IN_FUTURE', `billing month ${month} is after the current month ${current}`, {
      field: 'month',
      month,
    });
  }
  const template = await loadTemplate(em, carrier, options.template);
  const { name, content } = await loadSheetFile(options.file);
  const fileName = path.basename(name);
  const sha256 = createHash('sha256').update(content).digest('hex');
  const rows = await readSheetRows(name, content, options);

  // The header and the mapped columns: every mapped field must be in the file.
  const headerRow = rows.find((r) => r.row === template.headerRow);
  const header = (headerRow?.cells ?? []).map((h) => cellText(h));
  const columnOf = new Map<StatementField, number>();
  const missing: string[] = [];
  for (const [field, spelled] of Object.entries(template.columns) as [StatementField, string | string[]][]) {
    const aliases = (Array.isArray(spelled) ? spelled : [spelled]).map(headerKey);
    const col = header.findIndex((h) => aliases.includes(headerKey(h)));
    if (col >= 0) columnOf.set(field, col);
    else missing.push(`${(Array.isArray(spelled) ? spelled : [spelled]).join(' / ')} (${field})`);
  }
  if (missing.length) {
    throw new DomainError(
      'COLUMNS_MISSING',
      `${fileName}: the template ${template.name} maps columns the file does not have: ${missing.join(', ')}`,
      { file: fileName, template: template.name, missing, header: header.filter(Boolean) },
    );
  }
  if (!columnOf.has('amount') || !(columnOf.has('iccid') || columnOf.has('msisdn'))) {
    throw new DomainError(
      'TEMPLATE_INCOMPLETE',
      `template ${template.name} must map amount and an ICCID or number column`,
      { template: template.name },
    );
  }
  const cell = (r: SheetRow, field: StatementField): Raw => {
    const col = columnOf.get(field);
    return col == null ? undefined : r.cells[col];
  };

  const lines: Line[] = [];
  const quarantined: Quarantined[] = [];
  const errors: LineFailure[] = [];
  const fileTotals: CategoryTotals = {};
  let fileGrandTotal: number | null = null;
  const firstData = template.headerRow + 1 + template.skipRows;

  for (const r of rows) {
    if (r.row < firstData) continue;
    const raw: Record<string, string> = {};
    header.forEach((h, i) => {
      const text = cellText(r.cells[i]);
      if (h && text) raw[h] = text;
    });
    const c = new LineChecker();
    const first = r.cells.map((x) => cellText(x)).find((x) => x !== '') ?? '';

    // A totals row (合计): not a line; it states a category's total or the grand total.
    if (template.totalsMarker && first.startsWith(template.totalsMarker)) {
      const key = cellText(cell(r, 'category')) || cellText(cell(r, 'itemName'));
      const amount = parseFen(cell(r, 'amount'));
      if (amount == null)
        c.fail('amount', 'MONEY', 'must be an amount in yuan with at most two decimals', cell(r, 'amount'));
      const category = key && key !== first ? categoryOf(template, key) : null;
      if (key && key !== first && !category) {
        c.fail(
          'category',
          'UNKNOWN_CATEGORY',
          `${JSON.stringify(key)} is not in the template's category map`,
          key,
        );
      }
      // Totals rows are checked under either policy: a statement's totals cannot be quarantined.
      if (c.failures.length) for (const f of c.failures) errors.push({ row: r.row, ...f });
      else if (category) add(fileTotals, category, amount!);
      else fileGrandTotal = (fileGrandTotal ?? 0) + amount!;
      continue;
    }

    let iccid: string | null = null;
    const iccidText = cellText(cell(r, 'iccid'));
    if (iccidText) {
      const result = validateIccid(iccidText);
      iccid = result.ok ? result.value : c.fail('iccid', result.rule, result.message, iccidText);
    }
    let msisdn: string | null = null;
    const msisdnText = cellText(cell(r, 'msisdn'));
    if (msisdnText) {
      const result = validatePhone(msisdnText, { kinds: ['mobile', 'iot'] });
      msisdn = result.ok ? result.value : c.fail('msisdn', result.rule, result.message, msisdnText);
    }
    if (!iccidText && !msisdnText) {
      c.fail(columnOf.has('iccid') ? 'iccid' : 'msisdn', 'REQUIRED', 'a line needs an ICCID or a number');
    }
    if (columnOf.has('month')) {
      const lineMonth = parseMonth(cell(r, 'month'));
      if (!lineMonth)
        c.fail('month', 'MONTH_FORMAT', 'is not a month (YYYY-MM, YYYYMM or YYYY年M月)', cell(r, 'month'));
      else if (lineMonth > current) {
        c.fail('month', 'MONTH_IN_FUTURE', `${lineMonth} is after the current month ${current}`, lineMonth);
      } else if (lineMonth !== month) {
        c.fail('month', 'MONTH_MISMATCH', `${lineMonth} is not the billing month ${month}`, lineMonth);
      }
    }
    const itemName = cellText(cell(r, 'itemName')) || null;
    if (itemName && itemName.length > 200) c.fail('itemName', 'TOO_LONG', 'is longer than 200 characters');
    const categoryKey = cellText(cell(r, 'category')) || itemName || '';
    const categoryField = cellText(cell(r, 'category')) ? 'category' : 'itemName';
    let category: FeeCategory | null = null;
    if (!categoryKey) c.fail(categoryField, 'REQUIRED', 'a line needs a charge item or category');
    else {
      category = categoryOf(template, categoryKey);
      if (!category) {
        c.fail(
          categoryField,
          'UNKNOWN_CATEGORY',
          `${JSON.stringify(categoryKey)} is not in the template's category map`,
          categoryKey,
        );
      }
    }
    const amountRaw = cell(r, 'amount');
    const amountFen = parseFen(amountRaw);
    if (amountFen == null) {
      if (cellText(amountRaw)) {
        c.fail('amount', 'MONEY', 'must be an amount in yuan with at most two decimals', amountRaw);
      } else c.fail('amount', 'REQUIRED', 'is required');
    } else if (amountFen < 0 && !template.allowCredits) {
      c.fail(
        'amount',
        'NEGATIVE_AMOUNT',
        `a negative amount is not allowed by template ${template.name}`,
        amountRaw,
      );
    }
    const dataMb = quantity(c, 'dataMb', cell(r, 'dataMb'), 2_000_000_000);
    const voiceMinutes = quantity(c, 'voiceMinutes', cell(r, 'voiceMinutes'), 2_000_000_000);
    const smsCount = quantity(c, 'smsCount', cell(r, 'smsCount'), 2_000_000_000);
    const daysInService = quantity(c, 'daysInService', cell(r, 'daysInService'), 31);

    if (c.failures.length) {
      for (const f of c.failures) errors.push({ row: r.row, ...f });
      const placeable = amountFen != null && category != null;
      quarantined.push({
        row: r.row,
        raw,
        failures: c.failures,
        category: placeable ? category : null,
        amountFen: placeable ? amountFen : null,
      });
      continue;
    }
    lines.push({
      row: r.row,
      iccid,
      msisdn,
      category: category!,
      itemName,
      amountFen: amountFen!,
      dataMb,
      voiceMinutes,
      smsCount,
      daysInService,
      raw,
    });
  }

  const totalsFen: CategoryTotals = {};
  for (const l of lines) add(totalsFen, l.category, l.amountFen);
  const quarantinedFen: CategoryTotals = {};
  for (const q of quarantined)
    if (q.category && q.amountFen != null) add(quarantinedFen, q.category, q.amountFen);

  const report: StatementImportReport = {
    statementId: null,
    carrier,
    month,
    file: fileName,
    lines: lines.length,
    totalsFen,
    totalFen: sum(totalsFen),
    replaced: null,
    errors,
    quarantined: template.badLines === BadLinePolicy.QUARANTINE ? quarantined.length : 0,
    quarantinedFen: template.badLines === BadLinePolicy.QUARANTINE ? quarantinedFen : {},
    totalsSource: options.totals ? 'argument' : 'file',
    applied: false,
  };
  const totalsRowErrors = errors.some((e) => !quarantined.some((q) => q.row === e.row));
  if (totalsRowErrors || (errors.length && template.badLines === BadLinePolicy.REFUSE)) {
    return { ...report, quarantined: 0, quarantinedFen: {} };
  }

  // Tie-out: stated totals against accepted + placeable quarantined lines, per category and in all.
  const stated = options.totals ?? fileTotals;
  const statedGrand = options.totals ? null : fileGrandTotal;
  if (!Object.keys(stated).length && statedGrand == null) {
    throw new DomainError(
      'TOTALS_MISSING',
      `${fileName}: no totals to tie out against: pass the statement's totals per category, or use a template whose totals rows (${template.totalsMarker ?? 'none'}) are in the file`,
      { file: fileName },
    );
  }
  for (const key of Object.keys(stated)) {
    if (!(FEE_CATEGORIES as string[]).includes(key)) {
      throw new DomainError('UNKNOWN_CATEGORY', `totals: ${JSON.stringify(key)} is not a fee category`, {
        field: 'totals',
      });
    }
  }
  const counted: CategoryTotals = { ...totalsFen };
  for (const [k, v] of Object.entries(quarantinedFen)) add(counted, k as FeeCategory, v ?? 0);
  const differences: TieOutDifference[] = [];
  const perCategory = Object.keys(stated).length > 0;
  if (perCategory) {
    for (const category of FEE_CATEGORIES) {
      const s = stated[category] ?? 0;
      const l = counted[category] ?? 0;
      if (s !== l) differences.push({ category, statedFen: s, linesFen: l, differenceFen: s - l });
    }
  }
  if (statedGrand != null && statedGrand !== sum(counted)) {
    differences.push({
      category: 'total',
      statedFen: statedGrand,
      linesFen: sum(counted),
      differenceFen: statedGrand - sum(counted),
    });
  }
  // A placeable-less quarantined line (amount or category unreadable) cannot tie out.
  const unplaced = quarantined.filter((q) => q.amountFen == null || q.category == null);
  if (differences.length || unplaced.length) {
    const parts = differences.map(
      (d) =>
        `${d.category}: stated ${d.statedFen} fen, lines ${d.linesFen} fen, difference ${d.differenceFen} fen`,
    );
    if (unplaced.length) {
      parts.push(`rows ${unplaced.map((q) => q.row).join(', ')} have no readable category and amount`);
    }
    throw new DomainError(
      'TOTALS_MISMATCH',
      `${fileName}: the lines do not add up to the statement's totals: ${parts.join('; ')}`,
      {
        file: fileName,
        differences,
        unplacedRows: unplaced.map((q) => q.row),
      },
    );
  }

  const billingMonth = `${month}-01`;
  await inTransaction(em, async (tx) => {
    // One import per carrier and month at a time; the unique (carrier, billing_month) backs it.
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`carrier_statement:${carrier}:${month}`]);
    const [old] = await tx.query<{ id: string; totals_fen: CategoryTotals }>(
      'select id, totals_fen from carrier_statement where carrier = $1 and billing_month = $2 for update',
      [carrier, billingMonth],
    );
    if (old) {
      await tx.query('delete from carrier_statement where id = $1', [old.id]);
      report.replaced = { statementId: String(old.id), totalsFen: old.totals_fen };
    }
    const [created] = await tx.query<{ id: string }>(
      `insert into carrier_statement (carrier, billing_month, template_id, file_name, sha256, imported_by,
         totals_fen, total_fen, line_count, quarantined_count, replaced_statement_id, replaced_totals_fen)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id`,
      [
        carrier,
        billingMonth,
        template.id,
        fileName.slice(0, 255),
        sha256,
        actor,
        JSON.stringify(totalsFen),
        report.totalFen,
        lines.length,
        quarantined.length,
        old?.id ?? null,
        old ? JSON.stringify(old.totals_fen) : null,
      ],
    );
    const statementId = String(created!.id);
    await insertLines(tx, statementId, lines);
    await insertQuarantine(tx, statementId, quarantined);
    await recordFleetAudit(tx, {
      actor,
      action: 'fees.import',
      detail: {
        statementId,
        carrier,
        month,
        template: template.name,
        file: fileName,
        sha256,
        lines: lines.length,
        quarantined: quarantined.length,
        totalFen: report.totalFen,
        replacedStatementId: old?.id ?? null,
      },
    });
    report.statementId = statementId;
  });
  report.applied = true;
  return report;
}

/** Multi-row inserts through `unnest`, CHUNK lines a statement. */
async function insertLines(tx: Tx, statementId: string, lines: Line[]): Promise<void> {
  for (let i = 0; i < lines.length; i += CHUNK) {
    const chunk = lines.slice(i, i + CHUNK);
    await tx.query(
      `insert into carrier_statement_line (statement_id, line_no, iccid, msisdn, category, item_name, amount_fen,
         data_mb, voice_minutes, sms_count, days_in_service, raw)
       select $1, * from unnest($2::int[], $3::text[], $4::text[], $5::fee_category[], $6::text[], $7::bigint[],
         $8::int[], $9::int[], $10::int[], $11::smallint[], $12::jsonb[])`,
      [
        statementId,
        chunk.map((l) => l.row),
        chunk.map((l) => l.iccid),
        chunk.map((l) => l.msisdn),
        chunk.map((l) => l.category),
        chunk.map((l) => l.itemName),
        chunk.map((l) => l.amountFen),
        chunk.map((l) => l.dataMb),
        chunk.map((l) => l.voiceMinutes),
        chunk.map((l) => l.smsCount),
        chunk.map((l) => l.daysInService),
        chunk.map((l) => JSON.stringify(l.raw)),
      ],
    );
  }
}

async function insertQuarantine(tx: Tx, statementId: string, rows: Quarantined[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    await tx.query(
      `insert into carrier_statement_quarantine (statement_id, row_no, raw, failures)
       select $1, * from unnest($2::int[], $3::jsonb[], $4::jsonb[])`,
      [
        statementId,
        chunk.map((q) => q.row),
        chunk.map((q) => JSON.stringify(q.raw)),
        chunk.map((q) => JSON.stringify(q.failures)),
      ],
    );
  }
}
