import { z } from 'zod';
import {
  type Catalog,
  type CheckResult,
  ConnectorError,
  compareCursor,
  type FieldSpec,
  type FieldType,
  type ReadRequest,
  type Source,
  type SourceRecord,
  type StreamSpec,
  type StreamState,
} from '../protocol';
import { parseRetryAfter, RetryAfterError, retryConfig, withRetry } from './retry';

/**
 * A JSON API read page by page: `?page=N&size=M`, a next-page cursor taken from each answer, or one request.
 *
 * Where a read is: the page being read (`page`, or `pageCursor`: the cursor that fetched it) and `offset`, how
 * many of its records are behind us. A resume fetches that page again and skips `offset` records. Incremental
 * reads also carry `since` (the cursor this run filters from) and `cursor` (the largest seen so far); the last
 * record of a run carries `{ cursor }` alone, which tells the next run to start over from page one with
 * `since = cursor`. To know which record is the last one, each record is handed out only once the next one (or
 * the end) has been seen.
 *
 * This module also holds the HTTP and JSON helpers the GraphQL source shares.
 */

// ---------------------------------------------------------------------------------------------------------
// Shared helpers (REST and GraphQL)

export const httpUrl = z
  .string()
  .trim()
  .refine(
    (value) => {
      try {
        return ['http:', 'https:'].includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: 'must be a URL starting with http:// or https://' },
  );

export const httpHeaders = z.record(z.string(), z.string()).default({});

export const timeoutMs = z.number().int().min(100).max(600_000).default(30_000);

/** The URL with the values of credential-looking query parameters hidden, for error messages. */
export function shownUrl(url: string | URL): string {
  const u = new URL(url);
  for (const name of [...u.searchParams.keys()]) {
    if (/key|token|secret|pass|auth|sig/i.test(name)) u.searchParams.set(name, '***');
  }
  if (u.password) u.password = '***';
  return u.toString();
}

function causeText(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown; code?: unknown } }).cause;
  if (cause && typeof cause.message === 'string' && cause.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

export interface JsonRequest {
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Error statuses the caller reads itself (GraphQL's 400 carries `errors`); others become errors here. */
  acceptStatus?: number[];
}

/**
 * One HTTP request with a JSON answer, its failures sorted into the protocol's kinds: the network, time-outs,
 * 408, 429 and 5xx are transient; 401/403 and 404 are config errors (another try won't help); an answer that
 * is not JSON is a data error.
 */
export async function requestJson(url: URL, init: JsonRequest): Promise<{ status: number; body: unknown }> {
  const shown = shownUrl(url);
  const timeout = AbortSignal.timeout(init.timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  const failed = (error: unknown, doing: string): never => {
    if (init.signal?.aborted) throw init.signal.reason ?? error;
    if (timeout.aborted) {
      throw new ConnectorError('transient', 'TIMEOUT', `${shown} did not answer within ${init.timeoutMs} ms`);
    }
    throw new ConnectorError('transient', 'UNREACHABLE', `${doing} ${shown} failed: ${causeText(error)}`, {
      cause: error,
    });
  };
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? 'GET',
      headers: { accept: 'application/json', ...init.headers },
      body: init.body,
      signal,
    });
  } catch (error) {
    return failed(error, 'requesting');
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return failed(error, 'reading the answer of');
  }
  const { status } = response;
  if (status === 408 || status === 429 || status >= 500) {
    throw new RetryAfterError(
      status === 429 ? 'RATE_LIMITED' : 'SERVER_ERROR',
      `${shown} answered HTTP ${status}${text ? `: ${snippet(text)}` : ''}`,
      parseRetryAfter(response.headers.get('retry-after')),
    );
  }
  if (status === 401 || status === 403) {
    throw new ConnectorError('config', 'AUTH_FAILED', `${shown} refused the credentials (HTTP ${status})`);
  }
  if (status === 404) throw new ConnectorError('config', 'NOT_FOUND', `${shown} does not exist (HTTP 404)`);
  const accepted = response.ok || (init.acceptStatus ?? []).includes(status);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    if (!accepted)
      throw new ConnectorError('config', 'HTTP_ERROR', `${shown} answered HTTP ${status}: ${snippet(text)}`);
    throw new ConnectorError(
      'data',
      'NOT_JSON',
      `${shown} answered with something that is not JSON: ${snippet(text)}`,
    );
  }
  if (!accepted)
    throw new ConnectorError('config', 'HTTP_ERROR', `${shown} answered HTTP ${status}: ${snippet(text)}`);
  return { status, body };
}

