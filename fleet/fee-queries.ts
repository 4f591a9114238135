import type { EntityManager } from '@mikro-orm/postgresql';
import { Conditions, type Page, type PageRequest } from '../schema/common/listing';
import { runSql } from '../schema/common/rows';
import { validateIccid } from '../schema/identifiers/iccid';
import { DomainError, NotFoundError } from '../schema/runtime/errors';
import { CarrierTemplate, type FeeCategory, Statement } from './fees.entity';
import { CLASS_PRECEDENCE, FINDINGS_SQL } from './reconciliation';
import type { DiscrepancyClass, FindingState, ReconciliationStatus } from './reconciliation.entity';

/**
 * The read side of finance's carrier statements and their reconciliation: the carriers' templates, the
 * imported statements, the latest reconciliation run of a carrier's month and its findings, a statement's
 * lines and quarantined lines (keyset pages), with the checks of their arguments (carrier, billing month,
 * year). They live here, in the domain, so that both the GraphQL resolvers and the `hub fees` CLI call them
 * (dependencies point gateway → fleet → schema). They return plain shapes (the *View interfaces below) whose
 * fields are those of the API's object types (gateway/resolvers/fees-types.ts), so a resolver returns them
 * as they are. Money is fen as a decimal string, as in the API.
 */

const CARRIERS = ['cmcc', 'cucc', 'ctcc'];

/** A reconciliation run with its counts. */
export interface ReconciliationView {
  id: string;
  /** Null once a re-import replaced the statement. */
  statementId: string | null;
  carrier: string;
  /** YYYY-MM */
  month: string;
  status: ReconciliationStatus;
  params: Record<string, unknown>;
  requestedBy: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  lines: number;
  matched: number;
  discrepancies: number;
  accepted: number;
  /** Findings per class (open and accepted), in precedence order. */
  byClass: { class: DiscrepancyClass; count: number }[];
  matchedFen: string;
  atStakeFen: string;
  error: string | null;
}

/** A statement line's (or an unbilled SIM's) reconciliation. */
export interface FindingView {
  id: string;
  runId: string;
  carrier: string;
  /** YYYY-MM */
  month: string;
  lineId: string | null;
  lineKey: string;
  iccid: string | null;
  msisdn: string | null;
  matchedBy: string | null;
  /** Null when matched. */
  class: DiscrepancyClass | null;
  amountFen: string;
  atStakeFen: string;
  handsetId: string | null;
  workerId: string | null;
  workerCode: string | null;
  gridCode: string | null;
  detail: Record<string, unknown>;
  state: FindingState;
  acceptedBy: string | null;
  acceptedReason: string | null;
  acceptedAt: Date | null;
}

/** One charge line of a statement. */
export interface StatementLineView {
  id: string;
  lineNo: number;
  iccid: string | null;
  msisdn: string | null;
  category: FeeCategory;
  itemName: string | null;
  /** Negative for a credit. */
  amountFen: string;
  dataMb: number | null;
  voiceMinutes: number | null;
  smsCount: number | null;
  daysInService: number | null;
  /** The source row as read: header → cell text. */
  raw: Record<string, string>;
}

/** Why a line failed a check. */
export interface LineFailureView {
  field: string;
  rule: string;
  message: string;
  value: string | null;
}

/** A line the template's quarantine policy set aside. */
export interface QuarantinedLineView {
  id: string;
  rowNo: number;
  raw: Record<string, string>;
  failures: LineFailureView[];
  createdAt: Date;
}

/** Which lines of a statement: all conditions must hold. */
export interface StatementLineFilter {
  iccid?: string | null;
  msisdn?: string | null;
  categories?: FeeCategory[] | null;
}

