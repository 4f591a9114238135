import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ClientBase } from 'pg';
import { type Tx, withConnection } from '../schema/db/tx';
import { copyIn, copyText } from '../schema/demo/copy';
import { toHalfWidth } from '../schema/identifiers/fullwidth';
import { validateIccid } from '../schema/identifiers/iccid';
import { luhnCheckDigit } from '../schema/identifiers/luhn';
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
import { FLEET_DIGEST_SQL } from './reconciliation';
import {
  openSheetStream,
  type SheetFile,
  type SheetOptions,
  type SheetRow,
  type SheetStream,
} from './sheets';
import { cellText, type FieldFailure, type Raw } from './validate';

/**
 * A carrier's monthly statement (CSV in UTF-8 or GBK/GB18030, or XLSX) into carrier_statement and its lines,
 * read through the carrier's column-mapping template. The order of things:
 *
 * The file is streamed, never held whole (a province's month is 100,000 lines): rows are read one at a time
 * (CSV through TextDecoder or iconv-lite and CsvRecordReader, XLSX through ExcelJS's WorkbookReader), its sha256 computed from the
 * same bytes, and accepted lines sent to PostgreSQL by COPY in chunks as they come. Only sums, counts and the
 * first MAX_REPORTED_ERRORS failures stay in memory. The order of things:
 *
 * 1. File-level checks throw a DomainError and write nothing: no template for the carrier, a requested month
 *    that is malformed or in the future (China time), a mapped column missing from the file's header.
 * 2. One transaction: the current statement of the same carrier and month (if any) is deleted with its lines
 *    and quarantine and the new one inserted at once, so that the lines can be written into it as they are
 *    read. Each line is written with its match (SIM by ICCID, else number; its handset, worker and grid as of
 *    the month) from the inventory read once before (see reconciliation.ts), so that a matched line needs no
 *    further write. Every line is checked (ICCID, number, month, category, amount, usage). Under the template's
 *    'refuse' policy any bad line refuses the whole import: the report lists every failure (row, field,
 *    rule, message) and the transaction is rolled back (lines stop being written at the first failure).
 *    Under 'quarantine' the bad lines are kept aside with their reasons and the rest imports.
 * 3. Tie-out, once every row has been read and before the transaction commits: the statement's stated totals
 *    per category must equal the lines' sums, or the import throws TOTALS_MISMATCH with the difference per
 *    category in fen, and everything it wrote is rolled back (the replaced statement is back as it was).
 *    Stated totals come from the `totals` argument when given; otherwise from the file's totals rows (rows
 *    whose first non-empty cell starts with the template's `totalsMarker`, e.g. 合计: the category or item
 *    cell names the category, none means the grand total). No totals at all is TOTALS_MISSING.
 *    Quarantine rule: the carrier's totals cover every line it billed, so the tie-out counts the accepted
 *    lines plus the quarantined lines whose category and amount could be read (a line quarantined for its
 *    ICCID still carries its charge). A quarantined line whose amount or category cannot be read cannot be
 *    placed, so its category does not tie out and the import is refused. The stored statement's totals are
 *    the accepted lines only (Σ stored lines = stored totals, always); the report gives the quarantined
 *    amounts beside them.
 * 4. The statement's totals, counts and digest are filled in, the import audited in fleet_audit
 *    ('fees.import', counts only), and the transaction committed. The report says which statement was
 *    replaced and its totals.
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
  /**
   * Bad lines: under 'refuse' they refused the import; under 'quarantine' they are the quarantined lines.
   * The first MAX_REPORTED_ERRORS failures.
   */
  errors: LineFailure[];
  /** Failures past MAX_REPORTED_ERRORS, counted but not listed (absent when every failure is listed). */
  errorsOmitted?: number;
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
/**
 * Lines a COPY. Small enough that a chunk's text dies young (collected by the scavenger, not promoted to the
 * old generation), large enough that a COPY's round trip is noise.
 */
