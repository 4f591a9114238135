import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

/** The API's shapes of the performance indicators and the self-evaluation report (issue 9). */

export enum TrendGranularity {
  YEAR = 'year',
  QUARTER = 'quarter',
  MONTH = 'month',
  DAY = 'day',
}
registerEnumType(TrendGranularity, { name: 'TrendGranularity', description: 'A snapshot’s period length' });

@InputType({ description: 'A period: from/to dates (to exclusive), or a year, or a year and quarter' })
export class IndicatorPeriodInput {
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD, inclusive' }) from?: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD, exclusive' }) to?: string | null;
  @Field(() => Int, { nullable: true }) year?: number | null;
  @Field(() => Int, { nullable: true, description: '1–4, with year' }) quarter?: number | null;
}

@ObjectType({ simpleResolvers: true, description: 'One performance indicator over a period and region' })
export class IndicatorValueType {
  @Field(() => String) code!: string;
  @Field(() => String, { description: 'Chinese name, e.g. 基础数据库完整率' }) name!: string;
  @Field(() => String, { description: 'ratio, count or yuan' }) unit!: string;
  @Field(() => Float, { nullable: true }) value!: number | null;
  @Field(() => Float, { nullable: true }) numerator!: number | null;
  @Field(() => Float, { nullable: true }) denominator!: number | null;
  @Field(() => Float, { nullable: true }) target!: number | null;
  @Field(() => String, { description: '>= or <=' }) comparator!: string;
  @Field(() => Boolean, { nullable: true, description: 'null when there is no target or no value' })
  met!: boolean | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Breakdowns (by data set, region…)' })
  detail!: Record<string, unknown> | null;
}

@ObjectType({ simpleResolvers: true, description: 'Indicators of a period and region' })
export class IndicatorReport {
  @Field(() => String) from!: string;
  @Field(() => String, { description: 'Exclusive' }) to!: string;
  @Field(() => String) regionCode!: string;
  @Field(() => [IndicatorValueType]) indicators!: IndicatorValueType[];
}

@ObjectType({ simpleResolvers: true, description: 'An indicator’s stored snapshot' })
export class IndicatorTrendPoint {
  @Field(() => String, { description: '2023, 2023-Q1, 2023-11 or 2023-11-26' }) period!: string;
  @Field(() => String) periodStart!: string;
  @Field(() => String, { description: 'Exclusive' }) periodEnd!: string;
  @Field(() => Float, { nullable: true }) value!: number | null;
  @Field(() => Float, { nullable: true }) numerator!: number | null;
  @Field(() => Float, { nullable: true }) denominator!: number | null;
  @Field(() => Float, { nullable: true }) target!: number | null;
  @Field(() => Boolean, { nullable: true }) met!: boolean | null;
  @Field(() => Date) computedAt!: Date;
}

@ObjectType({ simpleResolvers: true, description: 'A record behind an indicator (drill-down)' })
export class IndicatorRecord {
  @Field(() => String, { description: 'What kind of record (person, event, handset…)' }) type!: string;
  @Field(() => String) id!: string;
  @Field(() => String, { nullable: true }) code!: string | null;
  @Field(() => String, { nullable: true }) regionCode!: string | null;
  @Field(() => String, {
    description: 'Why it lowers the indicator, or counted when it adds to the numerator',
  })
  reason!: string;
  @Field(() => GraphQLJSONObject, { nullable: true }) detail!: Record<string, unknown> | null;
}

@ObjectType({ simpleResolvers: true, description: 'A page of the records behind an indicator' })
export class IndicatorRecordPage {
  @Field(() => [IndicatorRecord]) nodes!: IndicatorRecord[];
  @Field(() => String, { nullable: true, description: 'Pass as after for the next page' })
  endCursor!: string | null;
  @Field(() => Boolean) hasNextPage!: boolean;
}

@ObjectType({ simpleResolvers: true, description: 'An indicator’s target as set' })
export class IndicatorTargetType {
  @Field(() => String) code!: string;
  @Field(() => Float) target!: number;
  @Field(() => String) comparator!: string;
  @Field(() => Date) updatedAt!: Date;
  @Field(() => String, { nullable: true }) updatedBy!: string | null;
}

