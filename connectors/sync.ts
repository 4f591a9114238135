import { hash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '../schema/common/rows';
import { type DataSetSpec, dataSet, type ValidationFailure } from '../schema/datasets';
import { inTransaction, type Tx, withConnection } from '../schema/db/tx';
import { PersonRecordKind } from '../schema/people/person-record.entity';
import { type Connector, RunStatus } from './connector.entity';
import { getConnector, getRun, sourceConfig } from './connector.service';
import {
  type CompiledMapping,
  compileMapping,
  type MappedRecord,
  MappingError,
  mapRecord,
  type RegionIndex,
} from './mapping';
import {
  type Conflict,
  findAbsent,
  type Incoming,
  insertNewRecords,
  type MergeContext,
  mergeChunk,
  type NewRecords,
  naturalKeyFailure,
  naturalKeyOf,
  type Precedence,
  prepareNewRecords,
} from './merge';
import { ConnectorError, type SourceRecord, type StreamState } from './protocol';
import type { SecretKey } from './secrets';
import type { StreamConfig } from './streams';

/**
 * The sync engine: one run of one connector, stream by stream, in chunks. Each chunk is read, hashed (a
 * record whose content and mapping did not change since it was last merged is counted unchanged and not
 * touched beyond its link), mapped and validated, merged, and committed in one transaction together with
 * its quarantine entries, source links, the run's counters and the read position. A run interrupted at any
 * point (a killed worker, a source that fails) resumes from its last committed chunk: nothing is lost and
 * nothing counted twice.
 */

export interface RunCounters {
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  skipped: number;
  gone: number;
  conflicts: number;
}

export interface SyncOptions {
  signal?: AbortSignal;
  /** Called after each committed chunk with the run's totals so far. */
  onProgress?: (counters: RunCounters) => void | Promise<void>;
  /** The reference day for validation (tests); default today in China. */
  today?: string;
}

/** A record refused under the stream's `fail` policy: the run stops and names it. */
export class RecordRejectedError extends ConnectorError {
  constructor(stream: string, key: string, failures: ValidationFailure[]) {
    super(
      'data',
      'RECORD_REJECTED',
      `stream ${stream}, record ${key}: ${failures.map((f) => `${f.field} (${f.rule}): ${f.message}`).join('; ')}`,
    );
  }
}

/** The person block a person-record data set is written with (foreigners have their own). */
export function personBlockOf(spec: DataSetSpec): DataSetSpec | undefined {
  if (spec.entity !== 'person_record') return undefined;
  return spec.kind === PersonRecordKind.FOREIGN ? dataSet('person', 'foreign') : dataSet('person');
}

export async function loadRegionIndex(em: EntityManager): Promise<RegionIndex> {
  const rows = await runSql<{
    code: string;
    path: string;
    level: string;
    name: string;
    township: string | null;
  }>(
    em,
    `select r.code, r.path, r.level::text as level, r.name, t.name as township
       from region r left join region t on t.code = split_part(r.path, '/', 3) and t.level = 'township'`,
  );
  const index: RegionIndex = { byCode: new Map(), byVillageName: new Map() };
  for (const r of rows) {
    index.byCode.set(r.code, { code: r.code, path: r.path, level: r.level });
    if (r.level === 'village') {
      const list = index.byVillageName.get(r.name) ?? [];
      list.push({ code: r.code, path: r.path, township: r.township ?? '' });
      index.byVillageName.set(r.name, list);
    }
  }
  return index;
}

export async function loadPrecedence(em: EntityManager): Promise<Precedence> {
  const rows = await runSql<{ name: string; precedence: Record<string, number> }>(
    em,
    'select name, precedence from connector',
  );
  return new Map(rows.map((r) => [r.name, r.precedence]));
}

export function sha(text: string): string {
  return hash('sha1', text, 'hex');
}

interface StreamRun {
  connector: Connector;
  runId: string;
  stream: StreamConfig;
  compiled: CompiledMapping;
  regions: RegionIndex;
  precedence: Precedence;
  fingerprint: string;
  at: string;
  today?: string;
}

function mergeContext(s: StreamRun): MergeContext {
  return { connector: s.connector.name, stream: s.stream.stream, precedence: s.precedence, at: s.at };
}

/** A chunk read from the source, hashed, its links looked up and its changed records mapped. */
interface PreparedChunk {
  chunk: SourceRecord[];
  hashes: string[];
  unchangedKeys: string[];
  toMerge: Array<{ index: number; record: MappedRecord }>;
  rejected: Array<{ index: number; failures: ValidationFailure[] }>;
  /** Natural keys of toMerge that had no row when prepared and are not in the chunk committing meanwhile. */
  absent: Set<string>;
  /** Natural keys of toMerge: the next chunk must look these up in its own transaction. */
  naturalKeys: Set<string>;
  /** The one statement writing toMerge when every record is new (see prepareNewRecords). */
  newRecords?: NewRecords;
}

/**
 * Everything a chunk needs before its transaction, writing nothing, so that it runs while the chunk before it
 * commits. A key of that chunk (`inFlight`: its link may not be committed yet) is never judged unchanged.
 */
async function prepareChunk(
  em: EntityManager,
  s: StreamRun,
  chunk: SourceRecord[],
  inFlight: ReadonlySet<string>,
  inFlightNatural: ReadonlySet<string>,
): Promise<PreparedChunk> {
  const hashes = chunk.map((r) => sha(`${s.fingerprint}\n${JSON.stringify(r.data)}`));
  // A key seen twice in one chunk (a duplicate row) is judged on its last occurrence's hash.
  const links = await withConnection(em, (tx) =>
    tx.query<{ source_key: string; content_hash: string; gone: boolean }>(
      `select source_key, content_hash, gone_at is not null as gone from source_link
        where connector_id = $1 and stream = $2 and source_key = any($3::text[])`,
      [s.connector.id, s.stream.stream, chunk.map((r) => r.key)],
    ),
  );
  const known = new Map(links.map((l) => [l.source_key, l]));
  const prepared: PreparedChunk = {
    chunk,
    hashes,
    unchangedKeys: [],
    toMerge: [],
    rejected: [],
    absent: new Set(),
    naturalKeys: new Set(),
  };
  for (let index = 0; index < chunk.length; index++) {
    // Mapping a chunk takes a while: the event loop is let through now and then so that the chunk before
    // this one, committing meanwhile, gets its next statement sent as soon as PostgreSQL answers.
    if (index % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve));
    const r = chunk[index]!;
    const link = known.get(r.key);
    if (link && !link.gone && link.content_hash === hashes[index] && !inFlight.has(r.key)) {
      prepared.unchangedKeys.push(r.key);
      continue;
    }
    const mapped = mapRecord(s.compiled, r.data, s.regions, s.today);
    if (!mapped.ok) {
      prepared.rejected.push({ index, failures: mapped.failures });
      continue;
    }
    const keyFailure = naturalKeyFailure(s.compiled.dataSet, mapped.record);
    if (keyFailure) prepared.rejected.push({ index, failures: [keyFailure] });
    else prepared.toMerge.push({ index, record: mapped.record });
  }
  // Which records are new, asked here rather than in the chunk's transaction (which then only writes); a
  // key of the chunk committing meanwhile may be written by it, so it is looked up again in the transaction.
  if (prepared.toMerge.length) {
    const records = prepared.toMerge.map((m) => m.record);
    const absent = await withConnection(em, (tx) => findAbsent(em, tx, s.compiled.dataSet, records));
    for (const record of records) prepared.naturalKeys.add(naturalKeyOf(s.compiled.dataSet, record));
    for (const key of inFlightNatural) absent.delete(key);
    prepared.absent = absent;
    prepared.newRecords = prepareNewRecords(
      em,
      s.compiled.dataSet,
      prepared.toMerge.map((m) => ({ sourceKey: chunk[m.index]!.key, record: m.record })),
      absent,
      mergeContext(s),
    );
  }
  // From here on only rejected records need their values (for quarantine): the others' go early.
  const keep = new Set(prepared.rejected.map((r) => r.index));
  prepared.chunk = chunk.map((r, index) =>
    keep.has(index) ? r : { key: r.key, data: NO_DATA, state: r.state },
  );
  return prepared;
}

