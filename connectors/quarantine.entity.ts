import { Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Connector, SyncRun } from './connector.entity';

export enum QuarantineStatus {
  OPEN = 'open',
  REPLAYED = 'replayed',
  DISCARDED = 'discarded',
}
registerEnumType(QuarantineStatus, { name: 'QuarantineStatus' });

@ObjectType({ simpleResolvers: true, description: 'Why one value of a record was refused' })
export class RecordFailure {
  @Field(() => String) field!: string;
  @Field(() => String) rule!: string;
  @Field(() => String) message!: string;
  @Field(() => GraphQLJSON, { nullable: true }) value?: unknown;
}

/**
 * A source record that failed validation, kept whole with every failure, until it is corrected and
 * replayed (or discarded by an operator). Nothing a source sends is dropped silently.
 */
@ObjectType({ simpleResolvers: true, description: 'A source record refused by validation, kept for replay' })
@Entity({ tableName: 'quarantined_record' })
@Index({ name: 'quarantined_record_connector_idx', properties: ['connector', 'status', 'id'] })
@Index({
  name: 'quarantined_record_open_key_idx',
  expression:
    'create unique index "quarantined_record_open_key_idx" on "quarantined_record" ("connector_id", "stream", "source_key") where "status" = \'open\'',
})
export class QuarantinedRecord {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Connector, { fieldName: 'connector_id', deleteRule: 'cascade' })
  connector!: Connector;

  @ManyToOne(() => SyncRun, { fieldName: 'run_id', deleteRule: 'cascade' })
  run!: SyncRun;

  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  stream!: string;

  @Field(() => String, { description: "The record's key in its source (row number, primary key…)" })
  @Property({ type: 'string', length: 300 })
  sourceKey!: string;

  @Field(() => GraphQLJSONObject, { description: 'The record as the source sent it' })
  @Property({ type: 'jsonb' })
  raw!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Corrections to apply on replay' })
  @Property({ type: 'jsonb', nullable: true })
  corrected?: Record<string, unknown> | null;

  @Field(() => [RecordFailure])
  @Property({ type: 'jsonb' })
  failures!: RecordFailure[];

  @Field(() => QuarantineStatus)
  @Enum({ items: () => QuarantineStatus, nativeEnumName: 'quarantine_status' })
  status!: QuarantineStatus;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  resolvedAt?: Date | null;
}

/** A value a source offered for a field that another source with precedence had set: both kept. */
@ObjectType({
  simpleResolvers: true,
  description: 'Two sources disagree on a field; the kept value won by precedence',
})
@Entity({ tableName: 'merge_conflict' })
@Index({ name: 'merge_conflict_target_idx', properties: ['targetType', 'targetId'] })
export class MergeConflict {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Field(() => String) @Property({ type: 'string', length: 40 }) targetType!: string;
  @Field(() => ID) @Property({ type: 'bigint' }) targetId!: string;
  @Field(() => String) @Property({ type: 'string', length: 100 }) field!: string;

  @Field(() => GraphQLJSON, { nullable: true })
  @Property({ type: 'jsonb', nullable: true })
  keptValue?: unknown;
  @Field(() => String) @Property({ type: 'string', length: 100 }) keptSource!: string;
  @Field(() => GraphQLJSON, { nullable: true })
  @Property({ type: 'jsonb', nullable: true })
  offeredValue?: unknown;
  @Field(() => String) @Property({ type: 'string', length: 100 }) offeredSource!: string;
  @Field(() => String) @Property({ type: 'string', length: 300 }) sourceKey!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  at: Opt<Date> = new Date();
}