/** Follows a dotted path ('data.items', 'results.0'); '' is the value itself. */
export function getPath(value: unknown, path: string): unknown {
  if (path === '') return value;
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Checks that every element of a page is an object: a source record is a set of named fields. */
export function asRecords(value: unknown, where: string): Record<string, unknown>[] {
  if (!Array.isArray(value)) {
    const found = value === undefined ? 'nothing' : Array.isArray(value) ? 'an array' : typeof value;
    throw new ConnectorError(
      'data',
      'BAD_RESPONSE',
      `expected an array of records at ${where}, found ${found}`,
    );
  }
  value.forEach((item, index) => {
    if (!isPlainObject(item)) {
      throw new ConnectorError('data', 'BAD_RECORD', `record ${index} at ${where} is not an object`);
    }
  });
  return value as Record<string, unknown>[];
}

/** The record's key: its primary key values joined by '|'. */
export function recordKey(data: Record<string, unknown>, primaryKey: readonly string[]): string {
  return primaryKey
    .map((field) => {
      const value = data[field];
      if (value === null || value === undefined) return '';
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
    })
    .join('|');
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

function typeOfValue(value: unknown): FieldType {
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string')
    return DATE.test(value) ? 'date' : DATETIME.test(value) ? 'datetime' : 'string';
  return 'unknown';
}

function widen(a: FieldType, b: FieldType): FieldType {
  if (a === b) return a;
  const pair = new Set([a, b]);
  if (pair.has('integer') && pair.has('number')) return 'number';
  if (pair.has('date') && pair.has('datetime')) return 'datetime';
  // Text that only sometimes looks like a date or a number is text.
  if ([...pair].every((t) => t === 'string' || t === 'date' || t === 'datetime')) return 'string';
  return 'unknown';
}

/** Fields of sample records, in first-seen order, typed from their non-null values. */
export function inferFields(records: readonly Record<string, unknown>[]): FieldSpec[] {
  const types = new Map<string, FieldType | undefined>();
  for (const record of records) {
    for (const [name, value] of Object.entries(record)) {
      const seen = types.get(name);
      if (value === null || value === undefined) {
        if (!types.has(name)) types.set(name, undefined);
        continue;
      }
      const type = typeOfValue(value);
      types.set(name, seen === undefined ? type : widen(seen, type));
    }
  }
  return [...types].map(([name, type]) => ({ name, type: type ?? 'unknown' }));
}

const CURSOR_TYPES: FieldType[] = ['datetime', 'date', 'integer', 'number'];

/** Fields that can order records: the configured cursor first, then dates, timestamps and numbers. */
export function cursorCandidates(fields: readonly FieldSpec[], configured?: string): string[] {
  const typed = fields.filter((f) => CURSOR_TYPES.includes(f.type)).map((f) => f.name);
  return configured ? [configured, ...typed.filter((name) => name !== configured)] : typed;
}

/** The one-stream catalog of a JSON source, its fields inferred from a sample page. */
export function sampledCatalog(
  name: string,
  sample: readonly Record<string, unknown>[],
  primaryKey: readonly string[],
  cursorField: string | undefined,
): Catalog {
  const fields = inferFields(sample);
  for (const key of primaryKey) {
    if (!fields.some((f) => f.name === key)) fields.push({ name: key, type: 'unknown' });
  }
  const stream: StreamSpec = {
    name,
    fields,
    cursorCandidates: cursorCandidates(fields, cursorField),
    primaryKey: [...primaryKey],
    supportsIncremental: true,
  };
  return { streams: [stream] };
}

export function checkStream(request: ReadRequest, streamName: string): void {
  if (request.stream !== streamName) {
    throw new ConnectorError(
      'config',
      'UNKNOWN_STREAM',
      `unknown stream "${request.stream}" (this source has "${streamName}")`,
    );
  }
}

export function incrementalCursor(request: ReadRequest, configured: string | undefined): string | undefined {
  if (request.mode !== 'incremental') return undefined;
  const field = request.cursorField ?? configured;
  if (!field)
    throw new ConnectorError('config', 'NO_CURSOR_FIELD', 'an incremental read needs a cursor field');
  return field;
}

/** Checks a sample record has the fields the config names, so a typo shows at check time, not mid-sync. */
export function checkSample(
  sample: Record<string, unknown> | undefined,
  primaryKey: readonly string[],
  cursorField: string | undefined,
): CheckResult {
  if (!sample) return { ok: true };
  const fields = Object.keys(sample);
  const missing = primaryKey.filter((field) => !(field in sample));
  if (missing.length > 0) {
    return {
      ok: false,
      code: 'MISSING_PRIMARY_KEY',
      reason: `records have no field ${missing.join(', ')} (they have ${fields.join(', ')})`,
    };
  }
  if (cursorField && !(cursorField in sample)) {
    return {
      ok: false,
      code: 'MISSING_CURSOR_FIELD',
      reason: `records have no field ${cursorField} (they have ${fields.join(', ')})`,
    };
  }
  return { ok: true };
}

/**
 * Client-side incremental filtering and the state bookkeeping REST and GraphQL share: keeps records at or
 * after `since`, tracks the largest cursor, and holds back one record so the run's last one can carry the
 * position-free final state.
 */
export class PagedReader {
  private max: unknown;
  private pending: SourceRecord | undefined;

  constructor(
    private readonly primaryKey: readonly string[],
    private readonly cursorField: string | undefined,
    private readonly since: unknown,
    max: unknown,
  ) {
    this.max = max;
  }

  /** Takes the record at `position` (the state *after* it); returns the record to hand out now, if any. */
  offer(data: Record<string, unknown>, position: StreamState): SourceRecord | undefined {
    if (this.cursorField !== undefined) {
      const value = data[this.cursorField];
      if (this.since !== undefined && compareCursor(value, this.since) < 0) return undefined;
      if (value !== null && value !== undefined && compareCursor(value, this.max) > 0) this.max = value;
    }
    const state: StreamState = { ...position };
    if (this.cursorField !== undefined) {
      if (this.since !== undefined) state.since = this.since;
      if (this.max !== undefined) state.cursor = this.max;
    }
    const ready = this.pending;
    this.pending = { key: recordKey(data, this.primaryKey), data, state };
    return ready;
  }

  /** The held-back last record: in an incremental read its state is `{ cursor }` alone (the run is done). */
  finish(): SourceRecord | undefined {
    const last = this.pending;
    this.pending = undefined;
    if (!last || this.cursorField === undefined) return last;
    return { ...last, state: this.max === undefined ? {} : { cursor: this.max } };
  }
}

/** Where a previous run of an incremental read left off: a resume (has a position) or a finished run. */
export function incrementalStart(state: StreamState | undefined, hasPosition: boolean) {
  if (!state) return { since: undefined, max: undefined };
  return hasPosition ? { since: state.since, max: state.cursor } : { since: state.cursor, max: state.cursor };
}

// ---------------------------------------------------------------------------------------------------------
// The REST source

const pagination = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('page'),
      pageParam: z.string().min(1).default('page'),
      sizeParam: z.string().min(1).default('size'),
      size: z.number().int().min(1).max(100_000).default(100),
      firstPage: z.number().int().min(0).default(1),
    }),
    z.object({
      type: z.literal('cursor'),
      cursorParam: z.string().min(1).default('cursor'),
      nextCursorPath: z.string().min(1).default('next'),
    }),
    z.object({ type: z.literal('none') }),
  ])
  .prefault({ type: 'none' });

