import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import {
  Arg,
  Ctx,
  Field,
  FieldResolver,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { Connector, SyncRun } from '../../connectors/connector.entity';
import {
  checkConfig,
  checkConnector,
  createConnector,
  deleteConnector,
  discoverConnector,
  getConnector,
  getRun,
  listConnectors,
  listRuns,
  queueRun,
  secretFieldsSet,
  updateConnector,
} from '../../connectors/connector.service';
import { type CheckResult, ConnectorError, specOf } from '../../connectors/protocol';
import { MergeConflict, QuarantinedRecord, QuarantineStatus } from '../../connectors/quarantine.entity';
import {
  correctQuarantined,
  discardQuarantined,
  listConflicts,
  listQuarantine,
  type QuarantineEntry,
  replayQuarantined,
} from '../../connectors/quarantine.service';
import { splitSecrets } from '../../connectors/secrets';
import { SOURCES } from '../../connectors/sources';
import { failRun, type RunCounters } from '../../connectors/sync';
import { queryRows } from '../../schema/common/rows';
import { DomainError } from '../../schema/runtime/errors';
import { SYNC_JOB_OPTIONS } from '../../workers/queues';
import { syncConnectorSchedules } from '../../workers/schedules';
import { type Connection, ConnectionType, requestPage, toConnection } from '../connection';
import type { GatewayContext } from '../context';

/**
 * The operators' API for connectors: source types and their specs, registering and changing connectors
 * (secrets write-only), check / discover / run, the runs' reports, and the quarantine (correct, replay,
 * discard). Who may call each operation is the caller's policy (root fields; by default admin and it_office).
 */

@ObjectType({ simpleResolvers: true, description: 'A kind of department system the hub can read' })
class SourceType {
  @Field(() => String) type!: string;
  @Field(() => String) title!: string;
  @Field(() => GraphQLJSONObject, {
    description: "The config's JSON Schema (secret fields flagged), as `hub connectors spec` prints it",
  })
  spec!: Record<string, unknown>;
  @Field(() => [String], { description: 'Config fields (dotted paths) that are secrets: write-only' })
  secretFields!: string[];
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of testing a connection' })
class ConnectorCheck {
  @Field(() => Boolean) ok!: boolean;
  @Field(() => String, { nullable: true, description: 'Why not: FILE_NOT_FOUND, INVALID_CONFIG…' })
  code!: string | null;
  @Field(() => String, { nullable: true }) reason!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'A field of a source stream' })
class SourceField {
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'string, integer, number, boolean, date, datetime or unknown' })
  type!: string;
}

@ObjectType({ simpleResolvers: true, description: 'A stream a source offers, with its fields' })
class SourceStream {
  @Field(() => String) name!: string;
  @Field(() => [SourceField]) fields!: SourceField[];
  @Field(() => [String]) cursorCandidates!: string[];
  @Field(() => [String]) primaryKey!: string[];
  @Field(() => Boolean) supportsIncremental!: boolean;
}

@ObjectType({ simpleResolvers: true, description: "A source's streams, as discover found them" })
class SourceCatalog {
  @Field(() => [SourceStream]) streams!: SourceStream[];
}

@ObjectType({ simpleResolvers: true, description: "A run's counters, committed with each chunk" })
class RunProgress {
  @Field(() => Int) read!: number;
  @Field(() => Int) inserted!: number;
  @Field(() => Int) updated!: number;
  @Field(() => Int) unchanged!: number;
  @Field(() => Int) quarantined!: number;
  @Field(() => Int) skipped!: number;
  @Field(() => Int) gone!: number;
  @Field(() => Int) conflicts!: number;
}

@ObjectType({ simpleResolvers: true, description: 'A run queued for the workers' })
class QueuedRun {
  @Field(() => SyncRun) run!: SyncRun;
  @Field(() => Boolean, {
    description: 'True when the last run, interrupted by a transient failure, resumes from its last chunk',
  })
  resumed!: boolean;
}

@ObjectType({ simpleResolvers: true, description: 'What a replay of quarantined records did' })
class ReplayResult {
  @Field(() => [SyncRun], { description: "One `replay` run per connector, with the replay's counters" })
  runs!: SyncRun[];
  @Field(() => [QuarantinedRecord], { description: 'The replayed records as they are now' })
  records!: QuarantinedRecord[];
  @Field(() => Int) replayed!: number;
  @Field(() => Int) stillOpen!: number;
}

export const QuarantinedRecordConnection = ConnectionType(QuarantinedRecord, 'QuarantinedRecord');