const NO_DATA: Record<string, unknown> = Object.freeze({});

/** Records mapped between two turns of the event loop (a few milliseconds of work). */
const YIELD_EVERY = 100;

/** Commits one prepared chunk; returns the counters it adds. */
async function commitChunk(
  em: EntityManager,
  s: StreamRun,
  { chunk, hashes, unchangedKeys, toMerge, rejected, absent, newRecords }: PreparedChunk,
): Promise<RunCounters> {
  const counters: RunCounters = {
    read: chunk.length,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    quarantined: 0,
    skipped: 0,
    gone: 0,
    conflicts: 0,
  };
  const name = s.stream.stream;
  const connectorId = s.connector.id;
  const last = chunk[chunk.length - 1]!;

  await inTransaction(em, async (tx) => {
    counters.unchanged += unchangedKeys.length;
    if (unchangedKeys.length) {
      await tx.query(
        `update source_link set last_run_id = $4, last_seen = now()
          where connector_id = $1 and stream = $2 and source_key = any($3::text[])`,
        [connectorId, name, unchangedKeys, s.runId],
      );
    }

    if (rejected.length) {
      if (s.stream.onInvalid === 'fail') {
        const first = rejected[0]!;
        throw new RecordRejectedError(name, chunk[first.index]!.key, first.failures);
      }
      if (s.stream.onInvalid === 'skip') {
        counters.skipped += rejected.length;
      } else {
        counters.quarantined += rejected.length;
        await quarantine(
          tx,
          connectorId,
          s.runId,
          name,
          rejected.map((r) => ({
            key: chunk[r.index]!.key,
            raw: chunk[r.index]!.data,
            failures: r.failures,
          })),
        );
      }
    }

    if (toMerge.length) {
      const incoming = (): Incoming[] =>
        toMerge.map((m) => ({ sourceKey: chunk[m.index]!.key, record: m.record }));
      const outcome = newRecords
        ? await insertNewRecords(tx, newRecords)
        : await mergeChunk(em, tx, s.compiled.dataSet, incoming(), mergeContext(s), absent);
      counters.inserted += outcome.inserted;
      counters.updated += outcome.updated;
      counters.unchanged += outcome.unchanged;
      counters.conflicts += outcome.conflicts.length;
      await recordConflicts(tx, outcome.conflicts);
      // Links: the last occurrence of a key in the chunk wins (its hash and target).
      const links = new Map<string, { source_key: string; target_id: string; content_hash: string }>();
      toMerge.forEach((m, n) => {
        links.set(chunk[m.index]!.key, {
          source_key: chunk[m.index]!.key,
          target_id: outcome.targetIds[n]!,
          content_hash: hashes[m.index]!,
        });
      });
      await linkMerged(tx, connectorId, name, s.runId, outcome.targetType, [...links.values()]);
    }

    await tx.query(
      `update sync_run set read = read + $2, inserted = inserted + $3, updated = updated + $4, unchanged = unchanged + $5,
              quarantined = quarantined + $6, skipped = skipped + $7, conflicts = conflicts + $8,
              checkpoint = checkpoint || jsonb_build_object($9::text, $10::jsonb)
        where id = $1`,
      [
        s.runId,
        counters.read,
        counters.inserted,
        counters.updated,
        counters.unchanged,
        counters.quarantined,
        counters.skipped,
        counters.conflicts,
        name,
        JSON.stringify(last.state),
      ],
    );
    if (s.stream.mode === 'incremental') {
      await tx.query(
        `insert into connector_state (connector_id, stream, state) values ($1, $2, $3::jsonb)
         on conflict (connector_id, stream) do update set state = excluded.state, updated_at = now()`,
        [connectorId, name, JSON.stringify(last.state)],
      );
    }
  });
  return counters;
}