const restConfig = z.object({
  url: httpUrl,
  headers: httpHeaders,
  /** Dotted path to the array of records in the JSON answer; '' = the answer is the array. */
  recordsPath: z.string().trim().default(''),
  pagination,
  primaryKey: z.array(z.string().min(1)).min(1),
  cursorField: z.string().min(1).optional(),
  /** Query parameter that sends the incremental cursor so the server filters; absent = filter here. */
  cursorParam: z.string().min(1).optional(),
  streamName: z.string().min(1).optional(),
  retry: retryConfig({ attempts: 5, baseMs: 200 }),
  timeoutMs,
});

export type RestConfig = z.infer<typeof restConfig>;

type Position = { page: number } | { pageCursor: unknown } | Record<string, never>;

function streamNameOf(config: RestConfig): string {
  if (config.streamName) return config.streamName;
  const last = new URL(config.url).pathname.split('/').filter(Boolean).pop();
  return last ?? 'records';
}

interface Page {
  records: Record<string, unknown>[];
  /** The next page's position; null after the last page. */
  next: Position | null;
}

async function fetchPage(
  config: RestConfig,
  position: Position,
  options: { since?: unknown; size?: number; signal?: AbortSignal },
): Promise<Page> {
  const url = new URL(config.url);
  const p = config.pagination;
  if (p.type === 'page') {
    url.searchParams.set(p.pageParam, String((position as { page: number }).page));
    url.searchParams.set(p.sizeParam, String(options.size ?? p.size));
  }
  const pageCursor = (position as { pageCursor?: unknown }).pageCursor;
  if (p.type === 'cursor' && pageCursor !== null && pageCursor !== undefined) {
    url.searchParams.set(p.cursorParam, String(pageCursor));
  }
  if (config.cursorParam && options.since !== undefined && options.since !== null) {
    url.searchParams.set(config.cursorParam, String(options.since));
  }
  const { body } = await withRetry(
    () => requestJson(url, { headers: config.headers, timeoutMs: config.timeoutMs, signal: options.signal }),
    { ...config.retry, signal: options.signal },
  );
  const where = `"${config.recordsPath || '(the answer)'}" in the answer of ${shownUrl(url)}`;
  const records = asRecords(getPath(body, config.recordsPath), where);
  if (p.type === 'page') {
    // An empty page ends the read (a short page may only mean the server caps the page size).
    return { records, next: records.length === 0 ? null : { page: (position as { page: number }).page + 1 } };
  }
  if (p.type === 'cursor') {
    const nextCursor = getPath(body, p.nextCursorPath);
    const more = records.length > 0 && nextCursor !== null && nextCursor !== undefined && nextCursor !== '';
    return { records, next: more && nextCursor !== pageCursor ? { pageCursor: nextCursor } : null };
  }
  return { records, next: null };
}

