import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Job } from 'bullmq';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnector, queueRun } from '../../../connectors/connector.service';
import { loadSecretKey } from '../../../connectors/secrets';
import { executeRun } from '../../../connectors/sync';
import { runSql } from '../../../schema/common/rows';
import { dataSet } from '../../../schema/datasets';
import { initORM, type MikroORM, migrate } from '../../../schema/db/orm';
import { exportDemoCounty } from '../../../schema/demo/export';
import { generateDemoCounty } from '../../../schema/demo/generate';
import type { DemoCounty } from '../../../schema/demo/types';
import { PersonRecordKind } from '../../../schema/people/person-record.entity';
import { demoCountyRegions } from '../../../schema/regions/demo-county';
import { loadRegionTree } from '../../../schema/regions/region.service';
import { createLogger } from '../../../schema/runtime/logger';
import { PROCESSORS } from '../../../workers/processors';
import { QUEUE_NAMES, QueueRegistry, SYNC_JOB_OPTIONS } from '../../../workers/queues';
import { type RunningWorkers, startWorkers } from '../../../workers/worker';
import { HUB_BIN, REPO_ROOT } from '../../support/hub';
import { testOrm } from '../../support/orm';
import {
  ADMIN_DATABASE_URL,
  databaseUrlFor,
  dropDatabase,
  recreateDatabase,
  scratchDatabaseName,
  TEST_REDIS_URL,
} from '../../support/services';

/**
 * Sync runs under faults, each in its own scratch database: a worker process killed (SIGKILL) mid-run and
 * replaced; a REST source that starts failing part-way and is healed later; a SQL source whose connection is
 * terminated by the server mid-read; and incremental runs that read only what is new.
 */

const KEY_HEX = '22'.repeat(32);
const KEY = loadSecretKey(KEY_HEX, os.tmpdir());
const PREFIX = `test-faults-${process.pid}`;
const JOB_LOCK_MS = 2_000;
/** The county the files and sources are cut from: about 23,000 registered residents. */
const SCALE = 0.15;
const CHUNK = 500;

const BASE_DB = scratchDatabaseName('faults_base');
const REF_DB = scratchDatabaseName('faults_ref');
const KILL_DB = scratchDatabaseName('faults_kill');
const MISC_DB = scratchDatabaseName('faults_misc');

let county: DemoCounty;
let dir: string;
let file: string;
let fileRows: number;
const children = new Set<ChildProcess>();

