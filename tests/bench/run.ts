import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import pino from 'pino';
import { initORM, migrate } from '../../schema/db/orm';
import { dropDatabase, recreateDatabase } from '../support/services';
import { accessReading, renderAccess, runAccessBench } from './access.bench';
import { certificatesReading, renderCertificates, runCertificatesBench } from './certificates.bench';
import { connectorsReading, renderConnectors, runConnectorsBench } from './connectors.bench';
import { eventsReading, renderEvents, runEventsBench } from './events.bench';
import { feesReading, renderFees, runFeesBench } from './fees.bench';
import { type GatewayResults, renderGateway, runGatewayBench } from './gateway.bench';
import { fmt, type Machine, machine, median } from './harness';
import { partnerReading, renderPartner, runPartnerBench } from './partner.bench';
import { qpsOf, type RegionTreeResults, renderRegionTree, runRegionTreeBench } from './region-tree.bench';
import { syntheticProvince } from './synthetic-tree';

/**
 * `npm run bench`: every benchmark, each against a reference measured in the same run, written to
 * tests/bench/RESULTS.md with one section per benchmark. `node dist/tests/bench/run.js partner` (or
 * `foundation`) runs only that one and rewrites only its section; the other sections are kept. Each
 * benchmark uses its own database, created at its start and dropped at its end. Never part of `npm test`.
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
    "per-request cost of HTTP, Express and the request log, Apollo's parse/validate/execute, type-graphql, the",
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
    '## Foundation benchmarks (region tree, gateway)',
    '',
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
    '### Reading',
    '',
    reading(r, g),
    '',
    demote(renderRegionTree(r)),
    '',
    demote(renderGateway(g)),
  ].join('\n');
}

/** Moves every heading one level down (outside code blocks), to nest a benchmark's own sections. */
function demote(markdown: string): string {
  let fenced = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (line.startsWith('```')) fenced = !fenced;
      return !fenced && /^#+ /.test(line) ? `#${line}` : line;
    })
    .join('\n');
}

/** Benchmarks 1 and 2 (they share the synthetic province in `gridhub_bench`). */
async function runFoundation(): Promise<{ section: string; reading: string }> {
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
  return {
    section: render(
      machine(),
      pgVersion,
      started,
      seconds,
      [loadAtStart, os.loadavg()[0]!],
      regionTree,
      gateway,
    ),
    reading: reading(regionTree, gateway),
  };
}

async function runPartner(): Promise<{ section: string; reading: string }> {
  console.log('benchmark 3: partner queries (gateway, SQL, PostGraphile)');
  const results = await runPartnerBench();
  return { section: renderPartner(results), reading: partnerReading(results) };
}

async function runConnectors(): Promise<{ section: string; reading: string }> {
  console.log('benchmark 4: connectors (the household register synced end to end, against COPY)');
  const results = await runConnectorsBench();
  return { section: renderConnectors(results), reading: connectorsReading(results) };
}

async function runAccess(): Promise<{ section: string; reading: string }> {
  console.log('benchmark 5: access policy and read audit (township office with audit vs admin without)');
  const results = await runAccessBench();
  return { section: renderAccess(results), reading: accessReading(results) };
}

async function runCertificates(): Promise<{ section: string; reading: string }> {
  console.log('benchmark 6: certificates (enrollments through the service, against openssl and node-forge)');
  const results = await runCertificatesBench();
  return { section: renderCertificates(results), reading: certificatesReading(results) };
}

async function runFees(): Promise<{ section: string; reading: string }> {
  console.log('benchmark 7: fees (1.2 million statement lines imported and reconciled, against a bare COPY)');
  const results = await runFeesBench();
  return { section: renderFees(results), reading: feesReading(results) };
}

async function runEvents(): Promise<{ section: string; reading: string }> {
  console.log('benchmark 8: events (handset reports over mutual TLS, against a bare mTLS endpoint)');
  const results = await runEventsBench();
  return { section: renderEvents(results), reading: eventsReading(results) };
}

/** In the order of RESULTS.md. */
const BENCHMARKS: Record<string, () => Promise<{ section: string; reading: string }>> = {
  foundation: runFoundation,
  partner: runPartner,
  connectors: runConnectors,
  access: runAccess,
  certificates: runCertificates,
  fees: runFees,
  events: runEvents,
};

const HEADER = [
  '# Benchmarks',
  '',
  'Written by `npm run bench` (`tests/bench/run.ts`) — do not edit by hand. One section per benchmark, each with',
  'its own date, machine and load figures: `node dist/tests/bench/run.js <name>` (after `npx tsc -p tsconfig.json`)',
  `runs only the named benchmarks (${Object.keys(BENCHMARKS).join(', ')}) and rewrites only their sections.`,
].join('\n');

const marker = (name: string) => [`<!-- bench:${name} -->`, `<!-- /bench:${name} -->`] as const;

/** The sections of the current RESULTS.md, by benchmark name. */
function readSections(): Map<string, string> {
  const sections = new Map<string, string>();
  const text = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '';
  for (const name of Object.keys(BENCHMARKS)) {
    const [open, close] = marker(name);
    const from = text.indexOf(open);
    const to = text.indexOf(close);
    if (from >= 0 && to > from) sections.set(name, text.slice(from + open.length, to).trim());
  }
  return sections;
}

function writeSections(sections: Map<string, string>): void {
  const body = Object.keys(BENCHMARKS).map((name) => {
    const [open, close] = marker(name);
    const section =
      sections.get(name) ?? `## ${name}\n\nNot run yet: \`node dist/tests/bench/run.js ${name}\`.`;
    return `${open}\n${section}\n${close}`;
  });
  writeFileSync(RESULTS, `${[HEADER, ...body].join('\n\n')}\n`);
  // Formatted as `biome check` expects (it formats Markdown too), so that a run leaves the lint clean.
  try {
    execFileSync(
      process.execPath,
      [require.resolve('@biomejs/biome/bin/biome'), 'format', '--write', RESULTS],
      {
        stdio: 'ignore',
      },
    );
  } catch {
    console.warn(`could not format ${RESULTS} with Biome; run \`npx biome check --write tests/bench\``);
  }
}

async function main() {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in BENCHMARKS));
  if (unknown.length) {
    console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
    process.exit(2);
  }
  const names = asked.length
    ? Object.keys(BENCHMARKS).filter((n) => asked.includes(n))
    : Object.keys(BENCHMARKS);
  const t0 = performance.now();
  for (const name of names) {
    const { section, reading } = await BENCHMARKS[name]!();
    // Written after each benchmark, so a later failure keeps the sections already measured.
    const sections = readSections();
    sections.set(name, section);
    writeSections(sections);
    console.log(`\n${reading}\n`);
  }
  console.log(
    `written ${path.relative(process.cwd(), RESULTS)} (${names.join(', ')}; ${fmt((performance.now() - t0) / 1000)} s)`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
