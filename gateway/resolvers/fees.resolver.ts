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
import { importStatement, type StatementImportReport as Report } from '../../fleet/statements';
import { Conditions, type Page, type PageRequest } from '../../schema/common/listing';
import { runSql } from '../../schema/common/rows';
import { validateIccid } from '../../schema/identifiers/iccid';
import { DomainError } from '../../schema/runtime/errors';
import { type Connection, requestPage, toConnection } from '../connection';
import type { GatewayContext } from '../context';
import {
  FeeCategoryAmount,
  type FeeCategoryAmountInput,
  QuarantinedStatementLine,
  QuarantinedStatementLineConnection,
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

function decodeUpload(base64: string): Buffer {
  const text = base64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1)
    throw new DomainError('INVALID_UPLOAD', 'contentBase64: not base64', {
      field: 'contentBase64',
      rule: 'base64',
    });
  const bytes = Buffer.from(text, 'base64');
  if (!bytes.length)
    throw new DomainError('INVALID_UPLOAD', 'contentBase64: the file is empty', {
      field: 'contentBase64',
      rule: 'non-empty',
    });
  if (bytes.length > MAX_IMPORT_BYTES)
    throw new DomainError('INVALID_UPLOAD', `contentBase64: the file is over ${MAX_IMPORT_BYTES} bytes`, {
      field: 'contentBase64',
      rule: `≤ ${MAX_IMPORT_BYTES} bytes`,
    });
  return bytes;
}

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
    @Ctx() { em, access }: GatewayContext,
  ): Promise<StatementImportReport> {
    const name = input.fileName.trim();
    if (!name || name.length > 200 || /[/\\]/.test(name))
      throw new DomainError('INVALID_UPLOAD', 'fileName: a plain file name (no folders), 1–200 characters', {
        field: 'fileName',
        rule: 'plain file name',
      });
    const carrier = checkCarrier(input.carrier);
    if (!carrier)
      throw new DomainError('UNKNOWN_CARRIER', 'carrier is required', { field: 'carrier', rule: 'REQUIRED' });
    const sheet = input.sheet?.trim();
    const report = await importStatement(em, access.principal, {
      carrier,
      month: input.month.trim(),
      file: { name, content: decodeUpload(input.contentBase64) },
      encoding: input.encoding ?? undefined,
      sheet: sheet ? (/^\d+$/.test(sheet) ? Number(sheet) : sheet) : undefined,
      totals: totalsInput(input.totals),
      template: input.template ?? undefined,
    });
    return toImportReport(report);
  }
}

export const FEES_RESOLVERS = [CarrierTemplateResolver, StatementResolver, StatementImportResolver] as const;
