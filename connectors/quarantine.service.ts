import type { EntityManager } from '@mikro-orm/postgresql';
import type { Page } from '../schema/common/listing';
import { queryRows, runSql, shapeRows } from '../schema/common/rows';
import { type DataSetSpec, dataSetById, type ValidationFailure } from '../schema/datasets';
import { inTransaction, type Tx } from '../schema/db/tx';
import { DomainError, NotFoundError } from '../schema/runtime/errors';
import { Connector, SyncRun } from './connector.entity';
import { getConnector } from './connector.service';
import { type CompiledMapping, compileMapping, MappingError, mapRecord, type RegionIndex } from './mapping';
import { type Incoming, mergeChunk, naturalKeyFailure, type Precedence } from './merge';
import { MergeConflict, QuarantinedRecord, QuarantineStatus, type RecordFailure } from './quarantine.entity';
import type { StreamConfig } from './streams';
import {
  linkMerged,
  loadPrecedence,
  loadRegionIndex,
  personBlockOf,
  type RunCounters,
  recordConflicts,
  sha,
} from './sync';

/**
 * What operators do with the records validation refused: list them, correct values (an overlay on the record
 * as the source sent it, which stays untouched), replay them through their stream's mapping and the merge,
 * or discard them with a reason. Nothing is deleted: a replayed or discarded entry keeps its raw record, its
 * corrections and its last failures.
 */

/** The key under `corrected` that holds why an operator discarded a record. */
export const DISCARD_REASON_KEY = '__discardReason';

/** A quarantined record with the name of its connector (what operators and provenance call it). */
export type QuarantineEntry = QuarantinedRecord & { connectorName: string };

const ENTRY_SELECT = `select q.*, c.name as connector_name
  from quarantined_record q join connector c on c.id = q.connector_id`;

async function entries(em: EntityManager, where: string, params: unknown[]): Promise<QuarantineEntry[]> {
  const rows = await runSql<Record<string, unknown>>(em, `${ENTRY_SELECT} where ${where}`, params);
  const shaped = shapeRows(em, QuarantinedRecord, rows) as QuarantineEntry[];
  shaped.forEach((entry, i) => {
    entry.connectorName = String(rows[i]!.connector_name);
  });
  return shaped;
}

function notFound(id: string): DomainError {
  return new DomainError('QUARANTINED_RECORD_NOT_FOUND', `No quarantined record with id "${id}"`, { id });
}

export async function getQuarantined(em: EntityManager, id: string): Promise<QuarantineEntry> {
  if (!/^\d{1,19}$/.test(id)) throw notFound(id);
  const [entry] = await entries(em, 'q.id = ? order by q.id', [id]);
  if (!entry) throw notFound(id);
  return entry;
}

export interface QuarantineQuery {
  /** A connector's name; unknown names are CONNECTOR_NOT_FOUND. */
  connector?: string | null;
  status?: QuarantineStatus | null;
  first: number;
  /** The id of the last entry of the previous page. */
  after?: string | null;
}

/** Quarantined records in id order, a keyset page at a time. */
export async function listQuarantine(
  em: EntityManager,
  query: QuarantineQuery,
): Promise<Page<QuarantineEntry>> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (query.connector) {
    conditions.push('q.connector_id = ?');
    params.push((await getConnector(em, query.connector)).id);
  }
  if (query.status) {
    conditions.push('q.status = ?::quarantine_status');
    params.push(query.status);
  }
  const where = conditions.length ? conditions.join(' and ') : 'true';
  const nodes =
    query.first === 0
      ? []
      : await entries(em, `${where}${query.after ? ' and q.id > ?' : ''} order by q.id limit ?`, [
          ...params,
          ...(query.after ? [query.after] : []),
          query.first + 1,
        ]);
  return {
    nodes: nodes.slice(0, query.first),
    hasNextPage: nodes.length > query.first,
    pageSize: query.first,
    count: async () => {
      const [row] = await runSql<{ n: number }>(
        em,
        `select count(*)::int as n from quarantined_record q where ${where}`,
        params,
      );
      return row!.n;
    },
  };
}

function streamOf(connector: Connector, stream: string): StreamConfig | undefined {
  return connector.streams.find((s) => s.stream === stream);
}

/**
 * The source fields an operator may correct: those of the record, and those the stream's mapping reads (an
 * explicit `from`, the region columns, and with `byLabel` the data set's field names and Chinese labels), so
 * a value the source left out can be supplied.
 */
export function correctableFields(
  raw: Record<string, unknown>,
  stream: StreamConfig | undefined,
): Set<string> {
  const fields = new Set(Object.keys(raw));
  if (!stream) return fields;
  const { mapping } = stream;
  for (const f of namedSourceFields(stream)) fields.add(f);
  const spec = dataSetById(mapping.dataSet);
  if (mapping.byLabel && spec) {
    const block = personBlockOf(spec);
    for (const s of block ? [block, spec] : [spec]) {
      for (const f of s.fields) {
        fields.add(f.label);
        fields.add(f.name);
      }
    }
  }
  return fields;
}