@InputType({ description: 'A connector definition (validated against its source type; see sourceTypes)' })
export class ConnectorInput {
  @Field(() => String, { description: 'Short stable name: 2–100 of a-z, 0-9, - and _' }) name!: string;
  @Field(() => String) title!: string;
  @Field(() => String, { description: 'csv, xlsx, rest, sql or graphql' }) sourceType!: string;
  @Field(() => GraphQLJSONObject, { description: "The source's config, secrets included (stored encrypted)" })
  config!: Record<string, unknown>;
  @Field(() => [GraphQLJSONObject], { description: 'Streams to sync, each with its mapping' })
  streams!: Record<string, unknown>[];
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Field → rank under source precedence' })
  precedence?: Record<string, unknown> | null;
  @Field(() => String, { nullable: true, description: 'Cron (five fields, Asia/Shanghai); null: none' })
  schedule?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Default true' }) enabled?: boolean | null;
}

@InputType({
  description:
    'Changes to a connector: fields left out keep their values; secret config fields left out keep theirs',
})
export class ConnectorUpdateInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) title?: string | null;
  @Field(() => String, { nullable: true }) sourceType?: string | null;
  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'Replaces the config; secret fields not given keep their stored values',
  })
  config?: Record<string, unknown> | null;
  @Field(() => [GraphQLJSONObject], { nullable: true }) streams?: Record<string, unknown>[] | null;
  @Field(() => GraphQLJSONObject, { nullable: true }) precedence?: Record<string, unknown> | null;
  @Field(() => String, { nullable: true, description: 'Explicit null removes the schedule' })
  schedule?: string | null;
  @Field(() => Boolean, { nullable: true }) enabled?: boolean | null;
}

/**
 * The full definition an update validates: the connector as stored (its public config; the service keeps
 * the secrets not given) with the given fields over it. Absent fields keep their values; `schedule: null`
 * removes the schedule, other nulls count as absent.
 */
export function connectorDefinition(
  existing: Connector | null,
  given: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = existing
    ? {
        name: existing.name,
        title: existing.title,
        sourceType: existing.sourceType,
        config: existing.config,
        streams: existing.streams,
        precedence: existing.precedence,
        schedule: existing.schedule ?? null,
        enabled: existing.enabled,
      }
    : {};
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined || (value === null && key !== 'schedule')) continue;
    out[key] = value;
  }
  return out;
}

function checkOf(result: CheckResult): ConnectorCheck {
  return result.ok
    ? { ok: true, code: null, reason: null }
    : { ok: false, code: result.code, reason: result.reason };
}

function countersOf(run: SyncRun): RunCounters {
  const { read, inserted, updated, unchanged, quarantined, skipped, gone, conflicts } = run;
  return { read, inserted, updated, unchanged, quarantined, skipped, gone, conflicts };
}

/** Connectors by id, per request: run and quarantine lists name few connectors many times. */
const connectorsSeen = new WeakMap<GatewayContext, Map<string, Promise<Connector | undefined>>>();

function connectorById(ctx: GatewayContext, id: string): Promise<Connector | undefined> {
  let seen = connectorsSeen.get(ctx);
  if (!seen) {
    seen = new Map();
    connectorsSeen.set(ctx, seen);
  }
  let found = seen.get(id);
  if (!found) {
    found = queryRows(ctx.em, Connector, 'select * from connector where id = ?', [id]).then(
      (rows) => rows[0],
    );
    seen.set(id, found);
  }
  return found;
}

function checkId(id: string, code: string, what: string): void {
  if (!/^\d{1,19}$/.test(id)) throw new DomainError(code, `No ${what} with id "${id}"`, { id });
}

/** After any change to connectors, the workers' cron schedulers follow at once (no restart). */
async function applySchedules(ctx: GatewayContext): Promise<void> {
  await syncConnectorSchedules(ctx.em, ctx.queues);
}

@Resolver(() => Connector)
export class ConnectorResolver {
  @Query(() => [SourceType], {
    description: 'The kinds of system a connector can read, with their config spec',
  })
  sourceTypes(): SourceType[] {
    return [...SOURCES.values()].map((s) => ({
      type: s.type,
      title: s.title,
      spec: specOf(s),
      secretFields: [...s.secrets],
    }));
  }

  @Query(() => [Connector], { description: 'Every registered connector, by name' })
  connectors(@Ctx() { em }: GatewayContext): Promise<Connector[]> {
    return listConnectors(em);
  }

  @Query(() => Connector, { description: 'One connector by name; an unknown name is CONNECTOR_NOT_FOUND' })
  connector(@Arg('name', () => String) name: string, @Ctx() { em }: GatewayContext): Promise<Connector> {
    return getConnector(em, name);
  }