/** Keeps the values refused by source precedence, with both sides (the merge never overwrites blindly). */
export async function recordConflicts(tx: Tx, conflicts: readonly Conflict[]): Promise<void> {
  if (!conflicts.length) return;
  await tx.query(
    `insert into merge_conflict (target_type, target_id, field, kept_value, kept_source, offered_value, offered_source, source_key)
     select target_type, target_id, field, kept_value, kept_source, offered_value, offered_source, source_key
       from jsonb_to_recordset($1::jsonb) as x(target_type text, target_id bigint, field text, kept_value jsonb,
            kept_source text, offered_value jsonb, offered_source text, source_key text)`,
    [
      JSON.stringify(
        conflicts.map((c) => ({
          target_type: c.targetType,
          target_id: c.targetId,
          field: c.field,
          kept_value: c.keptValue ?? null,
          kept_source: c.keptSource,
          offered_value: c.offeredValue ?? null,
          offered_source: c.offeredSource,
          source_key: c.sourceKey,
        })),
      ),
    ],
  );
}

/**
 * Links merged source records to the records they became (seen by `runId`, not gone), and closes their open
 * quarantine entries: a record that passes now no longer waits for an operator.
 */
export async function linkMerged(
  tx: Tx,
  connectorId: string,
  stream: string,
  runId: string,
  targetType: string,
  links: ReadonlyArray<{ source_key: string; target_id: string; content_hash: string }>,
): Promise<void> {
  // One statement: the links (three arrays, cheaper to send and read than JSON), and the quarantine entries
  // they close — a record that passes now no longer waits for an operator (the department fixed it).
  await tx.query(
    `with linked as (
       insert into source_link (connector_id, stream, source_key, target_type, target_id, content_hash, last_run_id)
       select $1, $2, x.source_key, $3, x.target_id, x.content_hash, $4
         from unnest($5::text[], $6::bigint[], $7::text[]) as x(source_key, target_id, content_hash)
       on conflict (connector_id, stream, source_key) do update set
         target_type = excluded.target_type, target_id = excluded.target_id, content_hash = excluded.content_hash,
         last_run_id = excluded.last_run_id, last_seen = now(), gone_at = null)
     update quarantined_record set status = 'replayed', resolved_at = now()
      where connector_id = $1 and stream = $2 and status = 'open' and source_key = any($5::text[])`,
    [
      connectorId,
      stream,
      targetType,
      runId,
      links.map((l) => l.source_key),
      links.map((l) => l.target_id),
      links.map((l) => l.content_hash),
    ],
  );
}

