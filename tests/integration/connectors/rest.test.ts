import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ConnectorError,
  type ReadRequest,
  type SourceRecord,
  type StreamState,
  safeCheck,
  specOf,
} from '../../../connectors/protocol';
import { restSource } from '../../../connectors/sources/network';
import { parseRetryAfter, withRetry } from '../../../connectors/sources/retry';

/**
 * The REST source against a real HTTP server: page and cursor pagination, bearer auth, 429/5xx injected on
 * chosen requests, resumes from saved states and incremental reads.
 */

interface Person {
  id: number;
  name: string;
  score: number;
  active: boolean;
  born: string;
  updated_at: string;
}

const TOKEN = 'Bearer s3cret';
const minute = (m: number) => new Date(Date.UTC(2024, 0, 1, 0, m)).toISOString();

function makePeople(n: number): Person[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    name: `Person ${i + 1}`,
    score: (i + 1) * 1.5,
    active: i % 2 === 0,
    born: `1990-01-${String((i % 28) + 1).padStart(2, '0')}`,
    // Many records share a timestamp, as real updated_at columns do.
    updated_at: minute(i % 97),
  }));
}

interface Fault {
  path: string;
  /** The page number or page cursor it hits; undefined = any request to the path. */
  at?: string;
  status: number;
  remaining: number;
  retryAfter?: string;
}

interface Logged {
  path: string;
  query: Record<string, string>;
  at: number;
}

let people: Person[];
let faults: Fault[] = [];
let log: Logged[] = [];
let server: http.Server;
let base: string;

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/html' : 'application/json',
    ...headers,
  });
  res.end(text);
}

function handle(req: http.IncomingMessage, res: http.ServerResponse) {
  const url = new URL(req.url!, 'http://localhost');
  const query = Object.fromEntries(url.searchParams);
  log.push({ path: url.pathname, query, at: Date.now() });
  const at = query.page ?? query.cursor;
  const fault = faults.find(
    (f) => f.path === url.pathname && (f.at === undefined || f.at === at) && f.remaining > 0,
  );
  if (fault) {
    fault.remaining--;
    return send(
      res,
      fault.status,
      { error: `injected ${fault.status}` },
      fault.retryAfter ? { 'retry-after': fault.retryAfter } : {},
    );
  }
  if (url.pathname === '/html') return send(res, 200, '<html><body>maintenance</body></html>');
  if (req.headers.authorization !== TOKEN) return send(res, 401, { error: 'unauthorized' });
  const rows = query.since ? people.filter((p) => p.updated_at >= query.since) : people;
  if (url.pathname === '/people') {
    const page = Number(query.page ?? 1);
    const size = Math.min(Number(query.size ?? 100), 40); // the server caps the page size
    return send(res, 200, {
      data: { items: rows.slice((page - 1) * size, page * size) },
      total: rows.length,
    });
  }
  if (url.pathname === '/feed') {
    const offset = query.cursor ? Number(query.cursor.slice(1)) : 0;
    const items = rows.slice(offset, offset + 30);
    const next = offset + 30 < rows.length ? `c${offset + 30}` : null;
    return send(res, 200, { items, meta: { next } });
  }
  if (url.pathname === '/all') return send(res, 200, rows);
  if (url.pathname === '/stuck') return send(res, 200, rows.slice(0, 10)); // ignores ?page
  send(res, 404, { error: 'not found' });
}