  @FieldResolver(() => GraphQLJSONObject, { description: 'The config without its secret fields' })
  config(@Root() c: Connector): Record<string, unknown> {
    const source = SOURCES.get(c.sourceType);
    return source ? splitSecrets(c.config, source.secrets).config : c.config;
  }

  @FieldResolver(() => [String], { description: 'Secret config fields that hold a value (never the value)' })
  secretFieldsSet(@Root() c: Connector, @Ctx() { secretKey }: GatewayContext): string[] {
    return secretFieldsSet(c, secretKey);
  }

  @FieldResolver(() => GraphQLJSON, { description: 'The streams synced, each with its mapping' })
  streams(@Root() c: Connector): unknown {
    return c.streams;
  }

  @FieldResolver(() => GraphQLJSONObject, {
    description: 'Field → rank: the higher wins a field two sources set',
  })
  precedence(@Root() c: Connector): Record<string, number> {
    return c.precedence;
  }

  @FieldResolver(() => SyncRun, { nullable: true, description: 'The latest run, whatever its state' })
  async lastRun(@Root() c: Connector, @Ctx() { em }: GatewayContext): Promise<SyncRun | null> {
    const [run] = await queryRows(
      em,
      SyncRun,
      'select * from sync_run where connector_id = ? order by id desc limit 1',
      [c.id],
    );
    return run ?? null;
  }