/** A carrier code in lower case, or null when none is given; an unknown one is UNKNOWN_CARRIER. */
export function checkCarrier(carrier: string | null | undefined): string | null {
  const c = carrier?.trim().toLowerCase();
  if (!c) return null;
  if (!CARRIERS.includes(c))
    throw new DomainError(
      'UNKNOWN_CARRIER',
      `carrier must be one of ${CARRIERS.join(', ')}, not "${carrier}"`,
      {
        field: 'carrier',
        rule: CARRIERS.join('|'),
      },
    );
  return c;
}

/** As checkCarrier, but a carrier must be given. */
export function requiredCarrier(carrier: string | null | undefined): string {
  const c = checkCarrier(carrier);
  if (!c)
    throw new DomainError('UNKNOWN_CARRIER', 'carrier is required', { field: 'carrier', rule: 'REQUIRED' });
  return c;
}

function checkYear(year: number | null | undefined): number | null {
  if (year == null) return null;
  if (!Number.isInteger(year) || year < 2000 || year > 2100)
    throw new DomainError('YEAR', `year must be a whole number from 2000 to 2100, got ${year}`, {
      field: 'year',
      rule: '2000 ≤ year ≤ 2100',
    });
  return year;
}

function checkMonth(month: string): string {
  const m = month?.trim();
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(m ?? ''))
    throw new DomainError('MONTH', `month must be YYYY-MM, not "${month}"`, {
      field: 'month',
      rule: 'YYYY-MM',
    });
  return m;
}

/** The carriers' statement templates (of one carrier when given), by carrier then id. */
export async function listCarrierTemplates(
  em: EntityManager,
  carrier: string | null | undefined,
): Promise<CarrierTemplate[]> {
  const c = checkCarrier(carrier);
  return em.find(CarrierTemplate, c ? { carrier: c } : {}, { orderBy: { carrier: 'asc', id: 'asc' } });
}

/** The name of a template, '' when there is none with this id. */
export async function templateName(em: EntityManager, templateId: string): Promise<string> {
  const [row] = await runSql<{ name: string }>(em, 'select name from carrier_template where id = ?', [
    templateId,
  ]);
  return row?.name ?? '';
}

/** The statements of a carrier and/or a year, by billing month then carrier. */
export async function listStatements(
  em: EntityManager,
  filter: { carrier?: string | null; year?: number | null },
): Promise<Statement[]> {
  const carrier = checkCarrier(filter.carrier);
  const year = checkYear(filter.year);
  return em.find(
    Statement,
    {
      ...(carrier ? { carrier } : {}),
      ...(year ? { billingMonth: { $gte: `${year}-01-01`, $lte: `${year}-12-31` } } : {}),
    },
    { orderBy: { billingMonth: 'asc', carrier: 'asc' } },
  );
}

/** One statement by id; an unknown (or malformed) id is STATEMENT_NOT_FOUND. */
export async function findStatement(em: EntityManager, id: string): Promise<Statement> {
  const found = /^\d{1,19}$/.test(id) ? await em.findOne(Statement, { id }) : null;
  if (!found)
    throw new DomainError('STATEMENT_NOT_FOUND', `no statement with id ${JSON.stringify(id)}`, {
      field: 'id',
    });
  return found;
}

const date = (v: unknown): Date | null => (v == null ? null : new Date(v as string));

function toReconciliation(r: Record<string, unknown>): ReconciliationView {
  const byClass = (r.by_class ?? {}) as Record<string, number>;
  return {
    id: String(r.id),
    statementId: r.statement_id == null ? null : String(r.statement_id),
    carrier: String(r.carrier),
    month: String(r.month),
    status: r.status as ReconciliationStatus,
    params: (r.params ?? {}) as Record<string, unknown>,
    requestedBy: String(r.requested_by),
    createdAt: new Date(r.created_at as string),
    startedAt: date(r.started_at),
    finishedAt: date(r.finished_at),
    lines: Number(r.lines),
    matched: Number(r.matched),
    discrepancies: Number(r.discrepancies),
    accepted: Number(r.accepted),
    byClass: CLASS_PRECEDENCE.filter((c) => byClass[c]).map((c) => ({ class: c, count: Number(byClass[c]) })),
    matchedFen: String(r.matched_fen),
    atStakeFen: String(r.at_stake_fen),
    error: (r.error as string | null) ?? null,
  };
}