const LINE_CHUNK = 2_000;
/** Lines held while the inventory is read (its reading and theirs overlap); past this many they wait for it. */
const MAX_WAITING = 20_000;

/**
 * The usual cells, accepted without building the validators' full results (masks, carrier, country: garbage
 * at 100,000 lines a file). Each is exactly what validateIccid / validatePhone accept unchanged: 20 ASCII
 * digits starting 89 with a good Luhn digit; a mobile (1[3-9], 11 digits) or IoT (14[1468], 13 digits)
 * number. Anything else goes through the validators.
 */
const PLAIN_ICCID = /^89\d{18}$/;
const PLAIN_NUMBER = /^(?:1[3-9]\d{9}|14[1468]\d{10})$/;
const isPlainIccid = (text: string) =>
  PLAIN_ICCID.test(text) && luhnCheckDigit(text.slice(0, 19)) === text.charCodeAt(19) - 48;

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
function quantity(c: LineChecker, field: string, raw: Raw, shown: string, max: number): number | null {
  const text = shown.replace(/,/g, '');
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

/** A refusal by the 'refuse' policy (or a bad totals row): the report is returned, the transaction undone. */
class Refused extends Error {
  constructor(readonly report: StatementImportReport) {
    super('statement refused');
  }
}

/** The header and where each mapped field is, read before anything is written. */
interface Layout {
  header: string[];
  columnOf: Map<StatementField, number>;
  /** The first data row (1-based), after the header and the rows the template skips. */
  firstData: number;
}

/** What the import keeps in memory while the lines stream past: sums, counts and the first failures. */
interface Tally {
  lines: number;
  totalsFen: CategoryTotals;
  quarantined: number;
  quarantinedFen: CategoryTotals;
  /** Rows quarantined without a readable category and amount (they cannot tie out). */
  unplacedRows: number[];
  errors: LineFailure[];
  errorCount: number;
  totalsRowFailed: boolean;
  fileTotals: CategoryTotals;
  fileGrandTotal: number | null;
}

/**
 * The failures a report lists in full; past this many only their number is kept (`errorsOmitted`), so that
 * a wholly wrong province-sized file cannot exhaust memory.
 */
export const MAX_REPORTED_ERRORS = 10_000;

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
  const sheet = await openSheetStream(options.file, options);
  try {
    const fileName = path.basename(sheet.name);
    const rows = sheet.rows;
    // The inventory is read on its own connection while the file's first lines are read and checked (it is
    // asked for before the import's transaction takes a connection, so that a pool of one serves it first
    // rather than waiting on itself); the lines wait for it only when they are written.
    const matches = withConnection(em, (tx) => loadMatches(tx, month));
    matches.catch(() => undefined);
    const { layout, pending } = await readLayout(rows, template, fileName);
    const context: ImportContext = {
      actor,
      carrier,
      month,
      current,
      template,
      fileName,
      options,
      layout,
      matches,
    };
    return await withClient(em, (client) => importIn(client, context, sheet, withPending(pending, rows)));
  } catch (error) {
    if (error instanceof Refused) return error.report;
    throw error;
  } finally {
    await sheet.close();
  }
}

interface ImportContext {
  actor: string;
  carrier: string;
  month: string;
  /** The current month in China, YYYY-MM. */
  current: string;
  template: Template;
  fileName: string;
  options: StatementImportOptions;
  layout: Layout;
  matches: Promise<Matches>;
}

/** A SIM of the inventory with its assignment as of the billing month, as COPY text. */
interface SimMatch {
  /** `<sim id>\t<handset>\t<worker>\t<grid>`, \N where there is no assignment. */
  copy: string;
  simId: string;
  handsetId: string | null;
  workerId: string | null;
  gridCode: string | null;
}

/** The inventory by ICCID and by number, read once per import (a province: 100,000 SIMs, a few MB). */
interface Matches {
  byIccid: Map<string, SimMatch>;
  byMsisdn: Map<string, SimMatch>;
  /** FLEET_DIGEST_SQL as of the match (the same statement, so the same snapshot). */
  digest: string;
}