  @Mutation(() => Connector, {
    description: 'Registers a connector (local callers only until API keys exist)',
  })
  async createConnector(
    @Arg('input', () => ConnectorInput) input: ConnectorInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connector> {
    const connector = await createConnector(ctx.em, ctx.secretKey, connectorDefinition(null, { ...input }));
    await applySchedules(ctx);
    return connector;
  }

  @Mutation(() => Connector, {
    description: "Changes a connector's definition (fields left out keep theirs)",
  })
  async updateConnector(
    @Arg('name', () => String) name: string,
    @Arg('input', () => ConnectorUpdateInput) input: ConnectorUpdateInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connector> {
    const existing = await getConnector(ctx.em, name);
    const connector = await updateConnector(
      ctx.em,
      ctx.secretKey,
      name,
      connectorDefinition(existing, { ...input }),
    );
    await applySchedules(ctx);
    return connector;
  }

  @Mutation(() => Boolean, {
    description: 'Deletes a connector with its runs, links and quarantine; the records it supplied stay',
  })
  async deleteConnector(
    @Arg('name', () => String) name: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<boolean> {
    await getConnector(ctx.em, name);
    const deleted = await deleteConnector(ctx.em, name);
    await applySchedules(ctx);
    return deleted;
  }

  @Mutation(() => ConnectorCheck, { description: "Tests a saved connector's connection and config" })
  async checkConnector(
    @Arg('name', () => String) name: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<ConnectorCheck> {
    return checkOf(await checkConnector(ctx.em, ctx.secretKey, name));
  }

  @Mutation(() => ConnectorCheck, { description: 'Tests a config before saving it' })
  async checkConnectorConfig(
    @Arg('sourceType', () => String) sourceType: string,
    @Arg('config', () => GraphQLJSONObject) config: Record<string, unknown>,
  ): Promise<ConnectorCheck> {
    return checkOf(await checkConfig(sourceType, config));
  }

  @Mutation(() => SourceCatalog, { description: "Lists the source's streams and their fields" })
  async discoverConnector(
    @Arg('name', () => String) name: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<SourceCatalog> {
    try {
      return await discoverConnector(ctx.em, ctx.secretKey, name);
    } catch (error) {
      if (error instanceof ConnectorError) {
        throw new DomainError(error.code, error.message, { connector: name, kind: error.kind });
      }
      throw error;
    }
  }

  @Mutation(() => QueuedRun, {
    description:
      'Queues a run for the workers (RUN_ACTIVE while one is queued or running); poll syncRun for its progress',
  })
  async runConnector(
    @Arg('name', () => String) name: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<QueuedRun> {
    const { run, resumed } = await queueRun(ctx.em, name, 'manual');
    try {
      await ctx.queues.add(
        'sync',
        'run-connector',
        { runId: run.id },
        { ...SYNC_JOB_OPTIONS, jobId: `run-${run.id}-${Date.now()}` },
      );
    } catch (error) {
      // A run no worker will ever see must not block the next one (one active run per connector).
      await failRun(
        ctx.em,
        run.id,
        new ConnectorError(
          'transient',
          'QUEUE_UNAVAILABLE',
          `the run could not be queued: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
      throw error;
    }
    return { run: await getRun(ctx.em, run.id), resumed };
  }
}

@Resolver(() => SyncRun)
export class SyncRunResolver {
  @Query(() => [SyncRun], { description: "Runs, newest first: one connector's, or all" })
  syncRuns(
    @Arg('connector', () => String, { nullable: true }) connector: string | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<SyncRun[]> {
    return listRuns(ctx.em, connector, requestPage(ctx.notices, 'syncRuns', first, null).first);
  }

  @Query(() => SyncRun, { description: 'One run with its report; an unknown id is RUN_NOT_FOUND' })
  syncRun(@Arg('id', () => ID) id: string, @Ctx() { em }: GatewayContext): Promise<SyncRun> {
    checkId(id, 'RUN_NOT_FOUND', 'run');
    return getRun(em, id);
  }

  @FieldResolver(() => Connector)
  async connector(@Root() run: SyncRun, @Ctx() ctx: GatewayContext): Promise<Connector> {
    return (await connectorById(ctx, run.connector.id))!;
  }

  @FieldResolver(() => RunProgress, {
    description: 'The counters so far: committed with each chunk, so they move while the run is running',
  })
  progress(@Root() run: SyncRun): RunProgress {
    return countersOf(run);
  }
}

@Resolver(() => QuarantinedRecord)
export class QuarantineResolver {
  @Query(() => QuarantinedRecordConnection, {
    description:
      'Records refused by validation, in id order, raw as the source sent them (local callers only)',
  })
  async quarantine(
    @Arg('connector', () => String, { nullable: true }) connector: string | null,
    @Arg('status', () => QuarantineStatus, { nullable: true }) status: QuarantineStatus | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connection<QuarantinedRecord>> {
    const page = requestPage(ctx.notices, 'quarantine', first, after, ctx.access.policy.rowCap);
    const result = await listQuarantine(ctx.em, {
      connector,
      status,
      first: page.first,
      after: page.afterId,
    });
    ctx.readLog.saw(
      'QuarantinedRecord',
      result.nodes.map((r) => r.id),
    );
    return toConnection(result);
  }

  @Query(() => [MergeConflict], {
    description:
      'Values refused by source precedence, newest first (local callers only: they hold raw values)',
  })
  async mergeConflicts(
    @Arg('targetType', () => String, { nullable: true }) targetType: string | null,
    @Arg('targetId', () => ID, { nullable: true }) targetId: string | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('before', () => ID, { nullable: true, description: 'The id of the last conflict already seen' })
    before: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<MergeConflict[]> {
    if (before) checkId(before, 'INVALID_ID', 'merge conflict');
    const conflicts = await listConflicts(ctx.em, {
      targetType,
      targetId,
      first: requestPage(ctx.notices, 'mergeConflicts', first, null).first,
      before,
    });
    ctx.readLog.saw(
      'MergeConflict',
      conflicts.map((c) => c.id),
    );
    return conflicts;
  }

  @Mutation(() => QuarantinedRecord, {
    description:
      'Stores corrections for an open record: values laid over its raw record on replay (added to earlier ones)',
  })
  async correctQuarantined(
    @Arg('id', () => ID) id: string,
    @Arg('corrected', () => GraphQLJSONObject) corrected: Record<string, unknown>,
    @Ctx() ctx: GatewayContext,
  ): Promise<QuarantinedRecord> {
    const entry = await correctQuarantined(ctx.em, id, corrected);
    ctx.readLog.saw('QuarantinedRecord', [entry.id]);
    return entry;
  }

  @Mutation(() => ReplayResult, {
    description:
      'Replays open records (these ids, or a connector’s, or all) through mapping, validation and the merge',
  })
  async replayQuarantined(
    @Arg('ids', () => [ID], { nullable: true }) ids: string[] | null,
    @Arg('connector', () => String, { nullable: true }) connector: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<ReplayResult> {
    const report = await replayQuarantined(ctx.em, { ids, connector });
    ctx.readLog.saw(
      'QuarantinedRecord',
      report.records.map((r) => r.id),
    );
    return report;
  }

  @Mutation(() => QuarantinedRecord, { description: 'Discards an open record with a reason; it is kept' })
  async discardQuarantined(
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => String) reason: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<QuarantinedRecord> {
    const entry = await discardQuarantined(ctx.em, id, reason);
    ctx.readLog.saw('QuarantinedRecord', [entry.id]);
    return entry;
  }

  @FieldResolver(() => String, { description: "The connector's name" })
  async connector(@Root() r: QuarantinedRecord, @Ctx() ctx: GatewayContext): Promise<string> {
    const known = (r as Partial<QuarantineEntry>).connectorName;
    return known ?? (await connectorById(ctx, r.connector.id))!.name;
  }

  @FieldResolver(() => ID, { description: 'The run that last judged the record' })
  runId(@Root() r: QuarantinedRecord): string {
    return String(r.run.id);
  }
}