async function closedPort(): Promise<number> {
  const probe = http.createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const pageConfig = (over: Record<string, unknown> = {}) =>
  restSource.config.parse({
    url: `${base}/people`,
    headers: { authorization: TOKEN },
    recordsPath: 'data.items',
    pagination: { type: 'page', size: 40 },
    primaryKey: ['id'],
    streamName: 'people',
    retry: { attempts: 4, baseMs: 5 },
    ...over,
  });

const cursorConfig = (over: Record<string, unknown> = {}) =>
  restSource.config.parse({
    url: `${base}/feed`,
    headers: { authorization: TOKEN },
    recordsPath: 'items',
    pagination: { type: 'cursor', nextCursorPath: 'meta.next' },
    primaryKey: ['id'],
    streamName: 'people',
    retry: { attempts: 4, baseMs: 5 },
    ...over,
  });

async function readAll(config: ReturnType<typeof pageConfig>, request: Partial<ReadRequest> = {}) {
  const records: SourceRecord[] = [];
  for await (const record of restSource.read(config, { stream: 'people', mode: 'full', ...request })) {
    records.push(record);
  }
  return records;
}

/** Reads until the source fails; returns what was read and the error. */
async function readUntilError(config: ReturnType<typeof pageConfig>, request: Partial<ReadRequest> = {}) {
  const records: SourceRecord[] = [];
  try {
    for await (const record of restSource.read(config, { stream: 'people', mode: 'full', ...request })) {
      records.push(record);
    }
  } catch (error) {
    return { records, error };
  }
  throw new Error('the read did not fail');
}

const ids = (records: SourceRecord[]) => records.map((r) => r.data.id as number);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

beforeAll(async () => {
  server = http.createServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  people = makePeople(250);
  faults = [];
  log = [];
});

describe('rest source: spec, check and discover', () => {
  it('publishes its config schema with the headers marked secret', () => {
    const spec = specOf(restSource);
    expect(spec).toMatchObject({ type: 'rest', secrets: ['headers'] });
    expect(JSON.stringify(spec.config)).toContain('recordsPath');
  });

  it('check succeeds on a good config, asking for one record', async () => {
    expect(await safeCheck(restSource, pageConfig())).toEqual({ ok: true });
    expect(log.at(-1)!.query).toMatchObject({ page: '1', size: '1' });
    expect(await safeCheck(restSource, cursorConfig())).toEqual({ ok: true });
  });

  it('check fails with a code a person can act on', async () => {
    const check = (over: Record<string, unknown>) => safeCheck(restSource, { ...pageConfig(), ...over });
    expect(await check({ headers: { authorization: 'Bearer wrong' } })).toMatchObject({
      ok: false,
      code: 'AUTH_FAILED',
      reason: expect.stringContaining('HTTP 401'),
    });
    expect(await check({ headers: {} })).toMatchObject({ ok: false, code: 'AUTH_FAILED' });
    expect(await check({ url: `${base}/nowhere` })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await check({ url: `${base}/html` })).toMatchObject({ ok: false, code: 'NOT_JSON' });
    expect(await check({ recordsPath: 'data.rows' })).toMatchObject({ ok: false, code: 'BAD_RESPONSE' });
    expect(await check({ primaryKey: ['uid'] })).toMatchObject({ ok: false, code: 'MISSING_PRIMARY_KEY' });
    expect(await check({ cursorField: 'modified' })).toMatchObject({
      ok: false,
      code: 'MISSING_CURSOR_FIELD',
    });
    expect(await check({ url: 'ftp://example.org/x' })).toMatchObject({ ok: false, code: 'INVALID_CONFIG' });
    const unreachable = await check({
      url: `http://127.0.0.1:${await closedPort()}/people`,
      retry: { attempts: 2, baseMs: 1 },
    });
    expect(unreachable).toMatchObject({
      ok: false,
      code: 'UNREACHABLE',
      reason: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('discover lists the fields with inferred types', async () => {
    const catalog = await restSource.discover(pageConfig({ cursorField: 'updated_at' }));
    expect(catalog.streams).toHaveLength(1);
    const [stream] = catalog.streams;
    expect(stream.name).toBe('people');
    expect(stream.fields).toEqual([
      { name: 'id', type: 'integer' },
      { name: 'name', type: 'string' },
      { name: 'score', type: 'number' },
      { name: 'active', type: 'boolean' },
      { name: 'born', type: 'date' },
      { name: 'updated_at', type: 'datetime' },
    ]);
    expect(stream.cursorCandidates[0]).toBe('updated_at');
    expect(stream).toMatchObject({ primaryKey: ['id'], supportsIncremental: true });
    // Without a stream name, the stream is named after the URL's last path segment.
    const feed = await restSource.discover(cursorConfig({ streamName: undefined }));
    expect(feed.streams[0].name).toBe('feed');
  });
});

describe('rest source: full reads', () => {
  it('two page-mode reads give the same records, keyed by primary key', async () => {
    const first = await readAll(pageConfig());
    const second = await readAll(pageConfig());
    expect(ids(first)).toEqual(range(1, 250));
    expect(second).toEqual(first);
    expect(first[0]).toMatchObject({ key: '1', data: people[0], state: { page: 1, offset: 1 } });
    // The server caps pages at 40 records: the source reads on until an empty page, not a short one.
    expect(log.filter((l) => l.path === '/people').map((l) => l.query.page)).toContain('8');
  });

  it('reads cursor-paginated and unpaginated APIs, with composite keys', async () => {
    const feed = await readAll(cursorConfig({ primaryKey: ['id', 'born'] }));
    expect(ids(feed)).toEqual(range(1, 250));
    expect(feed[0].key).toBe('1|1990-01-01');
    expect(feed[35].state).toEqual({ pageCursor: 'c30', offset: 6 });
    const all = await readAll(
      pageConfig({ url: `${base}/all`, recordsPath: '', pagination: { type: 'none' } }),
    );
    expect(ids(all)).toEqual(range(1, 250));
    expect(all[9].state).toEqual({ offset: 10 });
  });

  it('resumes from a saved mid-page state with exactly the remaining records', async () => {
    for (const config of [pageConfig(), cursorConfig()]) {
      const full = await readAll(config);
      const saved = full[56].state; // mid-page in both modes
      const rest = await readAll(config, { state: saved });
      expect(ids(rest)).toEqual(range(58, 250));
      expect(rest.at(-1)!.state).toEqual(full.at(-1)!.state);
    }
  });

  it('retries 429 and 5xx answers and completes the read', async () => {
    faults = [
      { path: '/people', at: '2', status: 429, remaining: 2, retryAfter: '0' },
      { path: '/people', at: '4', status: 500, remaining: 1 },
      { path: '/people', at: '5', status: 503, remaining: 3 },
    ];
    const records = await readAll(pageConfig());
    expect(ids(records)).toEqual(range(1, 250));
    const tries = (page: string) => log.filter((l) => l.query.page === page).length;
    expect([tries('1'), tries('2'), tries('4'), tries('5')]).toEqual([1, 3, 2, 4]);
  });

  it('honours Retry-After', async () => {
    faults = [{ path: '/people', at: '1', status: 429, remaining: 1, retryAfter: '1' }];
    await readAll(pageConfig({ retry: { attempts: 2, baseMs: 1 } }));
    const [first, second] = log.filter((l) => l.query.page === '1');
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('fails with the reason after its retries on a page that keeps failing, and a resume continues', async () => {
    faults = [{ path: '/people', at: '4', status: 503, remaining: Number.POSITIVE_INFINITY }];
    const { records, error } = await readUntilError(pageConfig());
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind: 'transient', code: 'SERVER_ERROR' });
    expect((error as Error).message).toMatch(/HTTP 503: .*injected 503.*gave up after 4 attempts/);
    expect(log.filter((l) => l.query.page === '4')).toHaveLength(4);
    // Pages 1–3 are read; the last record is held back until the next page has been seen.
    expect(ids(records)).toEqual(range(1, 119));
    const saved = records.at(-1)!.state;
    expect(saved).toEqual({ page: 3, offset: 39 });

    faults = [];
    const rest = await readAll(pageConfig(), { state: saved });
    expect(ids(rest)).toEqual(range(120, 250));
  });

  it('does not retry an auth failure, and stops on a server that ignores the page parameter', async () => {
    const auth = await readUntilError(pageConfig({ headers: { authorization: 'nope' } }));
    expect(auth.error).toMatchObject({ kind: 'config', code: 'AUTH_FAILED' });
    expect(log).toHaveLength(1);
    const stuck = await readUntilError(pageConfig({ url: `${base}/stuck`, recordsPath: '' }));
    expect(stuck.error).toMatchObject({ kind: 'data', code: 'PAGINATION_LOOP' });
  });

  it('stops when the read is aborted', async () => {
    const controller = new AbortController();
    faults = [{ path: '/people', at: '2', status: 503, remaining: 100 }];
    const reading = readUntilError(pageConfig({ retry: { attempts: 10, baseMs: 200 } }), {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('sync cancelled')), 100);
    const { error } = await reading;
    expect((error as Error).message).toBe('sync cancelled');
    await expect(
      withRetry(() => Promise.reject(new ConnectorError('config', 'X', 'no')), { attempts: 3, baseMs: 1 }),
    ).rejects.toMatchObject({ code: 'X' });
  });
});

describe('rest source: incremental reads', () => {
  const incremental = async (config: ReturnType<typeof pageConfig>, state?: StreamState) =>
    readAll(config, { mode: 'incremental', cursorField: 'updated_at', state });

  for (const mode of ['client-side filter', 'server-side filter'] as const) {
    it(`a second run reads only records at or after the first's cursor (${mode})`, async () => {
      const config = pageConfig(mode === 'server-side filter' ? { cursorParam: 'since' } : {});
      const first = await incremental(config);
      expect(ids(first)).toEqual(range(1, 250));
      const last = first.at(-1)!.state;
      expect(last).toEqual({ cursor: minute(96) }); // a finished run leaves no position

      // Two records change and two are added after the first run.
      people[9].updated_at = minute(200);
      people[199].updated_at = minute(150);
      people.push(
        { ...people[0], id: 251, updated_at: minute(300) },
        { ...people[0], id: 252, updated_at: minute(96) },
      );
      log = [];
      const second = await incremental(config, last);
      expect(ids(second).sort((a, b) => a - b)).toEqual([10, 97, 194, 200, 251, 252]);
      for (const r of second) expect((r.data.updated_at as string) >= minute(96)).toBe(true);
      expect(second.at(-1)!.state).toEqual({ cursor: minute(300) });
      if (mode === 'server-side filter') expect(log[0].query.since).toBe(minute(96));
      else expect(log[0].query.since).toBeUndefined();
    });
  }

  it('resumes an interrupted incremental run with the same filter', async () => {
    const config = cursorConfig({ cursorParam: 'since' });
    const since = minute(50);
    const run = await incremental(config, { cursor: since });
    const expected = people.filter((p) => p.updated_at >= since).map((p) => p.id);
    expect(ids(run)).toEqual(expected);
    const saved = run[40].state;
    expect(saved).toMatchObject({ since, offset: 11, pageCursor: 'c30' });
    const rest = await incremental(config, saved);
    expect(ids(rest)).toEqual(expected.slice(41));
    expect(rest.at(-1)!.state).toEqual(run.at(-1)!.state);
  });

  it('reads nothing from a cursor in the future', async () => {
    expect(await incremental(pageConfig(), { cursor: '2999-01-01T00:00:00.000Z' })).toEqual([]);
    expect(
      await incremental(pageConfig({ cursorParam: 'since' }), { cursor: '2999-01-01T00:00:00.000Z' }),
    ).toEqual([]);
  });

  it('needs a cursor field and a known stream', async () => {
    const noCursor = await readUntilError(pageConfig(), { mode: 'incremental' });
    expect(noCursor.error).toMatchObject({ kind: 'config', code: 'NO_CURSOR_FIELD' });
    const wrongStream = await readUntilError(pageConfig(), { stream: 'orders' });
    expect(wrongStream.error).toMatchObject({ kind: 'config', code: 'UNKNOWN_STREAM' });
  });
});