/**
 * Every SIM with its assignment as of the month, as the reconciliation matches them (see reconciliation.ts:
 * the latest assignment starting before the month's end, if it has not ended before the month's start, China
 * time), in one text value: one row a SIM is far cheaper to send and split than 100,000 result rows. A number
 * shared by two SIMs matches the first by id.
 */
async function loadMatches(tx: Tx, month: string): Promise<Matches> {
  const [row] = await tx.query<{ sims: string | null; digest: string }>(
    `select ${FLEET_DIGEST_SQL} as digest, string_agg(concat_ws(E'\t', s.iccid, coalesce(s.msisdn, ''), s.id, coalesce(a.handset_id::text, ''),
         coalesce(a.worker_id::text, ''), coalesce(w.grid_code, '')), E'\n') as sims
       from sim_card s
       left join (
         select distinct on (a.sim_id) a.sim_id, a.handset_id, a.worker_id, a.until from assignment a
          where a.since < (($1::date + interval '1 month')::timestamp at time zone 'Asia/Shanghai')
          order by a.sim_id, a.since desc, a.id desc) a
         on a.sim_id = s.id and (a.until is null or a.until > ($1::date::timestamp at time zone 'Asia/Shanghai'))
       left join fleet_worker w on w.id = a.worker_id`,
    [`${month}-01`],
  );
  const byIccid = new Map<string, SimMatch>();
  const byMsisdn = new Map<string, SimMatch>();
  const digest = row!.digest;
  if (!row?.sims) return { byIccid, byMsisdn, digest };
  for (const line of row.sims.split('\n')) {
    const [iccid, msisdn, simId, handsetId, workerId, gridCode] = line.split('\t') as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const match: SimMatch = {
      copy: `${simId}\t${handsetId || '\\N'}\t${workerId || '\\N'}\t${gridCode ? copyText(gridCode) : '\\N'}`,
      simId,
      handsetId: handsetId || null,
      workerId: workerId || null,
      gridCode: gridCode || null,
    };
    byIccid.set(iccid, match);
    const sharing = msisdn ? byMsisdn.get(msisdn) : undefined;
    if (msisdn && (!sharing || Number(sharing.simId) > Number(simId))) byMsisdn.set(msisdn, match);
  }
  return { byIccid, byMsisdn, digest };
}

/** Reads rows up to the header; a row past it (the header row was empty) is handed back as `pending`. */
async function readLayout(
  rows: AsyncGenerator<SheetRow>,
  template: Template,
  fileName: string,
): Promise<{ layout: Layout; pending: SheetRow | null }> {
  let headerRow: SheetRow | null = null;
  let pending: SheetRow | null = null;
  for (;;) {
    const next = await rows.next();
    if (next.done) break;
    if (next.value.row === template.headerRow) headerRow = next.value;
    if (next.value.row >= template.headerRow) {
      if (next.value.row > template.headerRow) pending = next.value;
      break;
    }
  }
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
  return { layout: { header, columnOf, firstData: template.headerRow + 1 + template.skipRows }, pending };
}

async function* withPending(
  pending: SheetRow | null,
  rows: AsyncGenerator<SheetRow>,
): AsyncGenerator<SheetRow> {
  if (pending) yield pending;
  yield* rows;
}