/** One open entry per source record: a record that fails again replaces its open entry's content. */
async function quarantine(
  tx: Tx,
  connectorId: string,
  runId: string,
  stream: string,
  entries: Array<{ key: string; raw: Record<string, unknown>; failures: ValidationFailure[] }>,
): Promise<void> {
  const byKey = new Map(entries.map((e) => [e.key, e]));
  await tx.query(
    `insert into quarantined_record (connector_id, run_id, stream, source_key, raw, failures, status)
     select $1, $2, $3, x.source_key, x.raw, x.failures, 'open'
       from jsonb_to_recordset($4::jsonb) as x(source_key text, raw jsonb, failures jsonb)
     on conflict (connector_id, stream, source_key) where status = 'open' do update set
       run_id = excluded.run_id, raw = excluded.raw, failures = excluded.failures, created_at = now()`,
    [
      connectorId,
      runId,
      stream,
      JSON.stringify(
        [...byKey.values()].map((e) => ({
          source_key: e.key,
          raw: e.raw,
          failures: e.failures.map((f) => ({
            field: f.field,
            rule: f.rule,
            message: f.message,
            ...(f.value !== undefined ? { value: f.value } : {}),
          })),
        })),
      ),
    ],
  );
}

async function streamStart(
  em: EntityManager,
  connector: Connector,
  runCheckpoint: Record<string, StreamState>,
  stream: StreamConfig,
): Promise<StreamState | undefined> {
  const resumed = runCheckpoint[stream.stream];
  if (resumed) return resumed;
  if (stream.mode !== 'incremental') return undefined;
  const [row] = await runSql<{ state: StreamState }>(
    em,
    'select state from connector_state where connector_id = ? and stream = ?',
    [connector.id, stream.stream],
  );
  return row?.state;
}

/**
 * Executes (or resumes) run `runId`. Returns the run's final counters. Throws on failure, leaving the run
 * `running` with its committed chunks: the caller (the queue processor) decides whether to retry (transient
 * errors) or to mark it failed (`failRun`).
 */
