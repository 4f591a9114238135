import { once } from 'node:events';
import net from 'node:net';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ConnectorError,
  type ReadRequest,
  type SourceRecord,
  type StreamState,
  safeCheck,
  specOf,
} from '../../../connectors/protocol';
import { sqlSource } from '../../../connectors/sources/network';
import { isoTimestamp, type SqlConfig } from '../../../connectors/sources/sql';
import { databaseUrlFor, dropDatabase, recreateDatabase, scratchDatabaseName } from '../../support/services';

/**
 * The SQL source against the real PostgreSQL and MariaDB of the machine: a scratch database (PostgreSQL) and
 * a uniquely named table and user (MariaDB), 2,500 rows so reads take several batches, connections killed
 * from the server side mid-read.
 */

const ROWS = 2500;
const PG_DB = scratchDatabaseName('connectors_sql');
const MY_TABLE = `conn_people_${process.pid}`;
const MY_USER = `gh_conn_${process.pid}`;
const MY_PASSWORD = `pw-${process.pid}`;
const MY_ADMIN = { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'test' };

/** '2024-01-01 00:MM:SS.123456', or null for every hundredth row (rows without a cursor value). */
const stamp = (id: number) =>
  id % 100 === 0
    ? null
    : `2024-01-01 00:${String(Math.floor((id % 300) / 60)).padStart(2, '0')}:${String((id % 300) % 60).padStart(2, '0')}.123456`;

function row(id: number, updated = stamp(id)) {
  return {
    id,
    name: `Person ${id}`,
    amount: (id * 1.25).toFixed(2),
    big: String(BigInt(id) * 10_000_000_000n),
    born: `1990-${String((id % 12) + 1).padStart(2, '0')}-${String((id % 28) + 1).padStart(2, '0')}`,
    updated_at: updated,
    active: id % 2 === 0,
    photo: Buffer.from([id % 256, 1, 2]),
  };
}

type Row = ReturnType<typeof row>;
const COLUMNS = ['id', 'name', 'amount', 'big', 'born', 'updated_at', 'active', 'photo'] as const;

interface Target {
  dialect: 'postgres' | 'mysql';
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** Empties the table and fills it with rows 1..ROWS. */
  reset(): Promise<void>;
  insert(rows: Row[]): Promise<void>;
  setStamp(id: number, updated: string): Promise<void>;
  config(over?: Record<string, unknown>): SqlConfig;
  /** The config with a wrong password (or a user the server refuses). */
  badLogin(): Record<string, unknown>;
  unknownDatabase(): Record<string, unknown>;
  /** Kills the source's connections from the server side and waits until they are gone. */
  killSourceConnections(): Promise<number>;
  /** A row as the source hands it out. */
  expected(r: Row): Record<string, unknown>;
  types: Record<string, string>;
}