async function sleep(ms: number) {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns a value (not undefined). */
async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 45_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** A database created from the migrated base (with the demo county's regions): much faster than migrating. */
async function cloneBase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name} template ${BASE_DB}`);
  } finally {
    await admin.end();
  }
  return databaseUrlFor(name);
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.join(';');
  return String(value);
}

/** Registered residents as a source system holds them: the person block and the record, by field name. */
function registeredRows(from: number, count: number): Array<Record<string, string | number | null>> {
  const persons = new Map(county.persons.filter((p) => p.idNumber).map((p) => [p.idNumber!, p]));
  const block = dataSet('person')!.fields;
  const own = dataSet('person_record', PersonRecordKind.REGISTERED)!.fields;
  const records = county.personRecords.filter((r) => r.kind === PersonRecordKind.REGISTERED);
  return records.slice(from, from + count).map((r, i) => {
    const person = persons.get(r.personIdNumber!)! as unknown as Record<string, unknown>;
    const row: Record<string, string | number | null> = { id: from + i + 1 };
    for (const f of block) row[f.name] = text(person[f.name]);
    for (const f of own) row[f.name] = text(r.attributes[f.name]);
    row.grid = r.regionCode;
    return row;
  });
}

const MAPPING = { dataSet: 'registered_population', region: { code: 'grid' } };

interface RunRow {
  status: string;
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  skipped: number;
  error_code: string | null;
  error: string | null;
}

async function runRow(client: pg.Client, id: string): Promise<RunRow> {
  const { rows } = await client.query<RunRow>(
    `select status::text as status, read, inserted, updated, unchanged, quarantined, skipped, error_code, error
       from sync_run where id = $1`,
    [id],
  );
  return rows[0]!;
}

function accounted(r: RunRow): number {
  return r.inserted + r.updated + r.unchanged + r.quarantined + r.skipped;
}

/**
 * Person, record, link and quarantine contents without ids and instants (which differ between two databases
 * and between a run and its resumption), as a count and an order-independent hash of the rows.
 */
async function snapshot(client: pg.Client) {
  const columns = async (table: string, alias: string, except: string[]) => {
    const { rows } = await client.query<{ name: string }>(
      `select column_name as name from information_schema.columns
        where table_schema = 'public' and table_name = $1 order by ordinal_position`,
      [table],
    );
    return rows.filter((r) => !except.includes(r.name)).map((r) => `${alias}.${r.name}`);
  };
  // Provenance without its instants: which connector set which field, from which source record.
  const provenance = (alias: string) =>
    ['$.fields.keyvalue().key', '$.fields.*.connector', '$.sources[*].connector', '$.sources[*].sourceKey']
      .map((path) => `jsonb_path_query_array(${alias}.provenance, '${path}')`)
      .join(', ');
  const digest = async (values: string[], from: string) => {
    const { rows } = await client.query<{ n: number; md5: string }>(
      `select count(*)::int as n, md5(coalesce(string_agg(h, '' order by h collate "C"), '')) as md5
         from (select md5(row(${values.join(', ')})::text) as h from ${from}) t`,
    );
    return rows[0]!;
  };
  const instants = ['id', 'created_at', 'updated_at', 'provenance'];
  return {
    person: await digest([...(await columns('person', 'p', instants)), provenance('p')], 'person p'),
    personRecord: await digest(
      [...(await columns('person_record', 'r', [...instants, 'person_id'])), 'p.id_number', provenance('r')],
      'person_record r join person p on p.id = r.person_id',
    ),
    sourceLink: await digest(
      [
        ...(await columns('source_link', 'l', [
          'connector_id',
          'target_id',
          'last_run_id',
          'first_seen',
          'last_seen',
        ])),
        'p.id_number',
        'r.kind',
      ],
      'source_link l join person_record r on r.id = l.target_id join person p on p.id = r.person_id',
    ),
    quarantined: await digest(['q.source_key', 'q.failures', 'q.status'], 'quarantined_record q'),
  };
}

/** The environment of `hub worker` as an operator would start it: none of the test runner's variables. */
function workerEnv(databaseUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(DATABASE_URL|REDIS_URL|PORT|HOST|LOG_LEVEL|GRIDHUB_.*|NODE_ENV|VITEST.*|TEST)$/.test(key))
      delete env[key];
  }
  return {
    ...env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    GRIDHUB_QUEUE_PREFIX: PREFIX,
    GRIDHUB_SECRET_KEY: KEY_HEX,
    GRIDHUB_JOB_LOCK_MS: String(JOB_LOCK_MS),
    GRIDHUB_DEMO: 'false',
    GRIDHUB_WORKER_CONCURRENCY: '1',
    GRIDHUB_STARTUP_TIMEOUT_MS: '10000',
    GRIDHUB_SHUTDOWN_TIMEOUT_MS: '3000',
    LOG_LEVEL: 'info',
  };
}

interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<unknown>;
}

/** `node dist/gateway/cli/hub.js worker`, once it logged that its workers started. */
async function startWorkerProcess(databaseUrl: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [HUB_BIN, 'worker'], {
    env: workerEnv(databaseUrl),
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = once(child, 'exit').finally(() => children.delete(child));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"msg":"workers started"')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => reject(new Error(`the worker exited before starting:\n${output}`)));
    setTimeout(() => reject(new Error(`the worker did not start:\n${output}`)), 20_000).unref();
  });
  return { child, output: () => output, exited };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-faults-'));
  county = generateDemoCounty({ seed: 11, scale: SCALE });
  const files = await exportDemoCounty(county, dir, { encoding: 'gbk' });
  const exported = files.find((f) => f.dataSet === 'registered_population')!;
  file = exported.file;
  fileRows = exported.rows;

  const url = await recreateDatabase(BASE_DB);
  const orm = await initORM({ url, poolMax: 2, statementTimeoutMs: 30_000 });
  try {
    await migrate(orm);
    await loadRegionTree(orm.em.fork(), demoCountyRegions());
  } finally {
    await orm.close();
  }
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  const registry = new QueueRegistry(TEST_REDIS_URL, PREFIX);
  await Promise.all(QUEUE_NAMES.map((q) => registry.queue(q).obliterate({ force: true })));
  await registry.close();
  for (const db of [REF_DB, KILL_DB, MISC_DB, BASE_DB]) await dropDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

describe('a worker process killed mid-run', () => {
  it('resumes from its last committed chunk in another worker and ends as an uninterrupted run', async () => {
    expect(fileRows).toBeGreaterThan(20_000);
    const input = {
      name: 'gongan-huji',
      title: '公安 户籍人口',
      sourceType: 'csv',
      config: { path: file, encoding: 'gbk' },
      streams: [
        {
          stream: path.basename(file, '.csv'),
          chunkSize: CHUNK,
          mapping: { dataSet: 'registered_population', region: { code: '所属网格编码' } },
        },
      ],
    };
    const [refUrl, killUrl] = await Promise.all([cloneBase(REF_DB), cloneBase(KILL_DB)]);
    const ref = new pg.Client({ connectionString: refUrl });
    const kill = new pg.Client({ connectionString: killUrl });
    const registry = new QueueRegistry(TEST_REDIS_URL, PREFIX);
    const refOrm = await testOrm(refUrl);
    const killOrm = await testOrm(killUrl);
    try {
      await ref.connect();
      await kill.connect();

      await createConnector(refOrm.em.fork(), KEY, input);
      const { run: refRun } = await queueRun(refOrm.em.fork(), 'gongan-huji', 'manual');
      await createConnector(killOrm.em.fork(), KEY, input);
      const { run } = await queueRun(killOrm.em.fork(), 'gongan-huji', 'manual');
      const first = await startWorkerProcess(killUrl);
      await registry.add(
        'sync',
        'run-connector',
        { runId: run.id },
        { ...SYNC_JOB_OPTIONS, jobId: `run-${run.id}` },
      );
      // The reference, meanwhile: the same file, uninterrupted, in this process.
      const referenceRun = executeRun(refOrm.em.fork(), KEY, refRun.id).then(
        () => undefined,
        (error: unknown) => error ?? new Error('the reference run failed'),
      );

      const before = await waitFor(async () => {
        const r = await runRow(kill, run.id);
        return r.read >= fileRows / 4 || r.status === 'succeeded' || r.status === 'failed' ? r : undefined;
      }, 'the run to be a quarter through');
      first.child.kill('SIGKILL');
      await first.exited;
      expect(before.status).toBe('running');
      expect(before.read).toBeGreaterThan(0);
      expect(before.read).toBeLessThan(fileRows);
      const atKill = await runRow(kill, run.id);
      expect(atKill.status).toBe('running');
      expect(atKill.read % CHUNK).toBe(0); // only whole chunks were committed
      expect(atKill.read).toBeLessThan(fileRows);

      const second = await startWorkerProcess(killUrl);
      const done = await waitFor(
        async () => {
          const r = await runRow(kill, run.id);
          return r.status === 'succeeded' || r.status === 'failed' ? r : undefined;
        },
        'the resumed run to finish',
        70_000,
      );
      second.child.kill('SIGTERM');
      await second.exited;

      const referenceError = await referenceRun;
      if (referenceError) throw referenceError;
      const reference = await runRow(ref, refRun.id);
      expect(reference).toMatchObject({ status: 'succeeded', read: fileRows });
      expect(done).toMatchObject({ status: 'succeeded', error: null });
      // Resumed, not restarted: every row was read once, so nothing was counted twice.
      expect(done.read).toBe(fileRows);
      expect(accounted(done)).toBe(fileRows);
      expect(done).toEqual(reference);
      const [mine, theirs] = await Promise.all([snapshot(kill), snapshot(ref)]);
      expect(mine).toEqual(theirs);
      expect(mine.person.n).toBe(fileRows - reference.quarantined - reference.skipped);
      expect(mine.sourceLink.n).toBe(mine.personRecord.n);
    } finally {
      await Promise.all([ref.end(), kill.end(), refOrm.close(), killOrm.close(), registry.close()]);
    }
    // Two runs and two worker start-ups; usually about 20 s, more when the machine is busy.
  }, 90_000);
});

describe('sources that fail mid-read', () => {
  const prefix = `${PREFIX}-in`;
  let miscUrl: string;
  let orm: MikroORM;
  let client: pg.Client;
  let registry: QueueRegistry;
  let workers: RunningWorkers;
  let server: http.Server;
  let base: string;
  // The sync processor queues nothing and publishes no event notices.
  const deps = () => ({
    orm,
    logger: createLogger('silent'),
    secretKey: KEY,
    registry: undefined as never,
    notices: undefined as never,
  });

  // The REST service: pages of 50 records; from page FAIL_FROM on it answers 500 while `broken`.
  const PAGE = 50;
  const FAIL_FROM = 5;
  const restRows = () => registeredRows(0, 400);
  let broken = true;
  const pageRequests = new Map<number, number>();

  beforeAll(async () => {
    miscUrl = await cloneBase(MISC_DB);
    orm = await testOrm(miscUrl);
    client = new pg.Client({ connectionString: miscUrl });
    await client.connect();
    registry = new QueueRegistry(TEST_REDIS_URL, prefix);
    workers = await startWorkers({
      redisUrl: TEST_REDIS_URL,
      registry,
      concurrency: 1,
      closeTimeoutMs: 3_000,
      orm,
      logger: createLogger('silent'),
      secretKey: KEY,
    });
    const rows = restRows();
    server = http.createServer((req, res) => {
      const url = new URL(req.url!, 'http://localhost');
      const page = Number(url.searchParams.get('page') ?? 1);
      const size = Number(url.searchParams.get('size') ?? PAGE);
      pageRequests.set(page, (pageRequests.get(page) ?? 0) + 1);
      if (broken && page >= FAIL_FROM) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'database unavailable' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items: rows.slice((page - 1) * size, page * size) }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await workers?.close();
    await registry?.queue('sync').obliterate({ force: true });
    await registry?.queue('upkeep').obliterate({ force: true });
    await registry?.close();
    await client?.end();
    await orm?.close();
    if (server) await new Promise((resolve) => server.close(resolve));
  });

  async function waitForEnd(runId: string): Promise<RunRow> {
    return waitFor(async () => {
      const r = await runRow(client, runId);
      return r.status === 'succeeded' || r.status === 'failed' ? r : undefined;
    }, `run ${runId} to end`);
  }

  async function linkCount(connector: string): Promise<number> {
    const { rows } = await client.query<{ n: number }>(
      `select count(*)::int as n from source_link l join connector c on c.id = l.connector_id
        join person_record r on r.id = l.target_id where c.name = $1`,
      [connector],
    );
    return rows[0]!.n;
  }

  it('a REST source failing from page K: retried, then failed with the reason; healed, the same run resumes', async () => {
    await createConnector(orm.em.fork(), KEY, {
      name: 'portal',
      title: '网格门户',
      sourceType: 'rest',
      config: {
        url: `${base}/people`,
        recordsPath: 'items',
        pagination: { type: 'page', size: PAGE },
        primaryKey: ['id'],
        streamName: 'people',
        retry: { attempts: 2, baseMs: 10 },
      },
      streams: [{ stream: 'people', chunkSize: PAGE, mapping: MAPPING }],
    });
    const total = restRows().length;
    const { run } = await queueRun(orm.em.fork(), 'portal', 'manual');
    const fast = { ...SYNC_JOB_OPTIONS, backoff: { type: 'fixed', delay: 100 } };
    await registry.add('sync', 'run-connector', { runId: run.id }, { ...fast, jobId: `run-${run.id}-a` });
    const failed = await waitForEnd(run.id);

    expect(failed.status).toBe('failed');
    expect(failed.error_code).toBe('TRANSIENT_SERVER_ERROR');
    expect(failed.error).toMatch(/HTTP 500/);
    // Every attempt the queue made (SYNC_JOB_OPTIONS.attempts) tried page K as often as the source retries.
    expect(pageRequests.get(FAIL_FROM)).toBe(SYNC_JOB_OPTIONS.attempts! * 2);
    const job = await registry.queue('sync').getJob(`run-${run.id}-a`);
    expect(job?.attemptsMade).toBe(SYNC_JOB_OPTIONS.attempts);
    // The chunks committed before the failure stay, with their counts.
    expect(failed.read).toBeGreaterThanOrEqual((FAIL_FROM - 2) * PAGE);
    expect(failed.read).toBeLessThan((FAIL_FROM - 1) * PAGE);
    expect(accounted(failed)).toBe(failed.read);
    expect(failed.inserted).toBe(failed.read);
    expect(await linkCount('portal')).toBe(failed.read);
    const firstId = restRows()[0]!.idNumber;
    const { rows: present } = await client.query('select 1 from person where id_number = $1', [firstId]);
    expect(present).toHaveLength(1);

    broken = false;
    const again = await queueRun(orm.em.fork(), 'portal', 'manual');
    expect(again.resumed).toBe(true);
    expect(again.run.id).toBe(run.id);
    await registry.add('sync', 'run-connector', { runId: run.id }, { ...fast, jobId: `run-${run.id}-b` });
    const done = await waitForEnd(run.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      read: total,
      inserted: total,
      error: null,
      error_code: null,
    });
    expect(accounted(done)).toBe(total);
    expect(await linkCount('portal')).toBe(total);
    const { rows } = await client.query<{ n: number; distinct: number }>(
      `select count(*)::int as n, count(distinct id_number)::int as distinct from person where id_number = any($1)`,
      [restRows().map((r) => r.idNumber)],
    );
    expect(rows[0]).toEqual({ n: total, distinct: total });
  });

  /** A source table in the scratch database: the rows, keyed by id, with an updated_at cursor. */
  async function sourceTable(table: string, rows: Array<Record<string, string | number | null>>) {
    const columns = Object.keys(rows[0]!).filter((c) => c !== 'id');
    await client.query(
      `create table ${table} ("id" integer primary key, "updated_at" timestamptz not null,
        ${columns.map((c) => `"${c}" text`).join(', ')})`,
    );
    await insertRows(table, rows);
  }

  async function insertRows(table: string, rows: Array<Record<string, string | number | null>>) {
    await client.query(
      `insert into ${table} select * from json_populate_recordset(null::${table}, $1::json)`,
      [JSON.stringify(rows.map((r) => ({ ...r, updated_at: r.updated_at ?? stampOf(Number(r.id)) })))],
    );
  }

  /** Many rows share a timestamp, as real updated_at columns do. */
  const stampOf = (id: number) => new Date(Date.UTC(2026, 0, 1, 0, id % 40)).toISOString();

  function sqlConnector(name: string, table: string, over: Record<string, unknown> = {}) {
    return {
      name,
      title: name,
      sourceType: 'sql',
      config: {
        dialect: 'postgres',
        url: miscUrl,
        query: `select * from ${table}`,
        primaryKey: ['id'],
        cursorField: 'updated_at',
        batchSize: 100,
        streamName: 'people',
        retry: { attempts: 1, baseMs: 0 },
      },
      streams: [{ stream: 'people', chunkSize: 100, mapping: MAPPING, ...over }],
    };
  }

  it('a SQL source whose connection the server terminates mid-read: transient, then resumed', async () => {
    const rows = registeredRows(400, 1000);
    await sourceTable('src_people', rows);
    await createConnector(orm.em.fork(), KEY, sqlConnector('gongan-sql', 'src_people'));
    const { run } = await queueRun(orm.em.fork(), 'gongan-sql', 'manual');

    let terminated = 0;
    const killSource = async () => {
      const where = `from pg_stat_activity where datname = $1 and application_name = 'gridhub-connector'`;
      const { rowCount } = await client.query(`select pg_terminate_backend(pid) ${where}`, [MISC_DB]);
      terminated += rowCount ?? 0;
      await waitFor(
        async () => ((await client.query(`select 1 ${where}`, [MISC_DB])).rowCount === 0 ? true : undefined),
        'the source backend to end',
      );
    };
    let progressCalls = 0;
    // The queue's job as the processor sees it; the first progress report (a committed chunk) kills the source.
    const job = (attemptsMade: number) =>
      ({
        name: 'run-connector',
        id: `run-${run.id}`,
        data: { runId: run.id },
        attemptsMade,
        opts: SYNC_JOB_OPTIONS,
        updateProgress: async () => {
          if (progressCalls++ === 0) await killSource();
        },
      }) as unknown as Job;

    await expect(PROCESSORS.sync(job(0), deps())).rejects.toMatchObject({
      kind: 'transient',
      code: 'CONNECTION_LOST',
    });
    expect(terminated).toBe(1);
    // The chunks committed before the read failed stay (the engine reads ahead while a chunk commits).
    const interrupted = await runRow(client, run.id);
    expect(interrupted.status).toBe('running');
    expect(interrupted.read % 100).toBe(0);
    expect(interrupted.read).toBeGreaterThan(0);
    expect(interrupted.read).toBeLessThan(rows.length);
    expect(interrupted.inserted).toBe(interrupted.read);
    expect(await linkCount('gongan-sql')).toBe(interrupted.read);

    const result = await PROCESSORS.sync(job(1), deps());
    expect(result).toMatchObject({ read: rows.length, inserted: rows.length, unchanged: 0 });
    const done = await runRow(client, run.id);
    expect(done).toMatchObject({ status: 'succeeded', read: rows.length, inserted: rows.length });
    expect(await linkCount('gongan-sql')).toBe(rows.length);
  });

  it('incremental runs read only from the last cursor on; a cursor in the future reads nothing', async () => {
    const rows = registeredRows(1400, 1000);
    await sourceTable('src_incr', rows);
    await createConnector(
      orm.em.fork(),
      KEY,
      sqlConnector('gongan-incr', 'src_incr', {
        mode: 'incremental',
        cursorField: 'updated_at',
        chunkSize: 150,
      }),
    );
    const sync = async () => {
      const { run } = await queueRun(orm.em.fork(), 'gongan-incr', 'manual');
      const counters = await executeRun(orm.em.fork(), KEY, run.id);
      return { id: run.id, ...counters };
    };
    const state = async () => {
      const [row] = await runSql<{ state: { cursor?: string } }>(
        orm.em.fork(),
        `select s.state from connector_state s join connector c on c.id = s.connector_id where c.name = 'gongan-incr'`,
      );
      return row!.state;
    };

    const first = await sync();
    expect(first).toMatchObject({ read: 1000, inserted: 1000 });
    const cursor = (await state()).cursor!;
    const { rows: maxRows } = await client.query<{ max: string }>(
      `select to_char(max(updated_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as max from src_incr`,
    );
    expect(new Date(cursor).getTime()).toBe(new Date(maxRows[0]!.max).getTime());

    // 30 rows change after the cursor, 20 new ones arrive; everything else stays behind the cursor.
    const later = (minutes: number) => new Date(new Date(cursor).getTime() + minutes * 60_000).toISOString();
    await client.query(
      `update src_incr set updated_at = $1, "currentAddress" = "currentAddress" || '附1号' where id <= 1430`,
      [later(60)],
    );
    await insertRows(
      'src_incr',
      registeredRows(2400, 20).map((r) => ({ ...r, updated_at: later(120) })),
    );
    const second = await sync();
    expect(second).toMatchObject({ read: 50, updated: 30, inserted: 20, unchanged: 0 });
    const { rows: readBehind } = await client.query<{ behind: number; read: number }>(
      `select count(*) filter (where s.updated_at < $2)::int as behind, count(*)::int as read
         from source_link l join src_incr s on s.id::text = l.source_key where l.last_run_id = $1`,
      [second.id, cursor],
    );
    expect(readBehind[0]).toEqual({ behind: 0, read: 50 });
    expect(new Date((await state()).cursor!).toISOString()).toBe(later(120));

    await client.query(
      `update connector_state set state = '{"cursor": "2999-01-01T00:00:00Z"}'
        where connector_id = (select id from connector where name = 'gongan-incr')`,
    );
    const third = await sync();
    expect(third).toMatchObject({ read: 0, inserted: 0, updated: 0, unchanged: 0, quarantined: 0 });
    expect(await runRow(client, third.id)).toMatchObject({ status: 'succeeded', read: 0 });
  });
});