/** The source fields a stream's mapping names explicitly: every `from` and the region columns. */
function namedSourceFields(stream: StreamConfig): string[] {
  const { mapping } = stream;
  const fields = Object.values(mapping.fields).flatMap((m) => (m.from ? [m.from] : []));
  if ('code' in mapping.region) fields.push(mapping.region.code);
  else fields.push(mapping.region.village, ...(mapping.region.township ? [mapping.region.township] : []));
  return fields;
}

async function connectorById(em: EntityManager, id: string): Promise<Connector> {
  const [connector] = await queryRows(em, Connector, 'select * from connector where id = ?', [id]);
  if (!connector) throw new NotFoundError('Connector', id);
  return connector;
}

function requireOpen(entry: QuarantinedRecord, action: string): void {
  if (entry.status !== QuarantineStatus.OPEN) {
    throw new DomainError(
      'QUARANTINE_NOT_OPEN',
      `Quarantined record ${entry.id} is ${entry.status}; only open records can be ${action}`,
      { id: entry.id, status: entry.status },
    );
  }
}

/**
 * Stores corrections for an open record: values laid over its raw record on replay. Corrections add to the
 * ones stored before (a key given again replaces its value); a key that is neither in the record nor read by
 * the stream's mapping is refused, naming it.
 */
export async function correctQuarantined(
  em: EntityManager,
  id: string,
  corrected: Record<string, unknown>,
): Promise<QuarantineEntry> {
  if (!corrected || typeof corrected !== 'object' || Array.isArray(corrected)) {
    throw new DomainError('INVALID_CORRECTION', 'corrected: must be an object of field → value', {
      field: 'corrected',
    });
  }
  const entry = await getQuarantined(em, id);
  requireOpen(entry, 'corrected');
  if (!Object.keys(corrected).length) {
    throw new DomainError('INVALID_CORRECTION', 'corrected: give at least one field to correct', {
      field: 'corrected',
    });
  }
  const connector = await connectorById(em, entry.connector.id);
  const allowed = correctableFields(entry.raw, streamOf(connector, entry.stream));
  for (const key of Object.keys(corrected)) {
    if (!allowed.has(key) || key === DISCARD_REASON_KEY) {
      throw new DomainError(
        'CORRECTION_UNKNOWN_FIELD',
        `corrected.${key}: the record has no field "${key}" and the mapping of stream "${entry.stream}" reads none`,
        { field: `corrected.${key}`, key },
      );
    }
  }
  await runSql(
    em,
    `update quarantined_record set corrected = coalesce(corrected, '{}'::jsonb) || ?::jsonb
      where id = ? and status = 'open'`,
    [JSON.stringify(corrected), id],
  );
  return getQuarantined(em, id);
}

/** Discards an open record: it stays, with its reason under `corrected.__discardReason`, but is never replayed. */
export async function discardQuarantined(
  em: EntityManager,
  id: string,
  reason: string,
): Promise<QuarantineEntry> {
  const why = typeof reason === 'string' ? reason.trim() : '';
  if (!why) {
    throw new DomainError('REASON_REQUIRED', 'reason: say why the record is discarded', { field: 'reason' });
  }
  const entry = await getQuarantined(em, id);
  requireOpen(entry, 'discarded');
  await runSql(
    em,
    `update quarantined_record set status = 'discarded', resolved_at = now(),
            corrected = coalesce(corrected, '{}'::jsonb) || jsonb_build_object(?::text, ?::text)
      where id = ? and status = 'open'`,
    [DISCARD_REASON_KEY, why, id],
  );
  return getQuarantined(em, id);
}

export interface ReplayRequest {
  /** These records (each must exist; those no longer open are left as they are). */
  ids?: string[] | null;
  /** The open records of this connector (with `ids`: those of them that belong to it). */
  connector?: string | null;
  /** The reference day for validation (tests); default today in China. */
  today?: string;
}

export interface ReplayReport {
  /** One `replay` run per connector whose records were replayed, with its counters. */
  runs: SyncRun[];
  /** The records replayed, as they are now: `replayed`, or still `open` with their new failures. */
  records: QuarantineEntry[];
  replayed: number;
  stillOpen: number;
}

function failuresOf(failures: ValidationFailure[]): RecordFailure[] {
  return failures.map((f) => ({
    field: f.field,
    rule: f.rule,
    message: f.message,
    ...(f.value !== undefined ? { value: f.value } : {}),
  }));
}

