import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import pino from 'pino';
import { initORM, migrate } from '../../schema/db/orm';
import { dropDatabase, recreateDatabase } from '../support/services';
import { type GatewayResults, renderGateway, runGatewayBench } from './gateway.bench';
import { fmt, type Machine, machine, median } from './harness';
import { qpsOf, type RegionTreeResults, renderRegionTree, runRegionTreeBench } from './region-tree.bench';
import { syntheticProvince } from './synthetic-tree';

/**
 * `npm run bench`: the foundation benchmarks, each against a reference measured in the same run, written
 * to tests/bench/RESULTS.md (rewritten every run). Uses its own database, `gridhub_bench`, dropped and
 * created at the start and dropped at the end. Never part of `npm test`.
 */

const DATABASE = 'gridhub_bench';
// Read from the sources, not from dist/, whichever way the script is started.
const RESULTS = path.join(__dirname.replace(`${path.sep}dist${path.sep}`, path.sep), 'RESULTS.md');

function cteVerdict(township: number, county: number): string {
  const both = `${fmt(township, 2)}× and ${fmt(county, 2)}× of it`;
  if (township < 1 && county < 1) {
    return `the recursive CTE over parent_code is slower at both scales (${both}), so the materialised path earns its upkeep on reads.`;
  }
  if (township >= 1 && county >= 1) {
    return `the recursive CTE over parent_code is as fast or faster at both scales (${both}), so on reads of this shape the materialised path does not pay for itself.`;
  }
  return `the recursive CTE over parent_code reaches ${both} (township, county): neither design wins at both scales.`;
}

/** One paragraph reading the figures of this run (generated, so that it always matches the tables). */
function reading(r: RegionTreeResults, g: GatewayResults): string {
  const rowsPerS = (runs: number[]) => r.rows / (median(runs) / 1000);
  const copy = rowsPerS(r.load.copy);
  const tree = rowsPerS(r.load.tree);
  const t = r.scopes[0]!;
  const c = r.scopes[1]!;
  const x = (a: number, b: number) => `${fmt(a / b, 2)}×`;
  const gql = median(g.graphql.map((v) => v.rps));
  const raw = median(g.pg.map((v) => v.rps));
  const badPlans = r.explains.filter((e) => !e.usesIndex).map((e) => e.title);
  return [
    `\`loadRegionTree\` loads the ${fmt(r.rows)}-unit tree at ${fmt(tree)} rows/s, ${x(tree, copy)} the ${fmt(copy)} rows/s`,
    'of a raw COPY into a table with the same indexes and foreign key, and a re-sync in which nothing changed',
    `takes ${fmt(median(r.load.resync) / 1000, 2)} s (${fmt(rowsPerS(r.load.resync))} rows/s compared).`,
    `For "all grids under a township" (${t.gridsPerQuery} rows) the raw prefix predicate answers ${fmt(qpsOf(t, 'raw'))} queries/s`,
    `and for a county (${c.gridsPerQuery} rows) ${fmt(qpsOf(c, 'raw'))}; ${cteVerdict(qpsOf(t, 'cte') / qpsOf(t, 'raw'), qpsOf(c, 'cte') / qpsOf(c, 'raw'))}`,
    `The ORM path reaches ${x(qpsOf(t, 'orm'), qpsOf(t, 'raw'))} (township) and ${x(qpsOf(c, 'orm'), qpsOf(c, 'raw'))} (county) of the raw predicate.`,
    `It sends two statements (it looks up the parent's path first); the same two sent raw reach ${x(qpsOf(t, 'raw2'), qpsOf(t, 'raw'))}`,
    `and ${x(qpsOf(c, 'raw2'), qpsOf(c, 'raw'))}, and sent through MikroORM's own connection without building entities`,
    `${x(qpsOf(t, 'ormSql'), qpsOf(t, 'raw2'))} and ${x(qpsOf(c, 'ormSql'), qpsOf(c, 'raw2'))} of raw, while the ORM path reaches ${x(qpsOf(t, 'orm'), qpsOf(t, 'raw2'))} and`,
    `${x(qpsOf(c, 'orm'), qpsOf(c, 'raw2'))} of raw${
      qpsOf(t, 'ormSql') / qpsOf(t, 'raw2') > 1.05
        ? " (the ORM's connection beats raw `pg` here because MikroORM inlines the parameters and sends a simple query, which costs less than `pg`'s parameterised extended protocol)"
        : ''
    }:`,
    qpsOf(t, 'orm') / qpsOf(t, 'ormSql') < 0.5
      ? "so the driver path costs little and most of the ORM path's cost is MikroORM's entity layer (fork, query building, hydration into the identity map)."
      : "so MikroORM's entity layer is not where most of the time goes.",
    badPlans.length
      ? `EXPLAIN shows a plan **without** its expected index: ${badPlans.join('; ')}.`
      : `EXPLAIN shows all ${r.explains.length} plans using their index (the prefix index for the predicate${r.explains.length > 2 ? ', the statement MikroORM sends included' : ''}; the parent_code index for the CTE).`,
    `Over HTTP the gateway serves ${fmt(gql)} req/s (p50 ${fmt(median(g.graphql.map((v) => v.p50)), 1)} ms,`,
    `p99 ${fmt(median(g.graphql.map((v) => v.p99)), 1)} ms) against ${fmt(raw)} req/s for the same three statements over raw`,
    `\`pg\` at the same concurrency, ${x(gql, raw)} the reference. The database work is the same, so the gap is the`,
    "per-request cost of HTTP, Express and pino-http, Apollo's parse/validate/execute, type-graphql, the",
    'loaders and MikroORM, all on one Node thread that shares the cores with PostgreSQL and the load generator;',
    'compare the ratios across machines rather than the absolute rates.',
  ]
    .filter(Boolean)
    .join('\n');
}

