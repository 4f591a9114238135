import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { Client, Pool } from 'pg';
import { initORM, migrate } from '../../schema/db/orm';
import { loadDemoCounty } from '../../schema/demo/load';
import { demoCountyRegions } from '../../schema/regions/demo-county';
import { loadRegionTree } from '../../schema/regions/region.service';
import { dropDatabase, recreateDatabase } from '../support/services';
import { benchKeys } from './bench-keys';
import { type CpuProfile, type ProfileSummary, summariseProfile } from './cpu-profile';
import { fmt, type Machine, machine, percentile, table } from './harness';
import { type LoadResult, type LoadTarget, runPartnerLoad } from './partner-loadgen';
import {
  type ClearDispute,
  type ClearOrganization,
  type ClearPerson,
  canonicalDisputes,
  canonicalGateway,
  canonicalOrganization,
  canonicalPeople,
  canonicalPostgraphile,
  type Engine,
  GATEWAY_DOCUMENTS,
  inputsOf,
  keyHeaders,
  PARTNER_QUERIES,
  type PartnerInputs,
  type PartnerQuery,
  POSTGRAPHILE_DOCUMENTS,
  QUERY_TITLES,
  requestBody,
} from './partner-queries';
import { MINIMAL_SQL, type SqlVariant, sqlPath } from './partner-reference';
import {
  machineCpuMs,
  processCpuMs,
  type ServerProcess,
  startGatewayProcess,
  startPostgraphileProcess,
} from './servers';

/**
 * Benchmark "partner": the three typical partner queries of issue 3 on the full synthetic demo county,
 * served side by side by the gridhub gateway, by hand-written SQL over `pg` (the ceiling), and by
 * PostGraphile v4 over the same tables. Each server runs as its own process; the load generator is a worker
 * thread of this process. Every path's answer is checked equal to the others before anything is timed.
 */

export const PARTNER_DATABASE = 'gridhub_bench_partner';
const CONCURRENCY = 10;
const POOL_MAX = 10;
const WARMUP_MS = 2_000;
const DURATION_MS = 10_000;
/** The extra variant (the gateway's own statements sent directly) is an explanation, not a contender. */
const EXTRA_DURATION_MS = 5_000;
const PROFILE_WARMUP_MS = 1_000;
const PROFILE_MS = 3_000;
const GOAL_P99_MS = 50;

export type PathName = 'gateway' | 'postgraphile' | 'sql' | 'sql-gateway';

const PATH_LABELS: Record<PathName, string> = {
  gateway: 'gridhub gateway (Apollo + type-graphql + MikroORM)',
  postgraphile: 'PostGraphile v4',
  sql: 'hand-written SQL over `pg` (ceiling)',
  'sql-gateway': "the gateway's own statements over `pg`",
};

export interface PartnerRun {
  query: PartnerQuery;
  path: PathName;
  seconds: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  firstError?: string;
  /** CPU of the serving Node process per request (ms); NaN for the SQL paths (no server). */
  serverCpuMs: number;
  /** CPU of the database's client backends per request (ms). */
  pgCpuMs: number;
  /** CPU of the benchmark process per request (ms): the load generator's worker (and, for SQL, the client work). */
  clientCpuMs: number;
  /** Share of the machine's CPU time that was busy during the measured part (all processes). */
  machineBusy: number;
}

export interface PartnerResults {
  started: Date;
  seconds: number;
  load: [number, number];
  machine: Machine;
  pgVersion: string;
  postgraphileVersion: string;
  setupSeconds: number;
  rows: Record<string, number>;
  inputs: PartnerInputs & { organizationsWithEvents: number; organizations: number };
  checked: Record<PartnerQuery, { inputs: number; nodes: number }>;
  runs: PartnerRun[];
  profile: Partial<Record<PartnerQuery, ProfileSummary>>;
  profileError?: string;
}

// ---- Setup ---------------------------------------------------------------------------------------------

/** The gateway's caller: an administrator, who reads every row and every personal field in the clear. */
const ADMIN = 'bench-admin';

/** The demo county in a fresh database (`database`), analysed. */
export async function setUp(
  database = PARTNER_DATABASE,
): Promise<{ url: string; rows: Record<string, number> }> {
  const url = await recreateDatabase(database);
  const orm = await initORM({ url, poolMax: 2, statementTimeoutMs: 600_000 });
  try {
    await migrate(orm);
    await loadRegionTree(orm.em.fork(), demoCountyRegions());
    const loaded = await loadDemoCounty(orm.em.fork(), { scale: 1 });
    await orm.em.getConnection().execute('analyze');
    return { url, rows: loaded.rows };
  } finally {
    await orm.close();
  }
}