/** The ORM pool's `pg` client for one transaction (COPY needs the client itself, not only `query`). */
async function withClient<T>(em: EntityManager, fn: (client: ClientBase) => Promise<T>): Promise<T> {
  const { client: pool } = em.getKnex() as unknown as {
    client: {
      acquireConnection(): Promise<ClientBase>;
      releaseConnection(c: ClientBase): Promise<unknown>;
    };
  };
  const client = await pool.acquireConnection();
  try {
    await client.query('begin');
    try {
      const result = await fn(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
  } finally {
    await pool.releaseConnection(client);
  }
}

const txOf = (client: ClientBase): Tx => ({
  async query<R>(sql: string, params: readonly unknown[] = []) {
    return (await client.query(sql, [...params])).rows as R[];
  },
});

/**
 * In one transaction: the month's current statement is replaced by a new one at once (so that its lines can
 * be written as they are read), the lines streamed into it by COPY in chunks, and the totals tied out at the
 * end. A refusal or a failed tie-out throws, which rolls back everything, the replaced statement included.
 */
async function importIn(
  client: ClientBase,
  ctx: ImportContext,
  sheet: SheetStream,
  rows: AsyncIterable<SheetRow>,
): Promise<StatementImportReport> {
  const { carrier, month, template } = ctx;
  const tx = txOf(client);
  const billingMonth = `${month}-01`;
  // One import per carrier and month at a time; the unique (carrier, billing_month) backs it.
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`carrier_statement:${carrier}:${month}`]);
  const [old] = await tx.query<{ id: string; totals_fen: CategoryTotals }>(
    'select id, totals_fen from carrier_statement where carrier = $1 and billing_month = $2 for update',
    [carrier, billingMonth],
  );
  if (old) {
    await tx.query('delete from carrier_statement_line where statement_id = $1', [old.id]);
    await tx.query('delete from carrier_statement where id = $1', [old.id]);
  }
  // Totals, counts and digest are filled in once the file has been read.
  const [created] = await tx.query<{ id: string }>(
    `insert into carrier_statement (carrier, billing_month, template_id, file_name, sha256, imported_by,
       totals_fen, total_fen, line_count, quarantined_count, replaced_statement_id, replaced_totals_fen)
     values ($1, $2, $3, $4, '', $5, '{}', 0, 0, 0, $6, $7) returning id`,
    [
      carrier,
      billingMonth,
      template.id,
      ctx.fileName.slice(0, 255),
      ctx.actor,
      old?.id ?? null,
      old ? JSON.stringify(old.totals_fen) : null,
    ],
  );
  const statementId = String(created!.id);

  const tally = await streamLines(client, ctx, statementId, rows);
  const report = reportOf(ctx, tally);
  const refusedByPolicy = tally.errorCount > 0 && template.badLines === BadLinePolicy.REFUSE;
  if (tally.totalsRowFailed || refusedByPolicy) {
    throw new Refused({ ...report, quarantined: 0, quarantinedFen: {} });
  }
  tieOut(ctx, tally);

  const sha256 = await sheet.sha256();
  await tx.query(
    `update carrier_statement set sha256 = $2, totals_fen = $3, total_fen = $4, line_count = $5,
       quarantined_count = $6, fleet_digest = $7 where id = $1`,
    [
      statementId,
      sha256,
      JSON.stringify(tally.totalsFen),
      report.totalFen,
      tally.lines,
      tally.quarantined,
      (await ctx.matches).digest,
    ],
  );
  await recordFleetAudit(tx, {
    actor: ctx.actor,
    action: 'fees.import',
    detail: {
      statementId,
      carrier,
      month,
      template: template.name,
      file: ctx.fileName,
      sha256,
      lines: tally.lines,
      quarantined: tally.quarantined,
      totalFen: report.totalFen,
      replacedStatementId: old?.id ?? null,
    },
  });
  return {
    ...report,
    statementId,
    replaced: old ? { statementId: String(old.id), totalsFen: old.totals_fen } : null,
    applied: true,
  };
}

function reportOf(ctx: ImportContext, tally: Tally): StatementImportReport {
  const quarantining = ctx.template.badLines === BadLinePolicy.QUARANTINE;
  return {
    statementId: null,
    carrier: ctx.carrier,
    month: ctx.month,
    file: ctx.fileName,
    lines: tally.lines,
    totalsFen: tally.totalsFen,
    totalFen: sum(tally.totalsFen),
    replaced: null,
    errors: tally.errors,
    ...(tally.errorCount > tally.errors.length
      ? { errorsOmitted: tally.errorCount - tally.errors.length }
      : {}),
    quarantined: quarantining ? tally.quarantined : 0,
    quarantinedFen: quarantining ? tally.quarantinedFen : {},
    totalsSource: ctx.options.totals ? 'argument' : 'file',
    applied: false,
  };
}