function render(
  m: Machine,
  pgVersion: string,
  started: Date,
  seconds: number,
  load: number[],
  r: RegionTreeResults,
  g: GatewayResults,
) {
  return [
    '# Foundation benchmarks',
    '',
    'Written by `npm run bench` (`tests/bench/run.ts`); rewritten on every run — do not edit by hand.',
    'Every figure is a median of several runs and is compared with a reference measured in the same run.',
    '',
    '| | |',
    '| --- | --- |',
    `| date | ${started.toISOString()} |`,
    `| machine | ${m.nproc} CPUs (nproc), ${m.cpu}, ${m.memoryGiB} GiB, ${m.os} |`,
    `| Node | ${m.node} |`,
    `| PostgreSQL | ${pgVersion} (database \`${DATABASE}\`, recreated by the run) |`,
    `| commit | ${m.commit} |`,
    `| whole run | ${fmt(seconds, 0)} s |`,
    `| load average (1 min) | ${load.map((l) => fmt(l, 2)).join(' at the start, ')} at the end (other work on the machine skews absolute figures; the interleaved ratios less so) |`,
    '',
    '## Reading',
    '',
    reading(r, g),
    '',
    renderRegionTree(r),
    '',
    renderGateway(g),
    '',
  ].join('\n');
}

async function main() {
  const started = new Date();
  const loadAtStart = os.loadavg()[0]!;
  const t0 = performance.now();
  const url = await recreateDatabase(DATABASE);
  console.log(`bench database ${DATABASE} recreated`);

  // MikroORM's query log, captured only while the benchmark asks for it (to EXPLAIN the ORM's own SQL).
  const ormLog: string[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void ormLog.push(String(JSON.parse(line).msg ?? '')) },
  );
  const orm = await initORM({ url, poolMax: 4, statementTimeoutMs: 120_000, logger });
  const pg = new Client({ connectionString: url });
  let regionTree: RegionTreeResults;
  let pgVersion: string;
  const tree = syntheticProvince();
  try {
    await migrate(orm);
    await pg.connect();
    pgVersion = (await pg.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
    console.log('benchmark 1: region tree');
    regionTree = await runRegionTreeBench(orm, pg, tree, ormLog);
  } finally {
    await pg.end().catch(() => undefined);
    await orm.close();
  }

  console.log('benchmark 2: GraphQL gateway');
  const gateway = await runGatewayBench(url, tree.townships);
  await dropDatabase(DATABASE);

  const seconds = (performance.now() - t0) / 1000;
  const markdown = render(
    machine(),
    pgVersion,
    started,
    seconds,
    [loadAtStart, os.loadavg()[0]!],
    regionTree,
    gateway,
  );
  writeFileSync(RESULTS, markdown);
  console.log(
    `\n${reading(regionTree, gateway)}\n\nwritten ${path.relative(process.cwd(), RESULTS)} (${fmt(seconds)} s)`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