export async function chooseInputs(
  pg: Client,
): Promise<PartnerInputs & { organizationsWithEvents: number; organizations: number }> {
  const grids = (
    await pg.query<{ code: string }>(
      'select region_code as code from person group by region_code order by region_code',
    )
  ).rows.map((r) => r.code);
  // "The last 90 days" of the data: the demo county describes a year up to its asOf day.
  const latest = (await pg.query<{ at: Date }>('select max(occurred_at) as at from event')).rows[0]!.at;
  const day = Date.UTC(latest.getUTCFullYear(), latest.getUTCMonth(), latest.getUTCDate());
  const since = new Date(day - 90 * 86_400_000).toISOString();
  const townships = (
    await pg.query<{ code: string; path: string }>(
      `select r.code, r.path from region r
        where r.level = 'township' and exists (
          select 1 from event e where e.kind = 'dispute' and e.occurred_at >= $1 and e.region_path like r.path || '%')
        order by r.code`,
      [since],
    )
  ).rows;
  const organizations = (
    await pg.query<{ code: string; has_events: boolean }>(
      `select o.credit_code as code, exists (select 1 from event_party p where p.organization_id = o.id) as has_events
         from organization o where o.credit_code is not null order by o.id`,
    )
  ).rows;
  const withEvents = organizations.filter((o) => o.has_events);
  return {
    grids,
    townships,
    since,
    // Organisations that are parties to events, when the data has any; otherwise every one.
    creditCodes: (withEvents.length ? withEvents : organizations).map((o) => o.code),
    organizationsWithEvents: withEvents.length,
    organizations: organizations.length,
  };
}

// ---- Answers from each path, and the check that they agree ---------------------------------------------

/** One GraphQL request; `key` is the caller's API key (the gateway's callers need one). */
export async function graphql(url: string, body: string, key?: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? keyHeaders(key) : {}) },
    body,
  });
  const json = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown };
  if (res.status !== 200 || json.errors || !json.data) {
    throw new Error(`HTTP ${res.status}: ${JSON.stringify(json).slice(0, 500)}`);
  }
  return json.data;
}

function canonicalSql(query: PartnerQuery, data: Record<string, unknown>): unknown {
  if (query === 'people') {
    return canonicalPeople((data.people as { nodes: ClearPerson[] }).nodes);
  }
  if (query === 'disputes') {
    const c = data.events as { totalCount: number; nodes: ClearDispute[] };
    return canonicalDisputes(c.totalCount, c.nodes);
  }
  return canonicalOrganization(data.organization as ClearOrganization | null);
}

export function sizeOf(query: PartnerQuery, canonical: unknown): number {
  if (query === 'people') return (canonical as unknown[]).length;
  if (query === 'disputes') return (canonical as { nodes: unknown[] }).nodes.length;
  return canonical ? 1 : 0;
}

/** A few inputs spread over the rotation (all of them when there are few). */
export function samplesOf<T>(inputs: T[], n = 10): T[] {
  if (inputs.length <= n) return inputs;
  return Array.from({ length: n }, (_, i) => inputs[Math.floor((i * (inputs.length - 1)) / (n - 1))]!);
}

async function verify(
  gateway: ServerProcess,
  key: string,
  postgraphile: ServerProcess,
  pool: Pool,
  inputs: PartnerInputs,
): Promise<PartnerResults['checked']> {
  const checked = {} as PartnerResults['checked'];
  for (const query of PARTNER_QUERIES) {
    const samples = samplesOf(inputsOf(query, inputs));
    let nodes = 0;
    for (const input of samples) {
      const answers: Array<[string, unknown]> = [
        [
          'gateway',
          canonicalGateway(query, await graphql(gateway.url, requestBody('gateway', query, input), key)),
        ],
        [
          'PostGraphile',
          canonicalPostgraphile(
            query,
            await graphql(postgraphile.url, requestBody('postgraphile', query, input)),
          ),
        ],
        ...(await Promise.all(
          (['minimal', 'gateway'] as SqlVariant[]).map(
            async (v) =>
              [
                `SQL (${v})`,
                canonicalSql(query, (await sqlPath(query, v)(pool, input)) as Record<string, unknown>),
              ] as [string, unknown],
          ),
        )),
      ];
      const [, reference] = answers[0]!;
      for (const [name, answer] of answers.slice(1)) {
        if (!isDeepStrictEqual(answer, reference)) {
          throw new Error(
            `${query} for ${JSON.stringify(input)}: ${name} disagrees with the gateway\n` +
              `gateway: ${JSON.stringify(reference).slice(0, 800)}\n${name}: ${JSON.stringify(answer).slice(0, 800)}`,
          );
        }
      }
      const size = sizeOf(query, reference);
      if (query !== 'organization' && size === 0) {
        throw new Error(`${query} for ${JSON.stringify(input)} is empty: choose inputs with an answer`);
      }
      nodes += size;
    }
    checked[query] = { inputs: samples.length, nodes };
  }
  return checked;
}

