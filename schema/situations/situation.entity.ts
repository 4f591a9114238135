import { Entity, Enum, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { GovernedRecord } from '../common/governed';

export enum SituationKind {
  SENTIMENT_REPORT = 'sentiment_report',
  SAFETY_SURVEY = 'safety_survey',
  RISK_ASSESSMENT = 'risk_assessment',
}

registerEnumType(SituationKind, {
  name: 'SituationKind',
  description: '社情民意 sentiment report, 群众安全感调查 survey response, 社会稳定风险评估 risk assessment',
});

/**
 * 情: what people report and feel. `rating` holds the one graded answer of each kind: a survey's
 * 很安全…不安全 (01–05), an assessment's high/medium/low risk, a report's urgency.
 */
@ObjectType({
  simpleResolvers: true,
  description: '情 — a sentiment report, safety-survey response or stability risk assessment',
})
@Entity({ tableName: 'situation' })
@Index({ name: 'situation_kind_at_idx', properties: ['kind', 'recordedAt'] })
@Index({
  name: 'situation_region_path_idx',
  expression:
    'create index "situation_region_path_idx" on "situation" ("region_path" text_pattern_ops, "kind")',
})
export class Situation extends GovernedRecord {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 40, unique: true })
  code!: string;

  @Field(() => SituationKind)
  @Enum({ items: () => SituationKind, nativeEnumName: 'situation_kind' })
  kind!: SituationKind;

  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  title!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  recordedAt!: Date;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 4, nullable: true })
  rating?: string | null;

  @Field(() => GraphQLJSONObject)
  @Property({ type: 'jsonb', default: '{}' })
  attributes: Opt<Record<string, unknown>> = {};
}