/** The record a replay maps: the raw record with the corrections laid over it. */
export function correctedRecord(entry: QuarantinedRecord): Record<string, unknown> {
  const { [DISCARD_REASON_KEY]: _reason, ...corrections } = entry.corrected ?? {};
  return { ...entry.raw, ...corrections };
}

/**
 * Replays open records through their stream's mapping, validation and the merge, one transaction and one
 * `replay` run per connector (refused with RUN_ACTIVE while that connector has a run queued or running, so a
 * replay never races a sync over the same links). Passing records are merged and linked like a sync's and
 * marked `replayed`; the others stay open with their new failures.
 *
 * The source is not read: the mapping is compiled against the record's own field names. A replayed record's
 * link gets a content hash no sync produces, so the next sync judges that source record afresh: if the
 * department still sends the bad value, it is quarantined again (the correction fixed the hub's copy, not
 * the source).
 */
export async function replayQuarantined(em: EntityManager, request: ReplayRequest): Promise<ReplayReport> {
  const ids = [...new Set(request.ids ?? [])];
  for (const id of ids) {
    if (!/^\d{1,19}$/.test(id)) throw notFound(id);
  }
  const conditions = ["q.status = 'open'"];
  const params: unknown[] = [];
  if (request.connector) {
    conditions.push('q.connector_id = ?');
    params.push((await getConnector(em, request.connector)).id);
  }
  if (ids.length) {
    const known = await runSql<{ id: string }>(
      em,
      'select id::text as id from quarantined_record where id = any(?::bigint[])',
      [`{${ids.join(',')}}`],
    );
    const missing = ids.find((id) => !known.some((k) => k.id === id));
    if (missing) throw notFound(missing);
    conditions.push('q.id = any(?::bigint[])');
    params.push(`{${ids.join(',')}}`);
  }
  const open = await entries(em, `${conditions.join(' and ')} order by q.id`, params);
  const report: ReplayReport = { runs: [], records: [], replayed: 0, stillOpen: 0 };
  if (!open.length) return report;

  const regions = await loadRegionIndex(em);
  const precedence = await loadPrecedence(em);
  const byConnector = new Map<string, QuarantineEntry[]>();
  for (const entry of open) {
    const list = byConnector.get(entry.connector.id) ?? [];
    list.push(entry);
    byConnector.set(entry.connector.id, list);
  }
  for (const [connectorId, list] of byConnector) {
    const connector = await connectorById(em, connectorId);
    const runId = await replayForConnector(em, connector, list, regions, precedence, request.today);
    const [run] = await queryRows(em, SyncRun, 'select * from sync_run where id = ?', [runId]);
    report.runs.push(run!);
  }
  report.records = await entries(em, 'q.id = any(?::bigint[]) order by q.id', [
    `{${open.map((e) => e.id).join(',')}}`,
  ]);
  report.replayed = report.records.filter((r) => r.status === QuarantineStatus.REPLAYED).length;
  report.stillOpen = report.records.filter((r) => r.status === QuarantineStatus.OPEN).length;
  return report;
}

interface Judged {
  entry: QuarantineEntry;
  data: Record<string, unknown>;
  failures?: RecordFailure[];
  incoming?: Incoming;
}

/** Maps and validates one corrected record against its stream (compiled per set of field names). */
function judge(
  entry: QuarantineEntry,
  stream: StreamConfig | undefined,
  compiledFor: (fields: string[]) => CompiledMapping | MappingError,
  regions: RegionIndex,
  today: string | undefined,
): Judged {
  const data = correctedRecord(entry);
  if (!stream) {
    return {
      entry,
      data,
      failures: [
        {
          field: '(stream)',
          rule: 'UNKNOWN_STREAM',
          message: `the connector no longer syncs stream "${entry.stream}"`,
        },
      ],
    };
  }
  const compiled = compiledFor(Object.keys(data));
  if (compiled instanceof MappingError) {
    return {
      entry,
      data,
      failures: [{ field: '(mapping)', rule: 'INVALID_MAPPING', message: compiled.message }],
    };
  }
  const mapped = mapRecord(compiled, data, regions, today);
  if (!mapped.ok) return { entry, data, failures: failuresOf(mapped.failures) };
  const keyFailure = naturalKeyFailure(compiled.dataSet, mapped.record);
  if (keyFailure) return { entry, data, failures: [keyFailure] };
  return { entry, data, incoming: { sourceKey: entry.sourceKey, record: mapped.record } };
}