// ---- Measuring ---------------------------------------------------------------------------------------

/**
 * CPU counters of the servers under test: the Node process, and the database's client backends. Backends
 * are counted per process: those open at the start (the pools under test, warmed up) from their CPU then,
 * those opened during the measured part from zero; idle connections of other pools that close meanwhile
 * are left out (their last figure is unknown, and they did no work).
 */
export class CpuMeter {
  private backends = new Map<number, number>();
  private start = { server: 0, client: process.cpuUsage(), machine: { busy: 0, total: 0 } };

  constructor(
    private readonly pg: Client,
    private readonly serverPid: number | null,
  ) {}

  private async backendPids(): Promise<number[]> {
    const { rows } = await this.pg.query<{ pid: number }>(
      `select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()
          and backend_type = 'client backend'`,
    );
    return rows.map((r) => r.pid);
  }

  /** Called when the warm-up ends: the pools are open, so their backends are known. */
  async begin(): Promise<void> {
    const server = this.serverPid ? processCpuMs(this.serverPid) : Number.NaN;
    const machineAt = machineCpuMs();
    this.start = { server, client: process.cpuUsage(), machine: machineAt };
    for (const pid of await this.backendPids()) this.backends.set(pid, processCpuMs(pid));
  }

  /** CPU time spent since `begin` (ms), and the share of the machine's CPU that was busy. */
  async end(): Promise<{ serverMs: number; pgMs: number; clientMs: number; machineBusy: number }> {
    const server = this.serverPid ? processCpuMs(this.serverPid) : Number.NaN;
    const client = process.cpuUsage(this.start.client);
    const m = machineCpuMs();
    let pgMs = 0;
    for (const pid of new Set([...this.backends.keys(), ...(await this.backendPids())])) {
      const now = processCpuMs(pid);
      if (!Number.isNaN(now)) pgMs += now - (this.backends.get(pid) ?? 0);
    }
    return {
      serverMs: server - this.start.server,
      pgMs,
      clientMs: (client.user + client.system) / 1000,
      machineBusy: (m.busy - this.start.machine.busy) / (m.total - this.start.machine.total),
    };
  }
}

async function measure(
  query: PartnerQuery,
  pathName: PathName,
  target: LoadTarget,
  server: ServerProcess | null,
  pg: Client,
  durationMs: number,
): Promise<PartnerRun> {
  const meter = new CpuMeter(pg, server?.pid ?? null);
  let cpu: Awaited<ReturnType<CpuMeter['end']>> | undefined;
  const r: LoadResult = await runPartnerLoad(
    { target, concurrency: CONCURRENCY, warmupMs: WARMUP_MS, durationMs },
    async (phase) => {
      if (phase === 'measuring') await meter.begin();
      else cpu = await meter.end();
    },
  );
  const run: PartnerRun = {
    query,
    path: pathName,
    seconds: r.elapsedMs / 1000,
    requests: r.requests,
    rps: r.requests / (r.elapsedMs / 1000),
    p50: percentile(r.latenciesMs, 50),
    p99: percentile(r.latenciesMs, 99),
    errors: r.errors,
    firstError: r.firstError,
    serverCpuMs: cpu!.serverMs / r.requests,
    pgCpuMs: cpu!.pgMs / r.requests,
    clientCpuMs: cpu!.clientMs / r.requests,
    machineBusy: cpu!.machineBusy,
  };
  console.log(
    `  ${query.padEnd(12)} ${pathName.padEnd(12)} ${fmt(run.rps).padStart(6)} req/s  p50 ${fmt(run.p50, 1)} ms  p99 ${fmt(run.p99, 1)} ms${run.errors ? `  ${run.errors} errors: ${run.firstError}` : ''}`,
  );
  return run;
}

/** `key`: the API key sent with every request (the gateway's; PostGraphile takes none). */
export function httpTarget(
  server: ServerProcess,
  engine: Engine,
  query: PartnerQuery,
  inputs: PartnerInputs,
  key?: string,
) {
  return {
    kind: 'http' as const,
    url: `${server.url}/graphql`,
    bodies: inputsOf(query, inputs).map((input) => requestBody(engine, query, input)),
    headers: key ? keyHeaders(key) : undefined,
  };
}

