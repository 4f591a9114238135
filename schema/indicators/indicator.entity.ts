import { Entity, Index, ManyToOne, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Region } from '../regions/region.entity';

/**
 * The county's performance indicators (domain.md §1, §4): their configurable targets, the nightly snapshots
 * that make a past year's report stable, the self-evaluation rubric, and the training and drill records
 * (培训、演练) the organisation-and-teams module keeps, which the training indicator counts.
 */

/** An indicator's target; seeded with the county's figures, changed by administrators. */
@ObjectType({ simpleResolvers: true, description: 'An indicator’s target' })
@Entity({ tableName: 'indicator_target' })
export class IndicatorTarget {
  @Field(() => String)
  @PrimaryKey({ type: 'string', length: 40 })
  code!: string;

  @Field(() => Float)
  @Property({ type: 'decimal', precision: 14, scale: 4 })
  target!: string;

  /** '>=' (at least) or '<=' (at most). */
  @Field(() => String)
  @Property({ type: 'string', length: 2, default: '>=' })
  comparator: Opt<string> = '>=';

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt: Opt<Date> = new Date();

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 100, nullable: true })
  updatedBy?: string | null;
}

/** One indicator of one region for one period, as computed when the snapshot was taken. */
@Entity({ tableName: 'indicator_snapshot' })
@Unique({ name: 'indicator_snapshot_unique', properties: ['period', 'region', 'code'] })
@Index({ name: 'indicator_snapshot_code_idx', properties: ['code', 'region', 'periodEnd'] })
export class IndicatorSnapshot {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  /** '2023' (a year), '2023-Q1' (a quarter), '2023-11' (a month) or '2023-11-26' (a day). */
  @Property({ type: 'string', length: 10 })
  period!: string;

  @Property({ type: 'date' })
  periodStart!: string;

  /** Exclusive. */
  @Property({ type: 'date' })
  periodEnd!: string;

  @ManyToOne(() => Region, { fieldName: 'region_code', deleteRule: 'cascade', updateRule: 'cascade' })
  region!: Region;

  @Property({ type: 'string', length: 40 })
  code!: string;

  @Property({ type: 'decimal', precision: 20, scale: 6, nullable: true })
  value?: string | null;

  @Property({ type: 'decimal', precision: 20, scale: 4, nullable: true })
  numerator?: string | null;

  @Property({ type: 'decimal', precision: 20, scale: 4, nullable: true })
  denominator?: string | null;

  @Property({ type: 'decimal', precision: 14, scale: 4, nullable: true })
  target?: string | null;

  @Property({ type: 'boolean', nullable: true })
  met?: boolean | null;

  /** Breakdowns (by data set, by region…) as computed. */
  @Property({ type: 'jsonb', default: '{}' })
  detail: Opt<Record<string, unknown>> = {};

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  computedAt: Opt<Date> = new Date();
}

/** A scoring rubric for the self-evaluation report: sections, their points, each indicator's share. */
@Entity({ tableName: 'evaluation_rubric' })
export class EvaluationRubric {
  @PrimaryKey({ type: 'string', length: 40 })
  name!: string;

  @Property({ type: 'jsonb' })
  rubric!: Record<string, unknown>;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt: Opt<Date> = new Date();
}

/** 培训、演练: a training session or drill, for county or township staff or grid workers. */
@ObjectType({ simpleResolvers: true, description: 'A training session or drill (培训、演练)' })
@Entity({ tableName: 'training_session' })
@Index({ name: 'training_session_held_idx', properties: ['heldOn'] })
@Index({
  name: 'training_session_region_path_idx',
  expression:
    'create index "training_session_region_path_idx" on "training_session" ("region_path" text_pattern_ops, "held_on")',
})
export class TrainingSession {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  /** The source's key (e.g. the department's record number), unique per source. */
  @Field(() => String)
  @Property({ type: 'string', length: 60, unique: true })
  code!: string;

  @Field(() => String, { description: 'training (培训) or drill (演练)' })
  @Property({ type: 'string', length: 10 })
  kind!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  title!: string;

  @Field(() => String, { description: 'Who was trained: county_staff, township_staff or grid_workers' })
  @Property({ type: 'string', length: 20 })
  audience!: string;

  /** The organising unit's region (the county for county-level sessions). */
  @ManyToOne(() => Region, { fieldName: 'region_code', deleteRule: 'restrict', updateRule: 'cascade' })
  region!: Region;

  @Property({ type: 'text' })
  regionPath!: string;

  @Field(() => String)
  @Property({ type: 'date' })
  heldOn!: string;

  @Field(() => Int, { description: 'Person-times trained (人次)' })
  @Property({ type: 'integer' })
  participants!: number;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 100, nullable: true })
  organizer?: string | null;

  @Field(() => GraphQLJSONObject)
  @Property({ type: 'jsonb', default: '{}' })
  attributes: Opt<Record<string, unknown>> = {};

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();
}