async function replayForConnector(
  em: EntityManager,
  connector: Connector,
  list: QuarantineEntry[],
  regions: RegionIndex,
  precedence: Precedence,
  today: string | undefined,
): Promise<string> {
  const at = new Date().toISOString();
  return inTransaction(em, async (tx) => {
    const runId = await startReplayRun(tx, connector);
    const counters: RunCounters = {
      read: list.length,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      quarantined: 0,
      skipped: 0,
      gone: 0,
      conflicts: 0,
    };
    const byStream = new Map<string, QuarantineEntry[]>();
    for (const entry of list) byStream.set(entry.stream, [...(byStream.get(entry.stream) ?? []), entry]);

    for (const [name, entriesOfStream] of byStream) {
      const stream = streamOf(connector, name);
      const cache = new Map<string, CompiledMapping | MappingError>();
      const compiledFor = (fields: string[]) => {
        const signature = JSON.stringify([...fields].sort());
        let compiled = cache.get(signature);
        if (!compiled) {
          // Fields the mapping names count as present (empty), as in a sync where the record lacks a column.
          const named = namedSourceFields(stream!);
          try {
            compiled = compileMapping(stream!.mapping, [...new Set([...fields, ...named])], personBlockOf);
          } catch (error) {
            if (!(error instanceof MappingError)) throw error;
            compiled = error;
          }
          cache.set(signature, compiled);
        }
        return compiled;
      };
      const judged = entriesOfStream.map((e) => judge(e, stream, compiledFor, regions, today));
      const failed = judged.filter((j) => j.failures);
      const passed = judged.filter((j) => j.incoming);

      if (failed.length) {
        counters.quarantined += failed.length;
        await tx.query(
          `update quarantined_record q set failures = x.failures, run_id = $1
             from jsonb_to_recordset($2::jsonb) as x(id bigint, failures jsonb)
            where q.id = x.id`,
          [runId, JSON.stringify(failed.map((j) => ({ id: j.entry.id, failures: j.failures })))],
        );
      }
      if (passed.length) {
        const spec = passed[0]!.incoming!.record.dataSet as DataSetSpec;
        const outcome = await mergeChunk(
          em,
          tx,
          spec,
          passed.map((j) => j.incoming!),
          { connector: connector.name, stream: name, precedence, at },
        );
        counters.inserted += outcome.inserted;
        counters.updated += outcome.updated;
        counters.unchanged += outcome.unchanged;
        counters.conflicts += outcome.conflicts.length;
        await recordConflicts(tx, outcome.conflicts);
        const fingerprint = sha(JSON.stringify([stream, connector.precedence]));
        await linkMerged(
          tx,
          connector.id,
          name,
          runId,
          outcome.targetType,
          passed.map((j, n) => ({
            source_key: j.entry.sourceKey,
            target_id: outcome.targetIds[n]!,
            // Never a hash a sync computes (see replayQuarantined): the source's next version is judged afresh.
            content_hash: sha(`replay\n${fingerprint}\n${JSON.stringify(j.data)}`),
          })),
        );
      }
    }

    await tx.query(
      `update sync_run set status = 'succeeded', finished_at = now(), read = $2, inserted = $3, updated = $4,
              unchanged = $5, quarantined = $6, skipped = $7, conflicts = $8
        where id = $1`,
      [
        runId,
        counters.read,
        counters.inserted,
        counters.updated,
        counters.unchanged,
        counters.quarantined,
        counters.skipped,
        counters.conflicts,
      ],
    );
    return runId;
  });
}

/** The replay's run row; the one-active-run index refuses it while a sync of the connector is queued or running. */
async function startReplayRun(tx: Tx, connector: Connector): Promise<string> {
  try {
    const [row] = await tx.query<{ id: string }>(
      `insert into sync_run (connector_id, status, trigger, started_at) values ($1, 'running', 'replay', now())
       returning id`,
      [connector.id],
    );
    return String(row!.id);
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      throw new DomainError(
        'RUN_ACTIVE',
        `Connector "${connector.name}" has a run queued or running; replay its records once it ends`,
        { connector: connector.name },
      );
    }
    throw error;
  }
}

export interface ConflictQuery {
  targetType?: string | null;
  targetId?: string | null;
  first: number;
  /** The id of the last conflict of the previous page (pages go from the newest). */
  before?: string | null;
}

/** Values refused by source precedence, newest first. */
export async function listConflicts(em: EntityManager, query: ConflictQuery): Promise<MergeConflict[]> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (query.targetType) {
    conditions.push('target_type = ?');
    params.push(query.targetType);
  }
  if (query.targetId) {
    if (!/^\d{1,19}$/.test(query.targetId)) {
      throw new DomainError('INVALID_ID', `targetId: "${query.targetId}" is not a record id`, {
        field: 'targetId',
      });
    }
    conditions.push('target_id = ?');
    params.push(query.targetId);
  }
  if (query.before) {
    conditions.push('id < ?');
    params.push(query.before);
  }
  if (query.first === 0) return [];
  return queryRows(
    em,
    MergeConflict,
    `select * from merge_conflict where ${conditions.length ? conditions.join(' and ') : 'true'}
      order by id desc limit ?`,
    [...params, query.first],
  );
}