/** A second gateway under `--cpu-prof`, driven by each query in turn; its samples are cut per query. */
async function profileGateway(
  url: string,
  inputs: PartnerInputs,
  key: string,
): Promise<Partial<Record<PartnerQuery, ProfileSummary>>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-bench-prof-'));
  try {
    const gateway = await startGatewayProcess({
      databaseUrl: url,
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    });
    const windows: Array<[PartnerQuery, number, number]> = [];
    try {
      for (const query of PARTNER_QUERIES) {
        let from = 0;
        await runPartnerLoad(
          {
            target: httpTarget(gateway, 'gateway', query, inputs, key),
            concurrency: CONCURRENCY,
            warmupMs: PROFILE_WARMUP_MS,
            durationMs: PROFILE_MS,
          },
          (phase) => {
            if (phase === 'measuring') from = Number(process.hrtime.bigint() / 1000n);
            else windows.push([query, from, Number(process.hrtime.bigint() / 1000n)]);
          },
        );
      }
    } finally {
      await gateway.stop();
    }
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('the profiled gateway wrote no .cpuprofile');
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    return Object.fromEntries(windows.map(([q, from, to]) => [q, summariseProfile(profile, from, to)]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runPartnerBench(): Promise<PartnerResults> {
  const started = new Date();
  const loadAtStart = os.loadavg()[0]!;
  const t0 = performance.now();
  console.log(`  loading the demo county into ${PARTNER_DATABASE}…`);
  const { url, rows } = await setUp();
  const { [ADMIN]: key } = await benchKeys(url, [{ name: ADMIN, role: 'admin' }]);
  const setupSeconds = (performance.now() - t0) / 1000;
  console.log(`  loaded in ${fmt(setupSeconds, 1)} s`);

  const pg = new Client({ connectionString: url });
  await pg.connect();
  const pool = new Pool({ connectionString: url, max: 4 });
  let gateway: ServerProcess | null = null;
  let postgraphile: ServerProcess | null = null;
  try {
    const pgVersion = (await pg.query<{ server_version: string }>('show server_version')).rows[0]!
      .server_version;
    const inputs = await chooseInputs(pg);
    [gateway, postgraphile] = await Promise.all([
      startGatewayProcess({ databaseUrl: url }),
      startPostgraphileProcess(url, POOL_MAX),
    ]);
    const checked = await verify(gateway, key!, postgraphile, pool, inputs);
    console.log('  every path gives the same answers; timing…');

    const runs: PartnerRun[] = [];
    for (const query of PARTNER_QUERIES) {
      const sql = (variant: SqlVariant) => ({
        kind: 'sql' as const,
        databaseUrl: url,
        query,
        variant,
        inputs: inputsOf(query, inputs),
      });
      runs.push(
        await measure(
          query,
          'gateway',
          httpTarget(gateway, 'gateway', query, inputs, key),
          gateway,
          pg,
          DURATION_MS,
        ),
      );
      runs.push(await measure(query, 'sql', sql('minimal'), null, pg, DURATION_MS));
      runs.push(
        await measure(
          query,
          'postgraphile',
          httpTarget(postgraphile, 'postgraphile', query, inputs),
          postgraphile,
          pg,
          DURATION_MS,
        ),
      );
      runs.push(await measure(query, 'sql-gateway', sql('gateway'), null, pg, EXTRA_DURATION_MS));
    }
    await Promise.all([gateway.stop(), postgraphile.stop()]);
    gateway = postgraphile = null;

    console.log('  profiling the gateway…');
    let profile: PartnerResults['profile'] = {};
    let profileError: string | undefined;
    try {
      profile = await profileGateway(url, inputs, key!);
    } catch (error) {
      profileError = error instanceof Error ? error.message : String(error);
    }
    return {
      started,
      seconds: (performance.now() - t0) / 1000,
      load: [loadAtStart, os.loadavg()[0]!],
      machine: machine(),
      pgVersion,
      postgraphileVersion: postgraphileVersions(),
      setupSeconds,
      rows,
      inputs,
      checked,
      runs,
      profile,
      profileError,
    };
  } finally {
    await Promise.all([gateway?.stop(), postgraphile?.stop()]);
    await pool.end();
    await pg.end();
    await dropDatabase(PARTNER_DATABASE);
  }
}

function postgraphileVersions(): string {
  const version = (pkg: string, from?: string) => {
    try {
      const file = require.resolve(`${pkg}/package.json`, from ? { paths: [from] } : undefined);
      return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    } catch {
      return '?';
    }
  };
  const root = path.dirname(require.resolve('postgraphile/package.json'));
  return `postgraphile ${version('postgraphile')} (graphql ${version('graphql', root)}), postgraphile-plugin-connection-filter ${version('postgraphile-plugin-connection-filter')}`;
}

// ---- Report ------------------------------------------------------------------------------------------

function runOf(r: PartnerResults, query: PartnerQuery, p: PathName): PartnerRun {
  return r.runs.find((x) => x.query === query && x.path === p)!;
}

const x = (a: number, b: number) => `${fmt(a / b, 2)}×`;
const ms = (v: number) => fmt(v, 1);
const pct = (v: number) => `${fmt(v * 100, 0)} %`;

function goal(r: PartnerResults, query: PartnerQuery): { met: boolean; text: string } {
  const g = runOf(r, query, 'gateway');
  const pg = runOf(r, query, 'postgraphile');
  const fast = g.rps >= pg.rps;
  const quick = g.p99 < GOAL_P99_MS;
  const misses = [
    fast ? '' : `throughput ${x(g.rps, pg.rps)} PostGraphile's`,
    quick ? '' : `p99 ${ms(g.p99)} ms ≥ ${GOAL_P99_MS} ms`,
  ].filter(Boolean);
  return { met: fast && quick, text: misses.length ? `**not met** (${misses.join('; ')})` : '**met**' };
}

function topGroups(s: ProfileSummary | undefined, n: number): string {
  if (!s) return '—';
  return s.groups
    .slice(0, n)
    .map((g) => `${g.name} ${pct(g.share)}`)
    .join(', ');
}

/** `Class.method` for a frame name `method (path/Class.js:line)`. */
function shortFrame(name: string): string {
  const match = /^(.*) \((?:.*\/)?([^/:]+?)(?:\.js)?:\d+\)$/.exec(name);
  if (!match) return name;
  const [, fn, file] = match;
  return fn!.includes('.') || fn === '(anonymous)' ? `${fn} in ${file}` : `${file}.${fn}`;
}

/** One paragraph reading this run's figures (generated, so that it always matches the tables). */
export function partnerReading(r: PartnerResults): string {
  const lines: string[] = [];
  const run = (q: PartnerQuery, p: PathName) => runOf(r, q, p);
  const each = (f: (q: PartnerQuery) => string) => PARTNER_QUERIES.map(f).join(' / ');
  const met = PARTNER_QUERIES.filter((q) => goal(r, q).met).length;
  lines.push(
    `Goal (issue 3): at least PostGraphile's throughput and p99 under ${GOAL_P99_MS} ms on this ${r.machine.nproc}-core machine — ` +
      `met for ${met} of 3 queries.`,
  );
  for (const query of PARTNER_QUERIES) {
    const g = run(query, 'gateway');
    const pg = run(query, 'postgraphile');
    const sql = run(query, 'sql');
    lines.push(
      `${QUERY_TITLES[query].replace(/^(\d)\. /, 'Query $1 (')}): the gateway serves ${fmt(g.rps)} req/s ` +
        `(p50 ${ms(g.p50)} ms, p99 ${ms(g.p99)} ms), ${x(g.rps, pg.rps)} PostGraphile's ${fmt(pg.rps)} req/s ` +
        `(p99 ${ms(pg.p99)} ms) and ${x(g.rps, sql.rps)} the SQL ceiling's ${fmt(sql.rps)}; goal ${goal(r, query).text}.`,
    );
  }

  // Where the time goes: the gateway's own process first.
  lines.push(
    `Where the time goes (figures for queries 1 / 2 / 3): the gateway's Node process spends ` +
      `${each((q) => ms(run(q, 'gateway').serverCpuMs))} ms of CPU per request, ` +
      `${each((q) => x(run(q, 'gateway').serverCpuMs, run(q, 'postgraphile').serverCpuMs))} PostGraphile's ` +
      `(${each((q) => ms(run(q, 'postgraphile').serverCpuMs))} ms), and keeps ` +
      `${each((q) => fmt((run(q, 'gateway').rps * run(q, 'gateway').serverCpuMs) / 1000, 2))} of the ` +
      `${r.machine.nproc} cores busy by itself (the load generator ${each((q) => ms(run(q, 'gateway').clientCpuMs))} ms ` +
      `per request; the whole machine is ${each((q) => pct(run(q, 'gateway').machineBusy))} busy).`,
  );
  const queueing = PARTNER_QUERIES.map((q) => {
    const g = run(q, 'gateway');
    return { g, expected: CONCURRENCY * g.serverCpuMs };
  });
  if (queueing.every(({ g, expected }) => g.p50 / expected > 0.6 && g.p50 / expected < 1.4)) {
    lines.push(
      `Its latency is that CPU cost queued: with ${CONCURRENCY} requests in flight a request waits for the others, and the ` +
        `p50 is close to ${CONCURRENCY} × the CPU per request (${queueing.map(({ g, expected }) => `${ms(g.p50)} vs ${ms(expected)}`).join(' / ')} ms).`,
    );
  }
  lines.push(
    `PostgreSQL's backends spend ${each((q) => ms(run(q, 'gateway').pgCpuMs))} ms per gateway request against ` +
      `${each((q) => ms(run(q, 'postgraphile').pgCpuMs))} ms per PostGraphile request and ` +
      `${each((q) => ms(run(q, 'sql').pgCpuMs))} ms for the minimal SQL.`,
  );
  const direct = PARTNER_QUERIES.map((q) => run(q, 'sql-gateway'));
  const aboveSql = PARTNER_QUERIES.every((q) => run(q, 'gateway').rps / run(q, 'sql-gateway').rps < 0.5);
  lines.push(
    "Sending the gateway's own statements straight over `pg` (one per query: the selected columns with the nested " +
      'lists as JSON and the total counted in it, then, for personal data, the read-audit insert, one per request) reaches ' +
      `${direct.map((d) => fmt(d.rps)).join(' / ')} req/s (${each((q) => x(run(q, 'sql-gateway').rps, run(q, 'sql').rps))} ` +
      `the minimal SQL; PostgreSQL CPU ${each((q) => ms(run(q, 'sql-gateway').pgCpuMs))} ms per request), and the gateway reaches ` +
      `${each((q) => x(run(q, 'gateway').rps, run(q, 'sql-gateway').rps))} of that` +
      (aboveSql
        ? ': its statements cost more than the minimal ones, but most of the gap is above SQL, in the layers of one ' +
          'Node process (HTTP and Express, Apollo and graphql-js, type-graphql, MikroORM and knex, pg).'
        : '.'),
  );
  const prof = PARTNER_QUERIES.filter((q) => r.profile[q]);
  if (prof.length) {
    const first = prof[0]!;
    lines.push(
      `Its CPU profile (self time by package, ${fmt(PROFILE_MS / 1000, 0)} s per query) shows ` +
        prof.map((q) => `query ${PARTNER_QUERIES.indexOf(q) + 1}: ${topGroups(r.profile[q], 3)}`).join('; ') +
        `; on the stack most often for query ${PARTNER_QUERIES.indexOf(first) + 1}: ` +
        r.profile[first]!.inclusive.slice(0, 5)
          .map((f) => `${shortFrame(f.name)} ${pct(f.share)}`)
          .join(', ') +
        '.',
    );
  } else if (r.profileError) {
    lines.push(`The CPU profile could not be taken: ${r.profileError}.`);
  }
  if (r.inputs.organizationsWithEvents === 0) {
    lines.push(
      'The demo county links no organisation to an event (its loader leaves event_party.organization_id empty), so ' +
        'query 3 answers an empty `events` list on every path: it measures the lookup and an empty join.',
    );
  }
  lines.push(
    'The servers share the 2 cores with PostgreSQL and the load generator (and with whatever else runs on the machine: ' +
      'see the load average); compare ratios across machines rather than absolute rates.',
  );
  return lines.join('\n');
}

export function renderPartner(r: PartnerResults): string {
  const m = r.machine;
  const head = [
    '## Partner queries (issue 3)',
    '',
    `**Goal (issue 3): at least PostGraphile's throughput and p99 under ${GOAL_P99_MS} ms on this 2-core machine.**`,
    '',
    '| | |',
    '| --- | --- |',
    `| date | ${r.started.toISOString()} |`,
    `| machine | ${m.nproc} CPUs (nproc), ${m.cpu}, ${m.memoryGiB} GiB, ${m.os} |`,
    `| Node | ${m.node} |`,
    `| PostgreSQL | ${r.pgVersion} (database \`${PARTNER_DATABASE}\`, recreated by the run and dropped after it) |`,
    `| PostGraphile | ${r.postgraphileVersion} |`,
    `| commit | ${m.commit} |`,
    `| data | demo county at scale 1: ${fmt(r.rows.persons ?? 0)} people, ${fmt(r.rows.households ?? 0)} households, ${fmt(r.rows.personRecords ?? 0)} person records, ${fmt(r.rows.events ?? 0)} events, ${fmt(r.rows.eventParties ?? 0)} event parties, ${fmt(r.rows.organizations ?? 0)} organisations; created, migrated, loaded and analysed in ${fmt(r.setupSeconds, 0)} s |`,
    `| whole benchmark | ${fmt(r.seconds, 0)} s |`,
    `| load average (1 min) | ${fmt(r.load[0], 2)} at the start, ${fmt(r.load[1], 2)} at the end |`,
  ];
  const rows: string[][] = [];
  for (const query of PARTNER_QUERIES) {
    const pg = runOf(r, query, 'postgraphile');
    const sql = runOf(r, query, 'sql');
    for (const p of ['gateway', 'postgraphile', 'sql', 'sql-gateway'] as PathName[]) {
      const run = runOf(r, query, p);
      rows.push([
        p === 'gateway' ? `**${QUERY_TITLES[query]}**` : '',
        PATH_LABELS[p],
        fmt(run.rps),
        ms(run.p50),
        ms(run.p99),
        x(run.rps, pg.rps),
        x(run.rps, sql.rps),
        Number.isNaN(run.serverCpuMs) ? '—' : fmt(run.serverCpuMs, 2),
        fmt(run.pgCpuMs, 2),
        fmt(run.clientCpuMs, 2),
        pct(run.machineBusy),
        String(run.errors),
      ]);
    }
  }
  const results = table(
    [
      'query',
      'path',
      'req/s',
      'p50 ms',
      'p99 ms',
      'vs PostGraphile',
      'vs SQL',
      'Node CPU ms/req',
      'PG CPU ms/req',
      'load generator CPU ms/req',
      'machine CPU busy',
      'errors',
    ],
    rows,
  );
  const goals = table(
    ['query', 'gateway req/s', 'PostGraphile req/s', 'gateway p99 ms', 'goal'],
    PARTNER_QUERIES.map((q) => [
      QUERY_TITLES[q],
      fmt(runOf(r, q, 'gateway').rps),
      fmt(runOf(r, q, 'postgraphile').rps),
      ms(runOf(r, q, 'gateway').p99),
      goal(r, q).text,
    ]),
  );
  const errors = r.runs.filter((run) => run.firstError);
  const townships = r.inputs.townships.map((t) => t.code).join(', ');
  const method = [
    '### Method',
    '',
    `- Setup: \`recreateDatabase('${PARTNER_DATABASE}')\`, \`initORM\` + \`migrate\`, \`loadRegionTree(em, demoCountyRegions())\`, ` +
      '`loadDemoCounty(em, { scale: 1 })`, `analyze`; then a principal `bench-admin` with the role `admin` and its API key ' +
      '(`createPrincipal` + `issueKey`), the `admin` policy as seeded except its rate limit, raised to 1,000,000 a minute ' +
      '(`tests/bench/bench-keys.ts`; the limiter still runs on every request).',
    `- Each path: ${CONCURRENCY} concurrent users in a closed loop (each sends its next request when the last one answered) ` +
      `for ${fmt(DURATION_MS / 1000, 0)} s after a ${fmt(WARMUP_MS / 1000, 0)} s warm-up, from a worker thread of the benchmark process ` +
      '(`tests/bench/partner-loadgen.ts`, keep-alive HTTP). One run per path and query, in the order of the table; ' +
      `the fourth path runs ${fmt(EXTRA_DURATION_MS / 1000, 0)} s. p50/p99 are nearest-rank over every request of the measured part.`,
    `- The gateway is \`node dist/gateway/cli/hub.js gateway\` (gateway only, no workers) in its own process: ` +
      `LOG_LEVEL silent, GRIDHUB_DEMO false, Redis at 127.0.0.1:6379, queue prefix \`bench\`, its default pool of ${POOL_MAX}, ` +
      'the read audit on (its default); every request carries `Authorization: Bearer <the admin key>`. ' +
      'PostGraphile is `tests/bench/postgraphile-server.ts` in its own process: `postgraphile(pool, "public", { disableDefaultMutations, ' +
      'dynamicJson, ignoreRBAC: false, disableQueryLog, appendPlugins: [connection-filter] })` on a plain `http` server, ' +
      `pool of ${POOL_MAX}. The SQL paths run in the load generator's worker with a pool of ${CONCURRENCY} and serialise each answer to JSON.`,
    '- CPU per request: user + system time from `/proc` of the serving Node process and of the PostgreSQL backends ' +
      "connected to the bench database during the measured part, and of the benchmark process (the load generator's " +
      "worker; for the SQL paths it is also the client doing the work), divided by the requests; 'machine CPU busy' " +
      'is the share of all cores busy during the measured part (all processes on the machine, other users included).',
    `- Inputs, in rotation: query 1 over all ${r.inputs.grids.length} grids (every one has people); query 2 over the ` +
      `${r.inputs.townships.length} townships with disputes since ${r.inputs.since.slice(0, 10)} (${townships}) — 90 days before the ` +
      `day of the data's latest event; query 3 over ${fmt(r.inputs.creditCodes.length)} credit codes (${
        r.inputs.organizationsWithEvents
          ? `the ${fmt(r.inputs.organizationsWithEvents)} organisations that are event parties`
          : `every organisation with one; none of the ${fmt(r.inputs.organizations)} is an event party in the demo data`
      }).`,
    `- Before timing, every path answered ${PARTNER_QUERIES.map((q) => `${r.checked[q].inputs} inputs of query ${PARTNER_QUERIES.indexOf(q) + 1} (${r.checked[q].nodes} ${q === 'organization' ? 'organisations' : q === 'people' ? 'people' : 'events'})`).join(', ')} ` +
      'identically, personal fields in the clear on every path: the administrator reads ID numbers, names, addresses and ' +
      "the records' personal attributes unmasked, as PostGraphile and the SQL paths return them, so the comparison " +
      'covers the whole values (a masked comparison would miss a difference in the hidden digits). Everything else is ' +
      'compared as returned (household numbers, record kinds and attributes, codes, titles, instants, type codes, roles, counts).',
    '- Differences that remain by design: the gateway authenticates the key (verified keys are cached for 5 s), builds ' +
      "the caller's policy, counts the request against its rate limit in Redis, writes a read-audit row for every answer " +
      'holding personal data (queries 1 and 2), computes `age`, and looks the region up to choose between a grid equality and a path prefix; ' +
      'PostGraphile returns `birthDate` (age is computed by the comparison), filters the township with ' +
      "`regionPath: { startsWith: $path }` (connection-filter; the same `like 'path%'` predicate on the same index) and " +
      "the grid with `condition: { regionCode }` (the gateway's predicate for a grid), and reaches an organisation's events " +
      "through its party rows (the client removes duplicates and orders them). The SQL ceiling takes the township's path " +
      'as its input too, and selects only the columns asked for.',
  ];
  const queries = [
    '### The queries',
    '',
    ...PARTNER_QUERIES.flatMap((q) => [
      `#### ${QUERY_TITLES[q]}`,
      '',
      'Gateway:',
      '',
      '```graphql',
      GATEWAY_DOCUMENTS[q],
      '```',
      '',
      'PostGraphile:',
      '',
      '```graphql',
      POSTGRAPHILE_DOCUMENTS[q],
      '```',
      '',
      "SQL ceiling (the page, then the rest in parallel; query 2's count runs beside its page; query 3 is one statement):",
      '',
      '```sql',
      ...MINIMAL_SQL[q].map((s) => `${s.replace(/\s+/g, ' ')};`),
      '```',
      '',
    ]),
  ];
  const profiled = PARTNER_QUERIES.filter((q) => r.profile[q]);
  const profile = profiled.length
    ? [
        '### Where the gateway spends its CPU',
        '',
        `A second gateway process ran under \`node --cpu-prof\` after the timed runs, driven by each query for ` +
          `${fmt(PROFILE_MS / 1000, 0)} s (after ${fmt(PROFILE_WARMUP_MS / 1000, 0)} s of warm-up) at the same concurrency; ` +
          'the samples of each query are attributed to the package whose code was on top of the stack (self time), as a ' +
          'share of the busy (non-idle) samples.',
        '',
        table(
          ['', ...profiled.map((q) => `query ${PARTNER_QUERIES.indexOf(q) + 1}`)],
          [
            [
              'busy samples',
              ...profiled.map(
                (q) => `${fmt(r.profile[q]!.samples * r.profile[q]!.busy)} (${pct(r.profile[q]!.busy)})`,
              ),
            ],
            ...[
              ...new Set(profiled.flatMap((q) => r.profile[q]!.groups.slice(0, 10).map((g) => g.name))),
            ].map((name) => [
              name,
              ...profiled.map((q) => {
                const g = r.profile[q]!.groups.find((s) => s.name === name);
                return g ? pct(g.share) : '<';
              }),
            ]),
          ],
        ),
        '',
        "`<`: not among that query's top twelve. The functions most often on the stack (the application's and its " +
          "packages', not Node's; an async continuation starts a new stack, so this counts the synchronous work under " +
          'each function):',
        '',
        table(
          ['query', 'function (file:line)', 'on the stack'],
          profiled.flatMap((q) =>
            r.profile[q]!.inclusive.slice(0, 8).map((f, i) => [
              i === 0 ? String(PARTNER_QUERIES.indexOf(q) + 1) : '',
              `\`${f.name.replace(/`/g, "'")}\``,
              pct(f.share),
            ]),
          ),
        ),
        ...(profiled.some((q) => r.profile[q]!.wholeProfile)
          ? ['', 'The per-query windows held no samples; each column summarises the whole profile.']
          : []),
      ]
    : ['### Where the gateway spends its CPU', '', `No profile: ${r.profileError ?? 'not taken'}.`];
  return [
    ...head,
    '',
    '### Reading',
    '',
    partnerReading(r),
    '',
    '### Results',
    '',
    goals,
    '',
    results,
    ...(errors.length
      ? ['', ...errors.map((e) => `First error (${e.query}, ${e.path}): \`${e.firstError}\``)]
      : []),
    '',
    ...method,
    '',
    ...profile,
    '',
    ...queries,
  ]
    .join('\n')
    .trimEnd();
}
