import type { EntityManager } from '@mikro-orm/postgresql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import {
  CarrierTemplate,
  type CategoryTotals,
  FEE_CATEGORIES,
  type FeeCategory,
  Statement,
} from '../../fleet/fees.entity';
import { acceptFinding, CLASS_PRECEDENCE } from '../../fleet/reconciliation';
import { DiscrepancyClass, FindingState, type ReconciliationStatus } from '../../fleet/reconciliation.entity';
import { importStatement, type StatementImportReport as Report } from '../../fleet/statements';
import { Conditions, type Page, type PageRequest } from '../../schema/common/listing';
import { runSql } from '../../schema/common/rows';
import { validateIccid } from '../../schema/identifiers/iccid';
import { DomainError, NotFoundError } from '../../schema/runtime/errors';
import { errorMessage } from '../../schema/runtime/retry';
import { queueReconciliation } from '../../workers/queues';
import { type Connection, requestPage, toConnection } from '../connection';
import type { GatewayContext } from '../context';
import { inlineUpload } from '../upload';
import {
  FeeCategoryAmount,
  type FeeCategoryAmountInput,
  FeeFinding,
  FeeFindingConnection,
  QuarantinedStatementLine,
  QuarantinedStatementLineConnection,
  Reconciliation,
  ReconciliationQueued,
  StatementImportInput,
  StatementImportReport,
  StatementLineConnection,
  StatementLineFilterInput,
  StatementLineItem,
} from './fees-types';

/**
 * Finance's carrier statements (issue 7, items 1 and 5): the carriers' column-mapping templates, the imported
 * statements with their totals per category, their lines and quarantined lines (keyset pages), and the import
 * of a statement uploaded inline. Money is fen as a decimal string throughout (see fees-types.ts).
 */

/** Inline uploads are capped: a county's monthly statement (a few thousand lines) is well under this. */
const MAX_IMPORT_BYTES = 20 * 1024 * 1024;
const CARRIERS = ['cmcc', 'cucc', 'ctcc'];