async function eventually(check: () => Promise<boolean>, what: string) {
  const until = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function postgresTarget(): Target {
  let admin: pg.Client;
  let url: string;
  const table = 'people';
  const insert = async (rows: Row[]) => {
    const params: unknown[] = [];
    const tuples = rows.map((r) => `(${COLUMNS.map((c) => `$${params.push(r[c])}`).join(', ')})`);
    await admin.query(`insert into ${table} (${COLUMNS.join(', ')}) values ${tuples.join(', ')}`, params);
  };
  return {
    dialect: 'postgres',
    async setUp() {
      url = await recreateDatabase(PG_DB);
      admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query('set timezone = UTC');
      await admin.query(`create table ${table} (
        id integer primary key, name text not null, amount numeric(12, 2), big bigint, born date,
        updated_at timestamptz(6), active boolean, photo bytea)`);
    },
    async tearDown() {
      await admin?.end();
      await dropDatabase(PG_DB);
    },
    async reset() {
      await admin.query(`truncate ${table}`);
      const all = Array.from({ length: ROWS }, (_, i) => row(i + 1));
      for (let i = 0; i < all.length; i += 1000) await insert(all.slice(i, i + 1000));
    },
    insert,
    async setStamp(id, updated) {
      await admin.query(`update ${table} set updated_at = $1 where id = $2`, [updated, id]);
    },
    config: (over = {}) =>
      sqlSource.config.parse({
        dialect: 'postgres',
        url,
        query: `SELECT * FROM ${table} -- every person`,
        primaryKey: ['id'],
        streamName: 'people',
        ...over,
      }),
    badLogin: () => ({ url: databaseUrlFor(PG_DB).replace('//postgres@', `//nobody_${process.pid}:wrong@`) }),
    unknownDatabase: () => ({ url: databaseUrlFor(`no_such_db_${process.pid}`) }),
    async killSourceConnections() {
      const sql = `from pg_stat_activity where datname = $1 and application_name = 'gridhub-connector'`;
      const { rowCount } = await admin.query(`select pg_terminate_backend(pid) ${sql}`, [PG_DB]);
      await eventually(
        async () => (await admin.query(`select 1 ${sql}`, [PG_DB])).rowCount === 0,
        'the backends to end',
      );
      return rowCount ?? 0;
    },
    expected: (r) => ({
      ...r,
      updated_at: r.updated_at && `${r.updated_at.replace(' ', 'T')}Z`,
      photo: r.photo.toString('base64'),
    }),
    types: {
      id: 'integer',
      name: 'string',
      amount: 'number',
      big: 'integer',
      born: 'date',
      updated_at: 'datetime',
      active: 'boolean',
      photo: 'string',
    },
  };
}

function mysqlTarget(): Target {
  let admin: mysql.Connection;
  const insert = async (rows: Row[]) => {
    const values = rows.map((r) => COLUMNS.map((c) => r[c]));
    await admin.query(`INSERT INTO \`${MY_TABLE}\` (${COLUMNS.join(', ')}) VALUES ?`, [values]);
  };
  return {
    dialect: 'mysql',
    async setUp() {
      admin = await mysql.createConnection(MY_ADMIN);
      await admin.query(`DROP TABLE IF EXISTS \`${MY_TABLE}\``);
      await admin.query(`CREATE TABLE \`${MY_TABLE}\` (
        id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, amount DECIMAL(12, 2), big BIGINT, born DATE,
        updated_at DATETIME(6) NULL, active BOOLEAN, photo BLOB)`);
      await admin.query(`DROP USER IF EXISTS '${MY_USER}'@'127.0.0.1'`);
      await admin.query(`CREATE USER '${MY_USER}'@'127.0.0.1' IDENTIFIED BY '${MY_PASSWORD}'`);
      await admin.query(`GRANT SELECT ON test.* TO '${MY_USER}'@'127.0.0.1'`);
    },
    async tearDown() {
      if (!admin) return;
      await admin.query(`DROP TABLE IF EXISTS \`${MY_TABLE}\``);
      await admin.query(`DROP USER IF EXISTS '${MY_USER}'@'127.0.0.1'`);
      await admin.end();
    },
    async reset() {
      await admin.query(`TRUNCATE TABLE \`${MY_TABLE}\``);
      const all = Array.from({ length: ROWS }, (_, i) => row(i + 1));
      for (let i = 0; i < all.length; i += 1000) await insert(all.slice(i, i + 1000));
    },
    insert,
    async setStamp(id, updated) {
      await admin.query(`UPDATE \`${MY_TABLE}\` SET updated_at = ? WHERE id = ?`, [updated, id]);
    },
    config: (over = {}) =>
      sqlSource.config.parse({
        dialect: 'mysql',
        host: '127.0.0.1',
        port: 3306,
        user: MY_USER,
        password: MY_PASSWORD,
        database: 'test',
        query: `SELECT * FROM \`${MY_TABLE}\``,
        primaryKey: ['id'],
        streamName: 'people',
        ...over,
      }),
    badLogin: () => ({ password: 'not-the-password' }),
    // As root: a user without rights on a database is told "access denied", not "unknown".
    unknownDatabase: () => ({ user: 'root', password: '', database: `no_such_db_${process.pid}` }),
    async killSourceConnections() {
      const list = async () => {
        const [rows] = await admin.query<mysql.RowDataPacket[]>(
          'SELECT id FROM information_schema.processlist WHERE user = ?',
          [MY_USER],
        );
        return rows.map((r) => Number(r.id));
      };
      const ids = await list();
      for (const id of ids) await admin.query(`KILL ${id}`);
      await eventually(async () => (await list()).length === 0, 'the connections to end');
      return ids.length;
    },
    expected: (r) => ({
      ...r,
      updated_at: r.updated_at?.replace(' ', 'T') ?? null,
      active: r.active ? 1 : 0,
      photo: r.photo.toString('base64'),
    }),
    types: {
      id: 'integer',
      name: 'string',
      amount: 'number',
      big: 'integer',
      born: 'date',
      updated_at: 'datetime',
      active: 'integer',
      photo: 'string',
    },
  };
}

async function closedPort(): Promise<number> {
  const probe = net.createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * PostgreSQL here trusts local connections, so it never rejects a password. This speaks just enough of the
 * wire protocol to ask for one and refuse it as a real server does (SQLSTATE 28P01), for the real pg client.
 */
async function passwordRefusingPostgres(): Promise<net.Server> {
  const field = (type: string, value: string) => Buffer.from(`${type}${value}\0`);
  const server = net.createServer((socket) => {
    let askedForPassword = false;
    socket.on('error', () => {});
    socket.on('data', () => {
      if (!askedForPassword) {
        askedForPassword = true;
        socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])); // AuthenticationCleartextPassword
        return;
      }
      const fields = Buffer.concat([
        field('S', 'FATAL'),
        field('V', 'FATAL'),
        field('C', '28P01'),
        field('M', 'password authentication failed for user "reader"'),
        Buffer.from([0]),
      ]);
      const head = Buffer.alloc(5);
      head.write('E', 0);
      head.writeInt32BE(fields.length + 4, 1);
      socket.end(Buffer.concat([head, fields]));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function readAll(config: SqlConfig, request: Partial<ReadRequest> = {}) {
  const records: SourceRecord[] = [];
  for await (const record of sqlSource.read(config, { stream: 'people', mode: 'full', ...request })) {
    records.push(record);
  }
  return records;
}

const ids = (records: SourceRecord[]) => records.map((r) => r.data.id as number);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The order an incremental read hands rows out: NULL cursors first (by id), then by (cursor, id). */
function incrementalOrder(rows: Row[]): number[] {
  const nulls = rows.filter((r) => r.updated_at === null).map((r) => r.id);
  const dated = rows
    .filter((r) => r.updated_at !== null)
    .sort((a, b) => (a.updated_at! < b.updated_at! ? -1 : a.updated_at! > b.updated_at! ? 1 : a.id - b.id))
    .map((r) => r.id);
  return [...nulls.sort((a, b) => a - b), ...dated];
}

const allRows = () => Array.from({ length: ROWS }, (_, i) => row(i + 1));

it('converts server timestamps to ISO 8601 without losing precision', () => {
  expect(isoTimestamp('2024-05-01 10:00:00.123456+00')).toBe('2024-05-01T10:00:00.123456Z');
  expect(isoTimestamp('2024-05-01 10:00:00+05:30')).toBe('2024-05-01T10:00:00+05:30');
  expect(isoTimestamp('2024-05-01 10:00:00')).toBe('2024-05-01T10:00:00');
  expect(isoTimestamp('infinity')).toBe('infinity');
  expect(specOf(sqlSource)).toMatchObject({ type: 'sql', secrets: ['url', 'password'] });
});

describe.each([postgresTarget(), mysqlTarget()])('sql source on $dialect', (target) => {
  beforeAll(() => target.setUp());
  afterAll(() => target.tearDown());
  beforeEach(() => target.reset());

  it('check succeeds on a good config and fails with the right code on bad ones', async () => {
    expect(await safeCheck(sqlSource, target.config())).toEqual({ ok: true });
    const check = (over: Record<string, unknown>) => safeCheck(sqlSource, { ...target.config(), ...over });

    expect(await check(target.badLogin())).toMatchObject({ ok: false, code: 'AUTH_FAILED' });
    expect(await check({ query: 'SELECT * FROM no_such_table_anywhere' })).toMatchObject({
      ok: false,
      code: 'BAD_QUERY',
      reason: expect.stringMatching(/no_such_table_anywhere.*(does not exist|doesn't exist)/),
    });
    expect(await check({ query: 'SELECT id, nope FROM no_such_table_anywhere' })).toMatchObject({
      code: 'BAD_QUERY',
    });
    expect(await check(target.unknownDatabase())).toMatchObject({
      ok: false,
      code: 'BAD_QUERY',
      reason: expect.stringContaining(`no_such_db_${process.pid}`),
    });
    expect(await check({ primaryKey: ['uuid'] })).toMatchObject({ ok: false, code: 'UNKNOWN_COLUMN' });
    expect(await check({ query: 'DELETE FROM people' })).toMatchObject({ ok: false, code: 'INVALID_CONFIG' });

    const port = await closedPort();
    const unreachable = {
      url: undefined,
      host: '127.0.0.1',
      port,
      user: 'x',
      database: 'x',
      retry: { attempts: 2, baseMs: 1 },
    };
    expect(await check(unreachable)).toMatchObject({
      ok: false,
      code: 'UNREACHABLE',
      reason: expect.stringMatching(/ECONNREFUSED.*gave up after 2 attempts/),
    });
  });

  it('discover lists the columns with their types', async () => {
    const catalog = await sqlSource.discover(target.config({ cursorField: 'updated_at' }));
    const [stream] = catalog.streams;
    expect(stream.name).toBe('people');
    expect(Object.fromEntries(stream.fields.map((f) => [f.name, f.type]))).toEqual(target.types);
    expect(stream.fields.map((f) => f.name)).toEqual([...COLUMNS]);
    expect(stream.cursorCandidates[0]).toBe('updated_at');
    expect(stream).toMatchObject({ primaryKey: ['id'], supportsIncremental: true });
  });

  it('two full reads give the same records, in batches, with values converted', async () => {
    const first = await readAll(target.config());
    const second = await readAll(target.config());
    expect(ids(first)).toEqual(range(1, ROWS));
    expect(second).toEqual(first);
    expect(first[122]).toEqual({ key: '123', data: target.expected(row(123)), state: { after: [123] } });
    expect(first[299].data).toEqual(target.expected(row(300))); // a NULL timestamp
    // Small batches cross many boundaries and give the same result.
    expect(await readAll(target.config({ batchSize: 7 }))).toEqual(first);
  });

  it('resumes from a saved mid-read state with exactly the remaining records', async () => {
    const full = await readAll(target.config());
    const rest = await readAll(target.config(), { state: full[1233].state });
    expect(ids(rest)).toEqual(range(1235, ROWS));
    // A composite key works the same way.
    const composite = target.config({ primaryKey: ['born', 'id'], batchSize: 300 });
    const byBorn = await readAll(composite);
    expect(byBorn[0].key).toMatch(/^1990-01-01\|/);
    expect(new Set(byBorn.map((r) => r.key)).size).toBe(ROWS);
    expect(await readAll(composite, { state: byBorn[1499].state })).toEqual(byBorn.slice(1500));
    await expect(readAll(composite, { state: { after: [5] } })).rejects.toMatchObject({
      code: 'STATE_MISMATCH',
    });
  });

  it('two incremental reads in a row: the second reads only rows at or after the first one’s cursor', async () => {
    const config = target.config({ cursorField: 'updated_at', batchSize: 97 });
    const first = await readAll(config, { mode: 'incremental' });
    expect(ids(first)).toEqual(incrementalOrder(allRows()));
    const done = first.at(-1)!.state;
    const maxCursor = first.at(-1)!.data.updated_at as string;
    expect(done).toEqual({ cursor: maxCursor, after: [2399] });
    expect(first[3].state).toEqual({ cursor: null, after: [400] }); // still among the NULL-cursor rows

    await target.insert([
      row(2501, '2024-01-01 00:10:00.000001'),
      row(2502, '2024-01-01 00:10:00'),
      row(2503, '2024-01-01 00:10:00'),
      row(2504, stamp(2399)), // the same instant as the last row read, with a larger key
      row(2505, null), // rows without a cursor value are only read by a first run
    ]);
    await target.setStamp(5, '2024-01-01 00:20:00');
    const second = await readAll(config, { mode: 'incremental', state: done });
    expect(ids(second)).toEqual([2504, 2502, 2503, 2501, 5]);
    for (const r of second) expect((r.data.updated_at as string) >= maxCursor).toBe(true);
    expect(second.at(-1)!.state).toEqual({ cursor: second.at(-1)!.data.updated_at, after: [5] });
  });

  it('resumes an interrupted incremental read, and reads nothing from a future cursor', async () => {
    const config = target.config({ cursorField: 'updated_at', batchSize: 250 });
    const run = await readAll(config, { mode: 'incremental' });
    for (const at of [10, 1500]) {
      const rest = await readAll(config, { mode: 'incremental', state: run[at - 1].state });
      expect(ids(rest)).toEqual(ids(run.slice(at)));
    }
    // A state with a cursor and no key reads at-or-after the cursor.
    const since = run[1000].data.updated_at as string;
    const fromCursor = await readAll(config, { mode: 'incremental', state: { cursor: since } });
    expect(ids(fromCursor)).toEqual(
      ids(run.filter((r) => r.data.updated_at !== null && (r.data.updated_at as string) >= since)),
    );
    const future: StreamState = { cursor: '2999-01-01T00:00:00Z' };
    expect(await readAll(config, { mode: 'incremental', state: future })).toEqual([]);
  });

  it('throws a transient error when the connection is killed mid-read, and a resume finishes the read', async () => {
    const records: SourceRecord[] = [];
    let failure: unknown;
    try {
      for await (const record of sqlSource.read(target.config(), { stream: 'people', mode: 'full' })) {
        records.push(record);
        if (records.length === 1) expect(await target.killSourceConnections()).toBe(1);
      }
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ConnectorError);
    expect(failure).toMatchObject({ kind: 'transient', code: 'CONNECTION_LOST' });
    expect(records).toHaveLength(1000); // the first batch, already fetched
    const rest = await readAll(target.config(), { state: records.at(-1)!.state });
    expect([...ids(records), ...ids(rest)]).toEqual(range(1, ROWS));
  });
});

describe('sql source on postgres: a server that refuses the password', () => {
  let server: net.Server;
  beforeAll(async () => {
    server = await passwordRefusingPostgres();
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('reports AUTH_FAILED with the server’s message, without retrying', async () => {
    const { port } = server.address() as net.AddressInfo;
    const result = await safeCheck(sqlSource, {
      dialect: 'postgres',
      host: '127.0.0.1',
      port,
      user: 'reader',
      password: 'wrong',
      database: 'county',
      query: 'SELECT 1 AS id',
      primaryKey: ['id'],
    });
    expect(result).toEqual({
      ok: false,
      code: 'AUTH_FAILED',
      reason: 'password authentication failed for user "reader"',
    });
  });
});