/** The latest reconciliation run of a carrier and month (YYYY-MM), or null when there is none. */
export async function latestReconciliation(
  em: EntityManager,
  carrier: string,
  month: string,
): Promise<ReconciliationView | null> {
  const [row] = await runSql<Record<string, unknown>>(
    em,
    `select *, to_char(billing_month, 'YYYY-MM') as month from fee_reconciliation_run
      where carrier = ? and billing_month = ?::date order by id desc limit 1`,
    [requiredCarrier(carrier), `${checkMonth(month)}-01`],
  );
  return row ? toReconciliation(row) : null;
}

/** The current statement of a carrier and month (YYYY-MM). */
export async function statementOfMonth(em: EntityManager, carrier: string, month: string): Promise<string> {
  const c = requiredCarrier(carrier);
  const m = checkMonth(month);
  const [row] = await runSql<{ id: string }>(
    em,
    'select id from carrier_statement where carrier = ? and billing_month = ?::date',
    [c, `${m}-01`],
  );
  if (!row)
    throw new DomainError('STATEMENT_NOT_FOUND', `no ${c} statement for ${m}`, {
      field: 'month',
      carrier: c,
    });
  return String(row.id);
}

/** Every finding, matched lines' included (see FINDINGS_SQL), with its month and worker code. */
const FINDINGS = `(select f.*, to_char(f.billing_month, 'YYYY-MM') as month, w.code as worker_code
  from (${FINDINGS_SQL}) f left join fleet_worker w on w.id = f.worker_id) f`;
/** The findings that have rows of their own (a matched line's has none, and no id to look up). */
const FINDING_ROWS = `(select f.*, to_char(f.billing_month, 'YYYY-MM') as month, w.code as worker_code
  from fee_reconciliation_finding f left join fleet_worker w on w.id = f.worker_id) f`;
const FINDING_COLUMNS = '*';

function toFinding(r: Record<string, unknown>): FindingView {
  const str = (v: unknown) => (v == null ? null : String(v));
  return {
    id: String(r.id),
    runId: String(r.run_id),
    carrier: String(r.carrier),
    month: String(r.month),
    lineId: str(r.line_id),
    lineKey: String(r.line_key),
    iccid: str(r.iccid),
    msisdn: str(r.msisdn),
    matchedBy: str(r.matched_by),
    class: (r.class as DiscrepancyClass | null) ?? null,
    amountFen: String(r.amount_fen),
    atStakeFen: String(r.at_stake_fen),
    handsetId: str(r.handset_id),
    workerId: str(r.worker_id),
    workerCode: str(r.worker_code),
    gridCode: str(r.grid_code),
    detail: (r.detail ?? {}) as Record<string, unknown>,
    state: r.state as FindingState,
    acceptedBy: str(r.accepted_by),
    acceptedReason: str(r.accepted_reason),
    acceptedAt: date(r.accepted_at),
  };
}

/**
 * The current findings of a carrier and month (those of its latest successful run), in id order: matched
 * lines' first (negative ids), then the rows.
 */
export function findingsPage(
  em: EntityManager,
  carrier: string,
  month: string,
  filter: { state?: FindingState | null; class?: DiscrepancyClass | null },
  page: PageRequest,
): Promise<Page<FindingView>> {
  const where = new Conditions()
    .add('carrier = ?', requiredCarrier(carrier))
    .add('billing_month = ?::date', `${checkMonth(month)}-01`);
  if (filter.state) where.add('state::text = ?', filter.state);
  if (filter.class) where.add('class::text = ?', filter.class);
  return statementPage(em, FINDINGS, FINDING_COLUMNS, where, page, toFinding);
}

