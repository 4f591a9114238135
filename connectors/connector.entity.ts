import {
  Entity,
  Enum,
  Index,
  ManyToOne,
  type Opt,
  PrimaryKey,
  PrimaryKeyProp,
  Property,
} from '@mikro-orm/core';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { StreamConfig } from './streams';

/**
 * A registered source of department data: which source type, its config (secrets removed: they are kept
 * encrypted beside it and never returned), the streams to sync with their mapping onto the six categories,
 * and an optional cron schedule.
 */
@ObjectType({ simpleResolvers: true, description: 'A department system the hub pulls data from' })
@Entity({ tableName: 'connector' })
export class Connector {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  /** Short stable name, used in provenance (e.g. `gongan-huji`). */
  @Field(() => String)
  @Property({ type: 'string', length: 100, unique: true })
  name!: string;

  @Field(() => String, { description: 'Which department and system' })
  @Property({ type: 'string', length: 200 })
  title!: string;

  @Field(() => String, { description: 'csv, xlsx, rest, sql or graphql' })
  @Property({ type: 'string', length: 20 })
  sourceType!: string;

  /** The config without its secret fields. */
  @Property({ type: 'jsonb' })
  config!: Record<string, unknown>;

  /** The secret fields, AES-256-GCM encrypted (see ./secrets.ts). */
  @Property({ type: 'text', nullable: true, lazy: false })
  secrets?: string | null;

  @Property({ type: 'jsonb' })
  streams!: StreamConfig[];

  /** Field → rank: on a field set by two sources, the higher rank wins (ties: the latest write). */
  @Property({ type: 'jsonb', default: '{}' })
  precedence: Opt<Record<string, number>> = {};

  @Field(() => String, { nullable: true, description: 'Cron expression (Asia/Shanghai) for scheduled runs' })
  @Property({ type: 'string', length: 100, nullable: true })
  schedule?: string | null;

  @Field(() => Boolean)
  @Property({ type: 'boolean', default: true })
  enabled: Opt<boolean> = true;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt: Opt<Date> = new Date();
}

/** The saved read position of one stream (an incremental cursor), committed with the data it describes. */
@Entity({ tableName: 'connector_state' })
export class ConnectorState {
  [PrimaryKeyProp]?: ['connector', 'stream'];

  @ManyToOne(() => Connector, { primary: true, fieldName: 'connector_id', deleteRule: 'cascade' })
  connector!: Connector;

  @PrimaryKey({ type: 'string', length: 200 })
  stream!: string;

  @Property({ type: 'jsonb' })
  state!: Record<string, unknown>;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt: Opt<Date> = new Date();
}

export enum RunStatus {
  QUEUED = 'queued',
  RUNNING = 'running',
  SUCCEEDED = 'succeeded',
  FAILED = 'failed',
}
registerEnumType(RunStatus, { name: 'RunStatus' });

/**
 * One sync run and its report. Counters are updated in the transaction that commits each chunk, so they
 * always describe committed data: read = inserted + updated + unchanged + quarantined + skipped.
 */
@ObjectType({ simpleResolvers: true, description: 'One run of a connector, with its report' })
@Entity({ tableName: 'sync_run' })
@Index({ name: 'sync_run_connector_idx', properties: ['connector', 'id'] })
@Index({
  name: 'sync_run_one_active_idx',
  expression:
    'create unique index "sync_run_one_active_idx" on "sync_run" ("connector_id") where "status" in (\'queued\', \'running\')',
})
export class SyncRun {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Connector, { fieldName: 'connector_id', deleteRule: 'cascade' })
  connector!: Connector;

  @Field(() => RunStatus)
  @Enum({ items: () => RunStatus, nativeEnumName: 'run_status' })
  status!: RunStatus;

  @Field(() => String, { description: 'manual, schedule, demo or replay' })
  @Property({ type: 'string', length: 20 })
  trigger!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  queuedAt: Opt<Date> = new Date();

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  startedAt?: Date | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  finishedAt?: Date | null;

  @Field(() => Int) @Property({ type: 'integer', default: 0 }) read: Opt<number> = 0;
  @Field(() => Int) @Property({ type: 'integer', default: 0 }) inserted: Opt<number> = 0;
  @Field(() => Int) @Property({ type: 'integer', default: 0 }) updated: Opt<number> = 0;
  @Field(() => Int) @Property({ type: 'integer', default: 0 }) unchanged: Opt<number> = 0;
  @Field(() => Int) @Property({ type: 'integer', default: 0 }) quarantined: Opt<number> = 0;
  @Field(() => Int) @Property({ type: 'integer', default: 0 }) skipped: Opt<number> = 0;
  @Field(() => Int, { description: 'Records missing from a full refresh, marked gone (never deleted)' })
  @Property({ type: 'integer', default: 0 })
  gone: Opt<number> = 0;
  @Field(() => Int, { description: 'Field values refused by source precedence, kept as conflicts' })
  @Property({ type: 'integer', default: 0 })
  conflicts: Opt<number> = 0;

  /** Per stream, the read position after the last committed chunk: where a resumed run continues. */
  @Property({ type: 'jsonb', default: '{}' })
  checkpoint: Opt<Record<string, Record<string, unknown>>> = {};

  /** Streams finished in this run (a resumed run skips them). */
  @Property({ type: 'text[]', default: '{}' })
  doneStreams: Opt<string[]> = [];

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 40, nullable: true })
  errorCode?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  error?: string | null;
}

/**
 * Each source record the hub has seen: which record it became, the hash of its content (an unchanged record
 * is not rewritten), the last run that saw it, and whether a full refresh found it missing (soft delete).
 */
@Entity({ tableName: 'source_link' })
@Index({ name: 'source_link_target_idx', properties: ['targetType', 'targetId'] })
export class SourceLink {
  [PrimaryKeyProp]?: ['connector', 'stream', 'sourceKey'];

  @ManyToOne(() => Connector, { primary: true, fieldName: 'connector_id', deleteRule: 'cascade' })
  connector!: Connector;

  @PrimaryKey({ type: 'string', length: 200 })
  stream!: string;

  @PrimaryKey({ type: 'string', length: 300 })
  sourceKey!: string;

  @Property({ type: 'string', length: 40 })
  targetType!: string;

  @Property({ type: 'bigint' })
  targetId!: string;

  @Property({ type: 'string', length: 64 })
  contentHash!: string;

  @Property({ type: 'bigint' })
  lastRunId!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  firstSeen: Opt<Date> = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  lastSeen: Opt<Date> = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  goneAt?: Date | null;
}
