import { z } from 'zod';

/**
 * The connector protocol, after Airbyte and Singer: a source type declares its config schema (spec), tests a
 * config (check), lists its streams and fields (discover) and reads records (read), full or incremental,
 * resuming from a state it produced earlier. The sync engine knows sources only through this interface.
 *
 * State is opaque to the engine: each record carries the state *after* it, so the engine can commit a chunk
 * of records together with the state of its last record and a crash resumes exactly there (state is never
 * ahead of the data it describes).
 */

export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime' | 'unknown';

export interface FieldSpec {
  name: string;
  type: FieldType;
}

export interface StreamSpec {
  name: string;
  fields: FieldSpec[];
  /** Fields usable as an incremental cursor (ordered, non-decreasing in new records). */
  cursorCandidates: string[];
  /** The source's own key for a record, when it has one (a file's row number otherwise). */
  primaryKey: string[];
  supportsIncremental: boolean;
}

export interface Catalog {
  streams: StreamSpec[];
}

/** Source-owned JSON describing how far a stream has been read. */
export type StreamState = Record<string, unknown>;

export interface ReadRequest {
  stream: string;
  mode: 'full' | 'incremental';
  /** Required for incremental reads: records whose cursor is at or after the state's cursor are read. */
  cursorField?: string;
  /** Where the previous (possibly interrupted) run stopped; absent for a fresh read. */
  state?: StreamState;
  signal?: AbortSignal;
}

export interface SourceRecord {
  /** Stable key of the record within its source (primary key values joined, or the file's row number). */
  key: string;
  data: Record<string, unknown>;
  /** The state to save once this record (and all before it) is committed. */
  state: StreamState;
}

export type CheckResult = { ok: true } | { ok: false; code: string; reason: string };

/** A source type: one implementation per kind of system (CSV files, a REST API, a SQL database…). */
export interface Source<Config = unknown> {
  readonly type: string;
  readonly title: string;
  /** Validates and normalises a config; its JSON Schema (with secret fields marked) is the public spec. */
  readonly config: z.ZodType<Config>;
  /** Names of config fields (dotted paths) that hold secrets: stored encrypted, never returned. */
  readonly secrets: readonly string[];
  check(config: Config): Promise<CheckResult>;
  discover(config: Config): Promise<Catalog>;
  read(config: Config, request: ReadRequest): AsyncIterable<SourceRecord>;
}

/**
 * Why a source failed. `config` errors (wrong password, missing file, unknown column) are never retried;
 * `transient` ones (a 503, a dropped connection) are retried with backoff; `data` errors mean the source sent
 * something unreadable as a whole (a record-level problem goes to quarantine instead).
 */
export class ConnectorError extends Error {
  constructor(
    readonly kind: 'config' | 'transient' | 'data',
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConnectorError';
  }
}

/** The JSON Schema a UI or a `hub connectors spec` prints; secrets are flagged `"secret": true`. */
export function specOf(source: Source): Record<string, unknown> {
  const schema = z.toJSONSchema(source.config, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return { type: source.type, title: source.title, secrets: [...source.secrets], config: schema };
}

/** Runs a check, turning any thrown error into a failed result with a reason a person can act on. */
export async function safeCheck<C>(source: Source<C>, raw: unknown): Promise<CheckResult> {
  const parsed = source.config.safeParse(raw);
  if (!parsed.success) {
    const reason = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`)
      .join('; ');
    return { ok: false, code: 'INVALID_CONFIG', reason };
  }
  try {
    return await source.check(parsed.data);
  } catch (error) {
    if (error instanceof ConnectorError) return { ok: false, code: error.code, reason: error.message };
    return {
      ok: false,
      code: 'CHECK_FAILED',
      reason: error instanceof Error ? error.message : String(error),
    };
  }
}

/**
 * Compares cursor values the way every source must for incremental reads: numbers numerically, everything
 * else (ISO dates and timestamps, codes) as strings. `null`/`undefined` sort first.
 */
export function compareCursor(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  const sa = a instanceof Date ? a.toISOString() : String(a);
  const sb = b instanceof Date ? b.toISOString() : String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