/** Reads every data row: totals rows summed, lines checked, accepted lines and quarantined rows written. */
async function streamLines(
  client: ClientBase,
  ctx: ImportContext,
  statementId: string,
  rows: AsyncIterable<SheetRow>,
): Promise<Tally> {
  const { template, layout } = ctx;
  const tally: Tally = {
    lines: 0,
    totalsFen: {},
    quarantined: 0,
    quarantinedFen: {},
    unplacedRows: [],
    errors: [],
    errorCount: 0,
    totalsRowFailed: false,
    fileTotals: {},
    fileGrandTotal: null,
  };
  const noteFailures = (row: number, failures: FieldFailure[]) => {
    for (const f of failures) {
      tally.errorCount++;
      if (tally.errors.length < MAX_REPORTED_ERRORS) tally.errors.push({ row, ...f });
    }
  };
  const refusing = template.badLines === BadLinePolicy.REFUSE;
  const copying = await takesCopy(client);
  const lines = new LineWriter(client, statementId, copying, ctx.matches);
  const quarantine: Quarantined[] = [];
  // Header cells as JSON keys, COPY-escaped when the lines go by COPY (raw is then written as COPY text).
  const rawKeys = layout.header.map((h) =>
    h ? `${copying ? copyText(JSON.stringify(h)) : JSON.stringify(h)}:` : '',
  );

  for await (const r of rows) {
    if (r.row < layout.firstData) continue;
    // Each cell's text once: the checks, the totals marker and `raw` all read it.
    const texts = r.cells.map(cellText);
    if (template.totalsMarker && firstText(texts).startsWith(template.totalsMarker)) {
      totalsRow(ctx, r, tally, noteFailures);
      continue;
    }
    const checked = checkLine(ctx, r, texts);
    if ('failures' in checked) {
      noteFailures(r.row, checked.failures);
      tally.quarantined++;
      if (checked.category != null && checked.amountFen != null) {
        add(tally.quarantinedFen, checked.category, checked.amountFen);
      } else tally.unplacedRows.push(r.row);
      if (!refusing) {
        quarantine.push(checked);
        if (quarantine.length >= CHUNK) await insertQuarantine(client, statementId, quarantine.splice(0));
      }
      continue;
    }
    tally.lines++;
    add(tally.totalsFen, checked.category, checked.amountFen);
    // Once the policy refuses the file, nothing more is written: the transaction will be undone.
    if (!(refusing && tally.errorCount)) lines.add(checked, rawJson(rawKeys, texts, copying));
    if (lines.full) await lines.flush();
  }
  await lines.flush();
  await lines.done();
  if (quarantine.length) await insertQuarantine(client, statementId, quarantine);
  return tally;
}

/** The first non-empty cell's text (a totals row starts with the marker there). */
function firstText(texts: string[]): string {
  for (const text of texts) if (text !== '') return text;
  return '';
}

/** A cell JSON writes as it is, between quotes: no quote, backslash, control character or surrogate. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what JSON escapes.
const JSON_PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/**
 * The source row as `raw` (header → cell text, empty cells left out), straight to JSON; with `copying`, as
 * COPY text (backslashes doubled), so that the usual cell, which needs neither, is copied once.
 */
function rawJson(keys: string[], texts: string[], copying: boolean): string {
  let json = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (!key) continue;
    const text = texts[i];
    if (!text) continue;
    const value = JSON_PLAIN.test(text)
      ? `"${text}"`
      : copying
        ? copyText(JSON.stringify(text))
        : JSON.stringify(text);
    json += `${json.length > 1 ? ',' : ''}${key}${value}`;
  }
  return `${json}}`;
}

