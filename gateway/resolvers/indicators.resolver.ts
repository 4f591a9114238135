import { Arg, Ctx, Float, Int, Mutation, Query, Resolver } from 'type-graphql';
import { computeIndicators, indicatorRecords } from '../../schema/indicators/indicators';
import {
  countyCode,
  periodRange,
  type SelfEvaluationReport,
  selfEvaluationReport,
  setIndicatorTarget,
} from '../../schema/indicators/report';
import { renderHtml, renderMarkdown } from '../../schema/indicators/report-render';
import { snapshotTrend } from '../../schema/indicators/snapshots';
import { getRegionCached } from '../../schema/regions/region.service';
import { DomainError } from '../../schema/runtime/errors';
import type { GatewayContext } from '../context';
import {
  IndicatorPeriodInput,
  IndicatorRecordPage,
  IndicatorReport,
  IndicatorTargetType,
  IndicatorTrendPoint,
  SelfEvaluationReportType,
  TrendGranularity,
} from './indicators-types';

/**
 * The county's performance indicators and its annual self-evaluation report (issue 9): live values of a
 * period, trends from the nightly snapshots, the records behind an indicator, the report with its Markdown
 * and HTML, and the targets. A caller tied to a unit (a township office) sees its unit and below only;
 * without a region the caller's unit (or the county) is meant.
 */

async function regionFor(ctx: GatewayContext, requested: string | null | undefined): Promise<string> {
  const { access, em } = ctx;
  const unit = access.policy.admin ? null : (access.caller?.unitCode ?? null);
  const code = requested?.trim() || unit || (await countyCode(em));
  if (unit && code !== unit) {
    const [mine, asked] = await Promise.all([getRegionCached(em, unit), getRegionCached(em, code)]);
    if (!asked.path.startsWith(mine.path))
      throw new DomainError('FORBIDDEN_REGION', `regionCode ${code} is outside the caller's unit ${unit}`, {
        field: 'regionCode',
        rule: 'within the caller’s unit',
      });
  }
  return code;
}

@Resolver()
export class IndicatorResolver {
  @Query(() => IndicatorReport, {
    description: 'Every performance indicator of a period and region, computed now',
  })
  async indicators(
    @Arg('period', () => IndicatorPeriodInput) period: IndicatorPeriodInput,
    @Arg('regionCode', () => String, {
      nullable: true,
      description: 'Default the caller’s unit or the county',
    })
    regionCode: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<IndicatorReport> {
    const { from, to } = periodRange(period);
    const region = await regionFor(ctx, regionCode);
    const values = await computeIndicators(ctx.em, { from, to, regionCode: region });
    return {
      from,
      to,
      regionCode: region,
      indicators: values.map((v) => ({ ...v, detail: v.detail ?? null })),
    };
  }

  @Query(() => [IndicatorTrendPoint], { description: 'An indicator’s stored snapshots within [from, to)' })
  async indicatorTrend(
    @Arg('code', () => String) code: string,
    @Arg('from', () => String, { description: 'YYYY-MM-DD' }) from: string,
    @Arg('to', () => String, { description: 'YYYY-MM-DD, exclusive' }) to: string,
    @Arg('regionCode', () => String, { nullable: true }) regionCode: string | null,
    @Arg('granularity', () => TrendGranularity, { nullable: true, description: 'Default month' })
    granularity: TrendGranularity | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<IndicatorTrendPoint[]> {
    const region = await regionFor(ctx, regionCode);
    return snapshotTrend(ctx.em, code, region, from, to, granularity ?? undefined);
  }

  @Query(() => IndicatorRecordPage, { description: 'The records behind an indicator (drill-down), in pages' })
  async indicatorRecords(
    @Arg('code', () => String) code: string,
    @Arg('period', () => IndicatorPeriodInput) period: IndicatorPeriodInput,
    @Arg('regionCode', () => String, { nullable: true }) regionCode: string | null,
    @Arg('first', () => Int, { nullable: true, description: '1–1000, default 50' }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<IndicatorRecordPage> {
    const { from, to } = periodRange(period);
    const region = await regionFor(ctx, regionCode);
    const page = await indicatorRecords(ctx.em, code, { from, to }, region, {
      first: first ?? undefined,
      after,
    });
    return {
      nodes: page.items.map((r) => ({ ...r, code: r.code ?? null, detail: r.detail ?? null })),
      endCursor: page.endCursor,
      hasNextPage: page.hasNextPage,
    };
  }

  @Query(() => SelfEvaluationReportType, {
    description: 'The fiscal year’s performance self-evaluation report, with its Markdown and printable HTML',
  })
  async selfEvaluationReport(
    @Arg('year', () => Int) year: number,
    @Arg('regionCode', () => String, { nullable: true }) regionCode: string | null,
    @Arg('rubric', () => String, { nullable: true, description: 'Default national' }) rubric: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<SelfEvaluationReportType> {
    const region = await regionFor(ctx, regionCode);
    const report: SelfEvaluationReport = await selfEvaluationReport(ctx.em, year, {
      regionCode: region,
      rubric: rubric?.trim() || undefined,
    });
    return { ...report, markdown: renderMarkdown(report), html: renderHtml(report) };
  }

  @Mutation(() => IndicatorTargetType, { description: 'Sets an indicator’s target (administrators)' })
  async setIndicatorTarget(
    @Arg('code', () => String) code: string,
    @Arg('target', () => Float) target: number,
    @Arg('comparator', () => String, { nullable: true, description: '>= (default) or <=' })
    comparator: string | null,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<IndicatorTargetType> {
    return setIndicatorTarget(
      em,
      access.principal,
      code?.trim(),
      target,
      (comparator?.trim() || undefined) as '>=' | '<=' | undefined,
    );
  }
}

export const INDICATOR_RESOLVERS = [IndicatorResolver] as const;