export async function executeRun(
  em: EntityManager,
  key: SecretKey,
  runId: string,
  options: SyncOptions = {},
): Promise<RunCounters> {
  const run = await getRun(em, runId);
  if (run.status === RunStatus.SUCCEEDED || run.status === RunStatus.FAILED) return countersOf(run);
  await runSql(
    em,
    `update sync_run set status = 'running', started_at = coalesce(started_at, now()) where id = ?`,
    [runId],
  );
  const connectorRow = await runSql<{ name: string }>(em, 'select name from connector where id = ?', [
    run.connector.id,
  ]);
  const connector = await getConnector(em, connectorRow[0]!.name);
  const { source, config } = sourceConfig(connector, key);
  const regions = await loadRegionIndex(em);
  const precedence = await loadPrecedence(em);
  const at = new Date().toISOString();
  let catalog: Awaited<ReturnType<typeof source.discover>> | undefined;
  const totals = countersOf(run);

  for (const stream of connector.streams) {
    if (run.doneStreams.includes(stream.stream)) continue;
    catalog ??= await source.discover(config);
    const spec = catalog.streams.find((s) => s.name === stream.stream);
    if (!spec) {
      throw new ConnectorError(
        'config',
        'UNKNOWN_STREAM',
        `the source has no stream "${stream.stream}" (it has ${catalog.streams.map((s) => s.name).join(', ')})`,
      );
    }
    let compiled: CompiledMapping;
    try {
      compiled = compileMapping(
        stream.mapping,
        spec.fields.map((f) => f.name),
        personBlockOf,
      );
    } catch (error) {
      if (error instanceof MappingError) throw new ConnectorError('config', 'INVALID_MAPPING', error.message);
      throw error;
    }
    const s: StreamRun = {
      connector,
      runId,
      stream,
      compiled,
      regions,
      precedence,
      fingerprint: sha(JSON.stringify([stream, connector.precedence])),
      at,
      today: options.today,
    };
    const state = await streamStart(em, connector, run.checkpoint as Record<string, StreamState>, stream);
    let chunk: SourceRecord[] = [];
    // Chunks commit one at a time, in order; the next one is read and prepared while one commits.
    let committing: Promise<void> = Promise.resolve();
    let inFlight: ReadonlySet<string> = new Set();
    let inFlightNatural: ReadonlySet<string> = new Set();
    const flush = async () => {
      if (!chunk.length) return;
      const records = chunk;
      chunk = [];
      const prepared = await prepareChunk(em, s, records, inFlight, inFlightNatural);
      await committing;
      committing = commitChunk(em, s, prepared).then(async (added) => {
        for (const k of Object.keys(added) as Array<keyof RunCounters>) totals[k] += added[k];
        await options.onProgress?.({ ...totals });
      });
      inFlight = new Set(records.map((r) => r.key));
      inFlightNatural = prepared.naturalKeys;
      committing.catch(() => undefined); // seen by the next flush or at the end of the stream
    };
    try {
      for await (const record of source.read(config, {
        stream: stream.stream,
        mode: stream.mode,
        cursorField: stream.cursorField,
        state,
        signal: options.signal,
      })) {
        chunk.push(record);
        if (chunk.length >= stream.chunkSize) await flush();
        if (options.signal?.aborted) break;
      }
      await flush();
    } finally {
      // Whatever stops the read, the chunk being committed ends first: a retry resumes from a settled run.
      await committing.catch(() => undefined);
    }
    await committing;
    if (options.signal?.aborted)
      throw new ConnectorError('transient', 'ABORTED', 'the run was stopped before its end');

    // A full refresh marks the records it no longer saw as gone (soft; nothing is deleted).
    let gone = 0;
    if (stream.mode === 'full') {
      const rows = await runSql<{ n: number }>(
        em,
        `with g as (update source_link set gone_at = now()
                     where connector_id = ? and stream = ? and last_run_id <> ? and gone_at is null returning 1)
         select count(*)::int as n from g`,
        [connector.id, stream.stream, runId],
      );
      gone = rows[0]!.n;
    }
    totals.gone += gone;
    await runSql(
      em,
      'update sync_run set gone = gone + ?, done_streams = array_append(done_streams, ?) where id = ?',
      [gone, stream.stream, runId],
    );
  }
  await runSql(em, `update sync_run set status = 'succeeded', finished_at = now() where id = ?`, [runId]);
  return totals;
}

/** Marks a run failed with the error's code and message (its committed chunks stay). */
export async function failRun(em: EntityManager, runId: string, error: unknown): Promise<void> {
  const code =
    error instanceof ConnectorError
      ? error.kind === 'transient'
        ? `TRANSIENT_${error.code}`
        : error.code
      : 'INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  await runSql(
    em,
    `update sync_run set status = 'failed', finished_at = now(), error_code = ?, error = ? where id = ?`,
    [code.slice(0, 40), message, runId],
  );
}

export function isTransient(error: unknown): boolean {
  if (error instanceof ConnectorError) return error.kind === 'transient';
  const code = (error as { code?: string }).code;
  return (
    code === 'ECONNRESET' ||
    code === 'ECONNREFUSED' ||
    code === '40001' ||
    code === '40P01' ||
    code === '57P01'
  );
}

function countersOf(run: RunCounters): RunCounters {
  return {
    read: run.read,
    inserted: run.inserted,
    updated: run.updated,
    unchanged: run.unchanged,
    quarantined: run.quarantined,
    skipped: run.skipped,
    gone: run.gone,
    conflicts: run.conflicts,
  };
}