function rawOf(header: string[], texts: string[]): Record<string, string> {
  const raw: Record<string, string> = {};
  header.forEach((h, i) => {
    const text = texts[i];
    if (h && text) raw[h] = text;
  });
  return raw;
}

function cellOf(layout: Layout, r: SheetRow, field: StatementField): Raw {
  const col = layout.columnOf.get(field);
  return col == null ? undefined : r.cells[col];
}

/** A totals row (合计): not a line; it states a category's total or the grand total. */
function totalsRow(
  ctx: ImportContext,
  r: SheetRow,
  tally: Tally,
  noteFailures: (row: number, failures: FieldFailure[]) => void,
): void {
  const { template, layout } = ctx;
  const c = new LineChecker();
  const first = firstText(r.cells.map(cellText));
  const key = cellText(cellOf(layout, r, 'category')) || cellText(cellOf(layout, r, 'itemName'));
  const amount = parseFen(cellOf(layout, r, 'amount'));
  if (amount == null) {
    c.fail(
      'amount',
      'MONEY',
      'must be an amount in yuan with at most two decimals',
      cellOf(layout, r, 'amount'),
    );
  }
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
  if (c.failures.length) {
    tally.totalsRowFailed = true;
    noteFailures(r.row, c.failures);
  } else if (category) add(tally.fileTotals, category, amount!);
  else tally.fileGrandTotal = (tally.fileGrandTotal ?? 0) + amount!;
}