function checkCarrier(carrier: string | null | undefined): string | null {
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

function checkYear(year: number | null | undefined): number | null {
  if (year == null) return null;
  if (!Number.isInteger(year) || year < 2000 || year > 2100)
    throw new DomainError('YEAR', `year must be a whole number from 2000 to 2100, got ${year}`, {
      field: 'year',
      rule: '2000 ≤ year ≤ 2100',
    });
  return year;
}

/** Per-category fen as the API's list, in the categories' order. */
export function categoryAmounts(totals: CategoryTotals | null | undefined): FeeCategoryAmount[] {
  return FEE_CATEGORIES.filter((c) => totals?.[c] != null).map((category) => ({
    category,
    fen: String(totals![category]),
  }));
}

function totalsInput(totals: FeeCategoryAmountInput[] | null | undefined): CategoryTotals | undefined {
  if (!totals?.length) return undefined;
  const out: CategoryTotals = {};
  for (const t of totals) {
    if (!/^-?\d{1,15}$/.test(t.fen))
      throw new DomainError('MONEY', `totals: ${t.category}: fen must be a whole number, not "${t.fen}"`, {
        field: 'totals',
        rule: 'whole fen',
      });
    out[t.category] = (out[t.category] ?? 0) + Number(t.fen);
  }
  return out;
}

/** The API's report from the service's. */
export function toImportReport(report: Report): StatementImportReport {
  return {
    statementId: report.statementId,
    carrier: report.carrier,
    month: report.month,
    file: report.file,
    lines: report.lines,
    totals: categoryAmounts(report.totalsFen),
    totalFen: String(report.totalFen),
    replaced: report.replaced
      ? { statementId: report.replaced.statementId, totals: categoryAmounts(report.replaced.totalsFen) }
      : null,
    errors: report.errors.map((e) => ({
      row: e.row,
      field: e.field,
      rule: e.rule,
      message: e.message,
      value: e.value ?? null,
    })),
    quarantined: report.quarantined,
    quarantinedTotals: categoryAmounts(report.quarantinedFen),
    totalsSource: report.totalsSource,
    applied: report.applied,
    reconciliationQueued: false,
    reconciliationJobId: null,
    reconciliationNote: report.applied ? null : 'not applied',
  };
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

export async function findStatement(em: EntityManager, id: string): Promise<Statement> {
  const found = /^\d{1,19}$/.test(id) ? await em.findOne(Statement, { id }) : null;
  if (!found)
    throw new DomainError('STATEMENT_NOT_FOUND', `no statement with id ${JSON.stringify(id)}`, {
      field: 'id',
    });
  return found;
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

function requiredCarrier(carrier: string): string {
  const c = checkCarrier(carrier);
  if (!c)
    throw new DomainError('UNKNOWN_CARRIER', 'carrier is required', { field: 'carrier', rule: 'REQUIRED' });
  return c;
}

const date = (v: unknown): Date | null => (v == null ? null : new Date(v as string));

function toReconciliation(r: Record<string, unknown>): Reconciliation {
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
): Promise<Reconciliation | null> {
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

const FINDINGS = `(select f.*, to_char(f.billing_month, 'YYYY-MM') as month, w.code as worker_code
  from fee_reconciliation_finding f left join fleet_worker w on w.id = f.worker_id) f`;
const FINDING_COLUMNS = '*';

function toFinding(r: Record<string, unknown>): FeeFinding {
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

/** The current findings of a carrier and month (those of its latest successful run), in id order. */
export function findingsPage(
  em: EntityManager,
  carrier: string,
  month: string,
  filter: { state?: FindingState | null; class?: DiscrepancyClass | null },
  page: PageRequest,
): Promise<Page<FeeFinding>> {
  const where = new Conditions()
    .add('carrier = ?', requiredCarrier(carrier))
    .add('billing_month = ?::date', `${checkMonth(month)}-01`);
  if (filter.state) where.add('state::text = ?', filter.state);
  if (filter.class) where.add('class::text = ?', filter.class);
  return statementPage(em, FINDINGS, FINDING_COLUMNS, where, page, toFinding);
}

export async function findingById(em: EntityManager, id: string): Promise<FeeFinding> {
  const [row] = /^\d{1,19}$/.test(id)
    ? await runSql<Record<string, unknown>>(em, `select * from ${FINDINGS} where id = ?`, [id])
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

export function statementLines(
  em: EntityManager,
  statementId: string,
  filter: StatementLineFilterInput,
  page: PageRequest,
): Promise<Page<StatementLineItem>> {
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

export function quarantinedLines(
  em: EntityManager,
  statementId: string,
  page: PageRequest,
): Promise<Page<QuarantinedStatementLine>> {
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
      failures: ((r.failures ?? []) as QuarantinedStatementLine['failures']).map((f) => ({
        field: f.field,
        rule: f.rule,
        message: f.message,
        value: f.value ?? null,
      })),
      createdAt: new Date(r.created_at as string),
    }),
  );
}

@Resolver(() => CarrierTemplate)
export class CarrierTemplateResolver {
  @Query(() => [CarrierTemplate], { description: 'The carriers’ statement templates, by carrier then id' })
  async carrierTemplates(
    @Arg('carrier', () => String, { nullable: true }) carrier: string | null,
    @Ctx() { em }: GatewayContext,
  ): Promise<CarrierTemplate[]> {
    const c = checkCarrier(carrier);
    return em.find(CarrierTemplate, c ? { carrier: c } : {}, { orderBy: { carrier: 'asc', id: 'asc' } });
  }

  @FieldResolver(() => GraphQLJSONObject, {
    description: 'Line field → the source header (or its alternative spellings)',
  })
  columns(@Root() t: CarrierTemplate): Record<string, unknown> {
    return t.columns;
  }

  @FieldResolver(() => GraphQLJSONObject, {
    description: 'The carrier’s item names or codes → our categories; * maps every unlisted item',
  })
  categories(@Root() t: CarrierTemplate): Record<string, unknown> {
    return t.categories;
  }
}

@Resolver(() => Statement)
export class StatementResolver {
  @Query(() => [Statement], {
    description: 'Imported statements (the current one per carrier and month), by billing month then carrier',
  })
  statements(
    @Arg('carrier', () => String, { nullable: true }) carrier: string | null,
    @Arg('year', () => Int, { nullable: true, description: 'Billing months of this year' }) year:
      | number
      | null,
    @Ctx() { em }: GatewayContext,
  ): Promise<Statement[]> {
    return listStatements(em, { carrier, year });
  }

  @Query(() => Statement, { description: 'One statement by id' })
  statement(@Arg('id', () => ID) id: string, @Ctx() { em }: GatewayContext): Promise<Statement> {
    return findStatement(em, id);
  }

  @FieldResolver(() => String, { description: 'The billing month, YYYY-MM' })
  month(@Root() s: Statement): string {
    return String(s.billingMonth).slice(0, 7);
  }

  @FieldResolver(() => String, { description: 'The template the statement was read with' })
  async templateName(@Root() s: Statement, @Ctx() { em }: GatewayContext): Promise<string> {
    const [row] = await runSql<{ name: string }>(em, 'select name from carrier_template where id = ?', [
      s.template.id,
    ]);
    return row?.name ?? '';
  }

  @FieldResolver(() => [FeeCategoryAmount], {
    description: 'Σ lines per category (fen), equal to the statement’s own totals: the import ties out',
  })
  totals(@Root() s: Statement): FeeCategoryAmount[] {
    return categoryAmounts(s.totalsFen);
  }

  @FieldResolver(() => ID, { nullable: true, description: 'The statement this re-import replaced' })
  replacedStatementId(@Root() s: Statement): string | null {
    // Loaded as a JS bigint (the entity's nullable bigint column), so stringified here.
    return s.replacedStatementId == null ? null : String(s.replacedStatementId);
  }

  @FieldResolver(() => [FeeCategoryAmount], {
    nullable: true,
    description: 'The replaced statement’s totals per category',
  })
  replacedTotals(@Root() s: Statement): FeeCategoryAmount[] | null {
    return s.replacedTotalsFen ? categoryAmounts(s.replacedTotalsFen) : null;
  }

  @FieldResolver(() => StatementLineConnection, { description: 'The statement’s lines, in id (file) order' })
  async lines(
    @Root() s: Statement,
    @Arg('filter', () => StatementLineFilterInput, { nullable: true })
    filter: StatementLineFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connection<StatementLineItem>> {
    const page = requestPage(ctx.notices, 'lines', first, after, ctx.access.policy.rowCap);
    return toConnection(await statementLines(ctx.em, s.id, filter ?? {}, page));
  }

  @FieldResolver(() => QuarantinedStatementLineConnection, {
    description: 'Lines the template’s quarantine policy set aside, with their reasons, in id order',
  })
  async quarantinedLines(
    @Root() s: Statement,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connection<QuarantinedStatementLine>> {
    const page = requestPage(ctx.notices, 'quarantinedLines', first, after, ctx.access.policy.rowCap);
    return toConnection(await quarantinedLines(ctx.em, s.id, page));
  }
}

@Resolver()
export class StatementImportResolver {
  @Mutation(() => StatementImportReport, {
    description:
      'Imports a carrier’s monthly statement: every line checked and the totals tied out before anything is written; a re-import of the same carrier and month replaces the previous one (see replaced). Lines that do not add up are the error TOTALS_MISMATCH with the differences per category.',
  })
  async importStatement(
    @Arg('input', () => StatementImportInput) input: StatementImportInput,
    @Ctx() { em, access, queues, logger }: GatewayContext,
  ): Promise<StatementImportReport> {
    const file = inlineUpload(input, MAX_IMPORT_BYTES);
    const carrier = checkCarrier(input.carrier);
    if (!carrier)
      throw new DomainError('UNKNOWN_CARRIER', 'carrier is required', { field: 'carrier', rule: 'REQUIRED' });
    const sheet = input.sheet?.trim();
    const report = await importStatement(em, access.principal, {
      carrier,
      month: input.month.trim(),
      file,
      encoding: input.encoding ?? undefined,
      sheet: sheet ? (/^\d+$/.test(sheet) ? Number(sheet) : sheet) : undefined,
      totals: totalsInput(input.totals),
      template: input.template ?? undefined,
    });
    const out = toImportReport(report);
    if (!report.applied || !report.statementId) return out;
    // The import stands whatever happens to the queue: a reconciliation can be asked for later.
    try {
      const job = await queueReconciliation(queues, report.statementId, access.principal);
      return { ...out, reconciliationQueued: true, reconciliationJobId: job.id ?? null };
    } catch (error) {
      logger.warn({ err: error, statementId: report.statementId }, 'reconciliation not queued');
      return { ...out, reconciliationNote: `not queued: ${errorMessage(error)}` };
    }
  }
}

@Resolver(() => Reconciliation)
export class ReconciliationResolver {
  @Query(() => Reconciliation, {
    nullable: true,
    description: 'The latest reconciliation run of a carrier’s month (null when never reconciled)',
  })
  reconciliation(
    @Arg('carrier', () => String) carrier: string,
    @Arg('month', () => String, { description: 'YYYY-MM' }) month: string,
    @Ctx() { em }: GatewayContext,
  ): Promise<Reconciliation | null> {
    return latestReconciliation(em, carrier, month);
  }

  @FieldResolver(() => FeeFindingConnection, {
    description: 'The month’s current findings (those of its latest successful run), in id order',
  })
  async findings(
    @Root() r: Reconciliation,
    @Arg('state', () => FindingState, { nullable: true }) state: FindingState | null,
    @Arg('class', () => DiscrepancyClass, { nullable: true }) cls: DiscrepancyClass | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connection<FeeFinding>> {
    const page = requestPage(ctx.notices, 'findings', first, after, ctx.access.policy.rowCap);
    return toConnection(await findingsPage(ctx.em, r.carrier, r.month, { state, class: cls }, page));
  }

  @Mutation(() => ReconciliationQueued, {
    description:
      'Queues the reconciliation of a statement for the workers; poll reconciliation(carrier, month) for the run',
  })
  async reconcileStatement(
    @Arg('statementId', () => ID) statementId: string,
    @Ctx() { em, queues, access }: GatewayContext,
  ): Promise<ReconciliationQueued> {
    const statement = await findStatement(em, statementId);
    const job = await queueReconciliation(queues, statement.id, access.principal);
    return { statementId: statement.id, queued: true, jobId: job.id ?? null };
  }

  @Mutation(() => FeeFinding, {
    description:
      'Accepts a discrepancy with a reason (required); the acceptance carries over to later runs of the same line and class',
  })
  async acceptFinding(
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => String) reason: string,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<FeeFinding> {
    if (!/^\d{1,19}$/.test(id)) throw new NotFoundError('Finding', id);
    await acceptFinding(em, access.principal, id, reason);
    return findingById(em, id);
  }
}

export const FEES_RESOLVERS = [
  CarrierTemplateResolver,
  StatementResolver,
  StatementImportResolver,
  ReconciliationResolver,
] as const;
