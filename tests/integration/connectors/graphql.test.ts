import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, graphql } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ConnectorError,
  type ReadRequest,
  type SourceRecord,
  type StreamState,
  safeCheck,
  specOf,
} from '../../../connectors/protocol';
import { graphqlSource } from '../../../connectors/sources/network';

/**
 * The GraphQL source against a real graphql-js server behind node:http, serving a Relay connection with
 * `first`/`after`, a bearer token check, and 5xx/429 answers injected on chosen pages.
 */

interface Person {
  id: number;
  name: string;
  updatedAt: string;
  age: number | null;
}

const schema = buildSchema(`
  type Person { id: Int!  name: String!  updatedAt: String!  age: Int }
  type PersonEdge { cursor: String!  node: Person! }
  type PageInfo { hasNextPage: Boolean!  endCursor: String }
  type PersonConnection { edges: [PersonEdge!]!  nodes: [Person!]!  pageInfo: PageInfo! }
  type County { people(first: Int = 25, after: String, minAge: Int): PersonConnection! }
  type Query {
    people(first: Int = 25, after: String, minAge: Int): PersonConnection!
    county: County!
    boom: String
  }
`);

const TOKEN = 'Bearer gql-token';
const minute = (m: number) => new Date(Date.UTC(2024, 2, 1, 0, m)).toISOString();
const encode = (index: number) => Buffer.from(`person:${index}`).toString('base64');
const decode = (cursor: string) => Number(Buffer.from(cursor, 'base64').toString().split(':')[1]);

let people: Person[];
let server: http.Server;
let url: string;
/** HTTP statuses to answer instead, keyed by the `after` variable ('' for the first page). */
let faults: Map<string, { status: number; remaining: number }>;
let afters: string[];