/** One finding with a row of its own (not a matched line's) by id; an unknown (or malformed) id is a NotFoundError. */
export async function findingById(em: EntityManager, id: string): Promise<FindingView> {
  const [row] = /^\d{1,19}$/.test(id)
    ? await runSql<Record<string, unknown>>(em, `select * from ${FINDING_ROWS} where id = ?`, [id])
    : [];
  if (!row) throw new NotFoundError('Finding', id);
  return toFinding(row);
}

/** One keyset page of `table`'s rows of a statement, in id order. */
async function statementPage<T extends { id: string }>(
  em: EntityManager,
  table: string,
  columns: string,
  where: Conditions,
  page: PageRequest,
  shape: (row: Record<string, unknown>) => T,
): Promise<Page<T>> {
  const paged = new Conditions().add(where.toString(), ...where.params);
  if (page.afterId) paged.add('id > ?', page.afterId);
  const rows = await runSql<Record<string, unknown>>(
    em,
    `select ${columns} from ${table} where ${paged} order by id limit ?`,
    [...paged.params, page.first + 1],
  );
  return {
    nodes: rows.slice(0, page.first).map(shape),
    hasNextPage: rows.length > page.first,
    pageSize: page.first,
    count: async () => {
      const [row] = await runSql<{ n: number }>(
        em,
        `select count(*)::int as n from ${table} where ${where}`,
        where.params,
      );
      return row!.n;
    },
  };
}

const num = (v: unknown): number | null => (v == null ? null : Number(v));

/** A statement's lines matching the filter, a keyset page in id (file) order. */
export function statementLines(
  em: EntityManager,
  statementId: string,
  filter: StatementLineFilter,
  page: PageRequest,
): Promise<Page<StatementLineView>> {
  const where = new Conditions().add('statement_id = ?', statementId);
  const iccid = filter.iccid?.replace(/\s+/g, '');
  if (iccid) {
    const checked = validateIccid(iccid);
    where.add('iccid = ?', checked.ok ? checked.value : iccid);
  }
  const msisdn = filter.msisdn?.replace(/[\s\-+]/g, '').replace(/^86(?=1\d{10}$)/, '');
  if (msisdn) where.add('msisdn = ?', msisdn);
  if (filter.categories?.length) where.add('category::text = any(?::text[])', filter.categories);
  return statementPage(
    em,
    'carrier_statement_line',
    'id, line_no, iccid, msisdn, category, item_name, amount_fen, data_mb, voice_minutes, sms_count, days_in_service, raw',
    where,
    page,
    (r) => ({
      id: String(r.id),
      lineNo: Number(r.line_no),
      iccid: (r.iccid as string | null) ?? null,
      msisdn: (r.msisdn as string | null) ?? null,
      category: r.category as FeeCategory,
      itemName: (r.item_name as string | null) ?? null,
      amountFen: String(r.amount_fen),
      dataMb: num(r.data_mb),
      voiceMinutes: num(r.voice_minutes),
      smsCount: num(r.sms_count),
      daysInService: num(r.days_in_service),
      raw: (r.raw ?? {}) as Record<string, string>,
    }),
  );
}

/** A statement's quarantined lines with their reasons, a keyset page in id order. */
export function quarantinedLines(
  em: EntityManager,
  statementId: string,
  page: PageRequest,
): Promise<Page<QuarantinedLineView>> {
  return statementPage(
    em,
    'carrier_statement_quarantine',
    'id, row_no, raw, failures, created_at',
    new Conditions().add('statement_id = ?', statementId),
    page,
    (r) => ({
      id: String(r.id),
      rowNo: Number(r.row_no),
      raw: (r.raw ?? {}) as Record<string, string>,
      failures: ((r.failures ?? []) as LineFailureView[]).map((f) => ({
        field: f.field,
        rule: f.rule,
        message: f.message,
        value: f.value ?? null,
      })),
      createdAt: new Date(r.created_at as string),
    }),
  );
}