@ObjectType({
  simpleResolvers: true,
  description: '项目概况: the platform, grid structure, workers and handsets',
})
export class ReportOverviewType {
  @Field(() => String) regionCode!: string;
  @Field(() => String) regionName!: string;
  @Field(() => String) platform!: string;
  @Field(() => [String]) modules!: string[];
  @Field(() => Int) townships!: number;
  @Field(() => Int) villages!: number;
  @Field(() => Int) communities!: number;
  @Field(() => Int) grids!: number;
  @Field(() => Int) urbanGrids!: number;
  @Field(() => Int) ruralGrids!: number;
  @Field(() => Int) specialGrids!: number;
  @Field(() => Int) workers!: number;
  @Field(() => Int) fullTimeWorkers!: number;
  @Field(() => Int) auxiliaryWorkers!: number;
  @Field(() => Int) partTimeWorkers!: number;
  @Field(() => Int, { description: 'Handsets held at the year’s end' }) handsetsAssigned!: number;
}

@ObjectType({ simpleResolvers: true, description: '资金情况 (yuan)' })
export class ReportFundsType {
  @Field(() => Float, { nullable: true }) budget!: number | null;
  @Field(() => Float, { nullable: true }) spent!: number | null;
  @Field(() => Float, { nullable: true }) executionRate!: number | null;
}

@ObjectType({ simpleResolvers: true, description: 'A row of the report’s indicator table' })
export class ReportRowType {
  @Field(() => String) code!: string;
  @Field(() => String) name!: string;
  @Field(() => String) unit!: string;
  @Field(() => String, { nullable: true, description: 'The rubric section scoring it' }) section!:
    | string
    | null;
  @Field(() => String, { nullable: true }) sectionName!: string | null;
  @Field(() => Float, { nullable: true }) target!: number | null;
  @Field(() => String) comparator!: string;
  @Field(() => Float, { nullable: true }) value!: number | null;
  @Field(() => Float, { nullable: true }) numerator!: number | null;
  @Field(() => Float, { nullable: true }) denominator!: number | null;
  @Field(() => Boolean, { nullable: true }) met!: boolean | null;
  @Field(() => Float, { nullable: true, description: 'null when the rubric does not score it' }) points!:
    | number
    | null;
  @Field(() => Float, { nullable: true }) maxPoints!: number | null;
}

@ObjectType({ simpleResolvers: true })
export class ScoredItemType {
  @Field(() => String) code!: string;
  @Field(() => String, { description: 'met or proportional' }) rule!: string;
  @Field(() => Float) maxPoints!: number;
  @Field(() => Float) points!: number;
}

@ObjectType({ simpleResolvers: true })
export class ScoredSectionType {
  @Field(() => String) key!: string;
  @Field(() => String) name!: string;
  @Field(() => Float) maxPoints!: number;
  @Field(() => Float) points!: number;
  @Field(() => [ScoredItemType]) items!: ScoredItemType[];
}

@ObjectType({ simpleResolvers: true, description: '自评得分 under a rubric' })
export class ReportScoreType {
  @Field(() => String) rubric!: string;
  @Field(() => Float) maxPoints!: number;
  @Field(() => Float, { description: 'Rounded to 0.01' }) total!: number;
  @Field(() => [ScoredSectionType]) sections!: ScoredSectionType[];
}

@ObjectType({
  simpleResolvers: true,
  description: 'The annual performance self-evaluation report (项目支出绩效自评报告)',
})
export class SelfEvaluationReportType {
  @Field(() => Int) year!: number;
  @Field(() => String) from!: string;
  @Field(() => String, { description: 'Exclusive' }) to!: string;
  @Field(() => String) title!: string;
  @Field(() => String, { description: 'snapshot (stored for the year) or live (computed now)' })
  source!: string;
  @Field(() => Date) generatedAt!: Date;
  @Field(() => ReportOverviewType) overview!: ReportOverviewType;
  @Field(() => [ReportRowType], { description: '绩效目标: the indicators with a target' })
  goals!: ReportRowType[];
  @Field(() => ReportFundsType) funds!: ReportFundsType;
  @Field(() => [ReportRowType]) indicators!: ReportRowType[];
  @Field(() => String) conclusion!: string;
  @Field(() => ReportScoreType) score!: ReportScoreType;
  @Field(() => String) rubricTitle!: string;
  @Field(() => String, { description: 'The report as Markdown' }) markdown!: string;
  @Field(() => String, { description: 'The report as one self-contained printable HTML page' }) html!: string;
}