function connection(args: { first: number; after?: string | null; minAge?: number | null }) {
  const rows = args.minAge ? people.filter((p) => (p.age ?? 0) >= args.minAge!) : people;
  const start = args.after ? decode(args.after) + 1 : 0;
  const slice = rows.slice(start, start + args.first);
  const edges = slice.map((node, i) => ({ cursor: encode(start + i), node }));
  return {
    edges,
    nodes: slice,
    pageInfo: { hasNextPage: start + args.first < rows.length, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

const rootValue = {
  people: connection,
  county: () => ({ people: connection }),
  boom: () => {
    throw new Error('the resolver exploded');
  },
};

async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString()) as {
    query: string;
    variables?: Record<string, unknown>;
  };
  const after = String(body.variables?.after ?? body.variables?.cursor ?? '');
  afters.push(after);
  const fault = faults.get(after);
  const reply = (status: number, payload: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  };
  if (fault && fault.remaining > 0) {
    fault.remaining--;
    return reply(fault.status, { errors: [{ message: `injected ${fault.status}` }] });
  }
  if (req.headers.authorization !== TOKEN) return reply(401, { errors: [{ message: 'unauthorized' }] });
  reply(200, await graphql({ schema, source: body.query, variableValues: body.variables, rootValue }));
}

async function closedPort(): Promise<number> {
  const probe = http.createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const EDGES_QUERY = `query People($after: String) {
  people(first: 25, after: $after) { edges { cursor node { id name updatedAt age } } pageInfo { hasNextPage endCursor } }
}`;

const config = (over: Record<string, unknown> = {}) =>
  graphqlSource.config.parse({
    url,
    headers: { authorization: TOKEN },
    query: EDGES_QUERY,
    connectionPath: 'people',
    primaryKey: ['id'],
    retry: { attempts: 4, baseMs: 5 },
    ...over,
  });

type Config = ReturnType<typeof config>;

async function readAll(cfg: Config, request: Partial<ReadRequest> = {}) {
  const records: SourceRecord[] = [];
  for await (const record of graphqlSource.read(cfg, { stream: 'people', mode: 'full', ...request })) {
    records.push(record);
  }
  return records;
}

async function readUntilError(cfg: Config, request: Partial<ReadRequest> = {}) {
  const records: SourceRecord[] = [];
  try {
    for await (const record of graphqlSource.read(cfg, { stream: 'people', mode: 'full', ...request })) {
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
  server = http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  people = Array.from({ length: 130 }, (_, i) => ({
    id: i + 1,
    name: `Person ${i + 1}`,
    updatedAt: minute(i % 40),
    age: i % 10 === 0 ? null : 20 + (i % 50),
  }));
  faults = new Map();
  afters = [];
});

describe('graphql source: spec, check and discover', () => {
  it('publishes its spec with the headers secret, and insists on the cursor variable', async () => {
    expect(specOf(graphqlSource)).toMatchObject({ type: 'graphql', secrets: ['headers'] });
    expect(
      await safeCheck(graphqlSource, { ...config(), query: '{ people { nodes { id } } }' }),
    ).toMatchObject({
      ok: false,
      code: 'INVALID_CONFIG',
      reason: expect.stringContaining('$after'),
    });
  });

  it('check succeeds on a good config and fails with the right code on bad ones', async () => {
    expect(await safeCheck(graphqlSource, config())).toEqual({ ok: true });
    const check = (over: Record<string, unknown>) => safeCheck(graphqlSource, { ...config(), ...over });
    expect(await check({ headers: { authorization: 'Bearer stale' } })).toMatchObject({
      ok: false,
      code: 'AUTH_FAILED',
    });
    expect(
      await check({
        query: 'query ($after: String) { people(after: $after) { edges { node { id email } } } }',
      }),
    ).toMatchObject({
      ok: false,
      code: 'BAD_QUERY',
      reason: expect.stringContaining('Cannot query field "email"'),
    });
    expect(
      await check({ query: 'query ($after: String) { boom people(after: $after) { nodes { id } } }' }),
    ).toMatchObject({
      ok: false,
      code: 'GRAPHQL_ERRORS',
      reason: expect.stringContaining('the resolver exploded'),
    });
    expect(await check({ connectionPath: 'persons' })).toMatchObject({ ok: false, code: 'BAD_RESPONSE' });
    expect(await check({ primaryKey: ['uuid'] })).toMatchObject({ ok: false, code: 'MISSING_PRIMARY_KEY' });
    const port = await closedPort();
    expect(await check({ url: `http://127.0.0.1:${port}/graphql`, retry: { attempts: 1 } })).toMatchObject({
      ok: false,
      code: 'UNREACHABLE',
    });
  });

  it('discover lists the fields of the connection nodes', async () => {
    const catalog = await graphqlSource.discover(config({ cursorField: 'updatedAt' }));
    expect(catalog.streams).toEqual([
      {
        name: 'people',
        fields: [
          { name: 'id', type: 'integer' },
          { name: 'name', type: 'string' },
          { name: 'updatedAt', type: 'datetime' },
          { name: 'age', type: 'integer' },
        ],
        cursorCandidates: ['updatedAt', 'id', 'age'],
        primaryKey: ['id'],
        supportsIncremental: true,
      },
    ]);
  });
});

describe('graphql source: full reads', () => {
  it('two reads give the same records, from edges or nodes, at any depth, with the query variables', async () => {
    const first = await readAll(config());
    const second = await readAll(config());
    expect(ids(first)).toEqual(range(1, 130));
    expect(second).toEqual(first);
    expect(first[0]).toEqual({ key: '1', data: people[0], state: { after: null, offset: 1 } });
    expect(first[30].state).toEqual({ after: encode(24), offset: 6 });

    const nested = config({
      query: `query ($cursor: String, $minAge: Int) {
        county { people(first: 40, after: $cursor, minAge: $minAge) { nodes { id name } pageInfo { hasNextPage endCursor } } }
      }`,
      cursorVariable: 'cursor',
      variables: { minAge: 60 },
      connectionPath: 'county.people',
      streamName: 'people',
    });
    const old = await readAll(nested);
    expect(ids(old)).toEqual(people.filter((p) => (p.age ?? 0) >= 60).map((p) => p.id));
    expect(Object.keys(old[0].data)).toEqual(['id', 'name']);
  });

  it('resumes from a saved mid-page state with exactly the remaining records', async () => {
    const full = await readAll(config());
    const rest = await readAll(config(), { state: full[61].state });
    expect(ids(rest)).toEqual(range(63, 130));
  });

  it('retries 5xx and 429, then fails with the reason on a page that keeps failing; a resume continues', async () => {
    faults.set(encode(24), { status: 502, remaining: 2 });
    faults.set(encode(49), { status: 429, remaining: 1 });
    expect(ids(await readAll(config()))).toEqual(range(1, 130));
    expect(afters.filter((a) => a === encode(24))).toHaveLength(3);

    afters = [];
    faults.set(encode(74), { status: 503, remaining: Number.POSITIVE_INFINITY });
    const { records, error } = await readUntilError(config());
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind: 'transient', code: 'SERVER_ERROR' });
    expect((error as Error).message).toMatch(/HTTP 503.*gave up after 4 attempts/);
    expect(afters.filter((a) => a === encode(74))).toHaveLength(4);
    expect(ids(records)).toEqual(range(1, 74));

    faults.clear();
    const rest = await readAll(config(), { state: records.at(-1)!.state });
    expect(ids(rest)).toEqual(range(75, 130));
  });
});

describe('graphql source: incremental reads', () => {
  const incremental = (state?: StreamState) =>
    readAll(config(), { mode: 'incremental', cursorField: 'updatedAt', state });

  it('a second run reads only records at or after the first one’s cursor', async () => {
    const first = await incremental();
    expect(ids(first)).toEqual(range(1, 130));
    const done = first.at(-1)!.state;
    expect(done).toEqual({ cursor: minute(39) });

    people[4].updatedAt = minute(90);
    people.push({ id: 131, name: 'New', updatedAt: minute(45), age: 30 });
    const second = await incremental(done);
    // Records 40, 80 and 120 still carry the old largest timestamp: at-or-after reads them again.
    expect(ids(second)).toEqual([5, 40, 80, 120, 131]);
    expect(second.at(-1)!.state).toEqual({ cursor: minute(90) });
  });

  it('resumes an interrupted incremental run with its filter, and reads nothing from a future cursor', async () => {
    const since = minute(30);
    const run = await incremental({ cursor: since });
    const expected = people.filter((p) => p.updatedAt >= since).map((p) => p.id);
    expect(ids(run)).toEqual(expected);
    const saved = run[12].state;
    expect(saved).toMatchObject({ since, cursor: minute(39) });
    expect(ids(await incremental(saved))).toEqual(expected.slice(13));

    expect(await incremental({ cursor: '2999-01-01T00:00:00.000Z' })).toEqual([]);
  });
});