function firstPosition(config: RestConfig): Position {
  const p = config.pagination;
  return p.type === 'page' ? { page: p.firstPage } : p.type === 'cursor' ? { pageCursor: null } : {};
}

/** The position saved in a state, if it is one of this pagination's. */
function savedPosition(config: RestConfig, state: StreamState | undefined): Position | undefined {
  if (!state || typeof state.offset !== 'number') return undefined;
  const type = config.pagination.type;
  if (type === 'page') return typeof state.page === 'number' ? { page: state.page } : undefined;
  if (type === 'cursor') return 'pageCursor' in state ? { pageCursor: state.pageCursor } : undefined;
  return {};
}

async function* readRest(config: RestConfig, request: ReadRequest): AsyncGenerator<SourceRecord> {
  checkStream(request, streamNameOf(config));
  const cursorField = incrementalCursor(request, config.cursorField);
  const saved = savedPosition(config, request.state);
  const { since, max } = cursorField
    ? incrementalStart(request.state, saved !== undefined)
    : { since: undefined, max: undefined };
  const reader = new PagedReader(config.primaryKey, cursorField, since, max);
  let position: Position | null = saved ?? firstPosition(config);
  let skip = saved ? (request.state!.offset as number) : 0;
  let previousKeys: string | undefined;
  while (position) {
    const page = await fetchPage(config, position, { since, signal: request.signal });
    // A server that ignores the page parameter would otherwise be read forever.
    const keys = page.records.map((r) => recordKey(r, config.primaryKey)).join('\n');
    if (page.records.length > 0 && keys === previousKeys) {
      throw new ConnectorError(
        'data',
        'PAGINATION_LOOP',
        `${shownUrl(config.url)} returned the same records for two pages in a row; check the pagination settings`,
      );
    }
    previousKeys = keys;
    for (let index = skip; index < page.records.length; index++) {
      const ready = reader.offer(page.records[index], { ...position, offset: index + 1 });
      if (ready) yield ready;
    }
    skip = 0;
    position = page.next;
  }
  const last = reader.finish();
  if (last) yield last;
}

export const restSource: Source<RestConfig> = {
  type: 'rest',
  title: 'REST / JSON API',
  config: restConfig,
  secrets: ['headers'],

  async check(config) {
    const page = await fetchPage(config, firstPosition(config), { size: 1 });
    return checkSample(page.records[0], config.primaryKey, config.cursorField);
  },

  async discover(config) {
    const { records } = await fetchPage(config, firstPosition(config), {});
    return sampledCatalog(streamNameOf(config), records, config.primaryKey, config.cursorField);
  },

  read: readRest,
};