/** One line checked: the line to store, or the row with every failure (and its charge, when readable). */
function checkLine(ctx: ImportContext, r: SheetRow, texts: string[]): Line | Quarantined {
  const { template, layout, month, current } = ctx;
  const cell = (field: StatementField) => cellOf(layout, r, field);
  const text = (field: StatementField) => {
    const col = layout.columnOf.get(field);
    return col == null ? '' : (texts[col] ?? '');
  };
  const c = new LineChecker();
  let iccid: string | null = null;
  const iccidText = text('iccid');
  if (iccidText) {
    if (isPlainIccid(iccidText)) iccid = iccidText;
    else {
      const result = validateIccid(iccidText);
      iccid = result.ok ? result.value : c.fail('iccid', result.rule, result.message, iccidText);
    }
  }
  let msisdn: string | null = null;
  const msisdnText = text('msisdn');
  if (msisdnText) {
    if (PLAIN_NUMBER.test(msisdnText)) msisdn = msisdnText;
    else {
      const result = validatePhone(msisdnText, { kinds: ['mobile', 'iot'] });
      msisdn = result.ok ? result.value : c.fail('msisdn', result.rule, result.message, msisdnText);
    }
  }
  if (!iccidText && !msisdnText) {
    c.fail(
      layout.columnOf.has('iccid') ? 'iccid' : 'msisdn',
      'REQUIRED',
      'a line needs an ICCID or a number',
    );
  }
  if (layout.columnOf.has('month')) {
    const lineMonth = parseMonth(cell('month'));
    if (!lineMonth) {
      c.fail('month', 'MONTH_FORMAT', 'is not a month (YYYY-MM, YYYYMM or YYYY年M月)', cell('month'));
    } else if (lineMonth > current) {
      c.fail('month', 'MONTH_IN_FUTURE', `${lineMonth} is after the current month ${current}`, lineMonth);
    } else if (lineMonth !== month) {
      c.fail('month', 'MONTH_MISMATCH', `${lineMonth} is not the billing month ${month}`, lineMonth);
    }
  }
  const itemName = text('itemName') || null;
  if (itemName && itemName.length > 200) c.fail('itemName', 'TOO_LONG', 'is longer than 200 characters');
  const categoryText = text('category');
  const categoryKey = categoryText || itemName || '';
  const categoryField = categoryText ? 'category' : 'itemName';
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
  const amountRaw = cell('amount');
  const amountFen = parseFen(amountRaw);
  if (amountFen == null) {
    if (text('amount')) {
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
  const usage = (field: StatementField, max: number) => quantity(c, field, cell(field), text(field), max);
  const dataMb = usage('dataMb', 2_000_000_000);
  const voiceMinutes = usage('voiceMinutes', 2_000_000_000);
  const smsCount = usage('smsCount', 2_000_000_000);
  const daysInService = usage('daysInService', 31);

  if (c.failures.length) {
    const placeable = amountFen != null && category != null;
    return {
      row: r.row,
      raw: rawOf(layout.header, texts),
      failures: c.failures,
      category: placeable ? category : null,
      amountFen: placeable ? amountFen : null,
    };
  }
  return {
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
  };
}

/** Tie-out: stated totals against accepted + placeable quarantined lines, per category and in all. */
function tieOut(ctx: ImportContext, tally: Tally): void {
  const { options, fileName, template } = ctx;
  const stated = options.totals ?? tally.fileTotals;
  const statedGrand = options.totals ? null : tally.fileGrandTotal;
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
  const counted: CategoryTotals = { ...tally.totalsFen };
  for (const [k, v] of Object.entries(tally.quarantinedFen)) add(counted, k as FeeCategory, v ?? 0);
  const differences: TieOutDifference[] = [];
  if (Object.keys(stated).length > 0) {
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
  const unplaced = tally.unplacedRows;
  if (differences.length || unplaced.length) {
    const parts = differences.map(
      (d) =>
        `${d.category}: stated ${d.statedFen} fen, lines ${d.linesFen} fen, difference ${d.differenceFen} fen`,
    );
    if (unplaced.length) parts.push(`rows ${unplaced.join(', ')} have no readable category and amount`);
    throw new DomainError(
      'TOTALS_MISMATCH',
      `${fileName}: the lines do not add up to the statement's totals: ${parts.join('; ')}`,
      { file: fileName, differences, unplacedRows: unplaced },
    );
  }
}

const LINE_COLUMNS =
  'statement_id, line_no, iccid, msisdn, category, item_name, amount_fen, data_mb, voice_minutes, sms_count, days_in_service, raw, matched_by, sim_id, handset_id, worker_id, grid_code';

/** No SIM: matched_by, sim, handset, worker, grid. */
const UNMATCHED_COPY = '\\N\t\\N\t\\N\t\\N\t\\N';

const copyValue = (v: string | number | null) =>
  v == null ? '\\N' : typeof v === 'number' ? String(v) : copyText(v);

/**
 * Whether the server takes COPY FROM STDIN: PostgreSQL does; PGlite behind its socket server (the embedded
 * database of `npm start`) drops the connection on it. Asked once per pooled connection.
 */
const copyCapable = new WeakMap<ClientBase, boolean>();
async function takesCopy(client: ClientBase): Promise<boolean> {
  let known = copyCapable.get(client);
  if (known === undefined) {
    const { rows } = await client.query<{ version: string }>('select version() as version');
    known = !/PGlite/i.test(rows[0]?.version ?? '');
    copyCapable.set(client, known);
  }
  return known;
}

/**
 * Accepted lines as COPY text, CHUNK lines a COPY (or, where the server cannot take COPY, one
 * `jsonb_to_recordset` insert per chunk). A chunk is sent while the next one is being read, so PostgreSQL's
 * work overlaps the parsing; at most two chunks are in memory.
 */
class LineWriter {
  /** Lines read and checked, with their raw JSON (COPY text when copying): formatted when sent, once the inventory is in. */
  private buffer: Array<[Line, string]> = [];
  private inFlight: Promise<void> | null = null;
  private failure: unknown = null;

  constructor(
    private readonly client: ClientBase,
    private readonly statementId: string,
    private readonly copy: boolean,
    private readonly matches: Promise<Matches>,
  ) {
    matches.then(
      () => {
        this.ready = true;
      },
      () => undefined,
    );
  }

  /** Whether the inventory is in: until it is, lines are only read and checked (up to MAX_WAITING). */
  private ready = false;

  get full(): boolean {
    return this.buffer.length >= (this.ready ? LINE_CHUNK : MAX_WAITING);
  }

  add(l: Line, raw: string): void {
    this.buffer.push([l, raw]);
  }

  /** One line as COPY text (or, without COPY, as a JSON object), with its match. */
  private format(matches: Matches, l: Line, raw: string): string {
    // By ICCID, then by number, as the reconciliation matches.
    const byIccid = l.iccid ? matches.byIccid.get(l.iccid) : undefined;
    const byMsisdn = byIccid || !l.msisdn ? undefined : matches.byMsisdn.get(l.msisdn);
    const match = byIccid ?? byMsisdn;
    const matchedBy = byIccid ? 'iccid' : byMsisdn ? 'msisdn' : null;
    return this.copy
      ? `${this.statementId}\t${l.row}\t${copyValue(l.iccid)}\t${copyValue(l.msisdn)}\t${l.category}\t${copyValue(l.itemName)}\t${l.amountFen}\t${copyValue(l.dataMb)}\t${copyValue(l.voiceMinutes)}\t${copyValue(l.smsCount)}\t${copyValue(l.daysInService)}\t${raw}\t${match ? `${matchedBy}\t${match.copy}` : UNMATCHED_COPY}\n`
      : // `raw` is JSON text already: spliced in, not parsed again.
        `${JSON.stringify({
          matched_by: matchedBy,
          sim_id: match?.simId ?? null,
          handset_id: match?.handsetId ?? null,
          worker_id: match?.workerId ?? null,
          grid_code: match?.gridCode ?? null,
          line_no: l.row,
          iccid: l.iccid,
          msisdn: l.msisdn,
          category: l.category,
          item_name: l.itemName,
          amount_fen: l.amountFen,
          data_mb: l.dataMb,
          voice_minutes: l.voiceMinutes,
          sms_count: l.smsCount,
          days_in_service: l.daysInService,
        }).slice(0, -1)},"raw":${raw}}`;
  }

  /** Sends the buffered lines once the previous chunk is in. */
  async flush(): Promise<void> {
    await this.done();
    if (!this.buffer.length) return;
    const matches = await this.matches;
    const chunk = this.buffer.map(([l, raw]) => this.format(matches, l, raw));
    this.buffer = [];
    const sent = this.copy
      ? copyIn(this.client, `copy carrier_statement_line (${LINE_COLUMNS}) from stdin`, chunk.join(''))
      : this.client.query(
          `insert into carrier_statement_line (${LINE_COLUMNS})
           select $1, x.line_no, x.iccid, x.msisdn, x.category::fee_category, x.item_name, x.amount_fen, x.data_mb,
             x.voice_minutes, x.sms_count, x.days_in_service, x.raw, x.matched_by, x.sim_id, x.handset_id,
             x.worker_id, x.grid_code
           from jsonb_to_recordset($2::jsonb) as x(line_no int, iccid text, msisdn text, category text,
             item_name text, amount_fen bigint, data_mb bigint, voice_minutes bigint, sms_count bigint,
             days_in_service int, raw jsonb, matched_by text, sim_id bigint, handset_id bigint, worker_id bigint,
             grid_code text)`,
          [this.statementId, `[${chunk.join(',')}]`],
        );
    this.inFlight = sent.then(
      () => undefined,
      (error: unknown) => {
        this.failure = error;
      },
    );
  }

  /** Waits for the chunk in flight; its failure is thrown here. */
  async done(): Promise<void> {
    if (this.inFlight) await this.inFlight;
    this.inFlight = null;
    if (this.failure) throw this.failure;
  }
}

/** Multi-row inserts through `unnest`: quarantined rows are few, and carry their failures as JSON. */
async function insertQuarantine(client: ClientBase, statementId: string, rows: Quarantined[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    await client.query(
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
