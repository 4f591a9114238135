import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import {
  findingById,
  findingsPage,
  findStatement,
  latestReconciliation,
  listCarrierTemplates,
  listStatements,
  quarantinedLines,
  requiredCarrier,
  statementLines,
  templateName,
} from '../../fleet/fee-queries';
import { CarrierTemplate, type CategoryTotals, FEE_CATEGORIES, Statement } from '../../fleet/fees.entity';
import { acceptFinding } from '../../fleet/reconciliation';
import { DiscrepancyClass, FindingState } from '../../fleet/reconciliation.entity';
import { importStatement, type StatementImportReport as Report } from '../../fleet/statements';
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

@Resolver(() => CarrierTemplate)
export class CarrierTemplateResolver {
  @Query(() => [CarrierTemplate], { description: 'The carriers’ statement templates, by carrier then id' })
  async carrierTemplates(
    @Arg('carrier', () => String, { nullable: true }) carrier: string | null,
    @Ctx() { em }: GatewayContext,
  ): Promise<CarrierTemplate[]> {
    return listCarrierTemplates(em, carrier);
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
  templateName(@Root() s: Statement, @Ctx() { em }: GatewayContext): Promise<string> {
    return templateName(em, s.template.id);
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
    const carrier = requiredCarrier(input.carrier);
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
