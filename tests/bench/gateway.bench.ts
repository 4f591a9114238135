import { Pool } from 'pg';
import { startHub } from '../../gateway/hub';
import { createLogger } from '../../schema/runtime/logger';
import { gql, testConfig } from '../support/hub';
import { benchKeys } from './bench-keys';
import { regionDocument, regionRaw } from './gateway-reference';
import { fmt, median, percentile, ratio, table } from './harness';
import { type LoadResult, runLoad } from './loadgen';

/**
 * Benchmark 2: GraphQL gateway throughput. A hub (gateway only) runs in this process against the bench
 * database; a worker thread drives `region(code) { children ancestors }` over keep-alive HTTP at a fixed
 * concurrency. Reference: the same data fetched by the same kind of load generator with the three
 * equivalent SQL statements over `pg`.
 */

const REPS = 5;
const REQUESTS = 2500;
const WARMUP = 300;
const CONCURRENCY = 10;
const HUB_WARMUP = 2000;

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export interface GatewayResults {
  requests: number;
  concurrency: number;
  poolMax: number;
  townships: number;
  sampleTownship: string;
  identical: boolean;
  graphql: Run[];
  pg: Run[];
  firstError?: string;
}

function summarise(r: LoadResult): Run {
  return {
    rps: r.requests / (r.elapsedMs / 1000),
    p50: percentile(r.latenciesMs, 50),
    p99: percentile(r.latenciesMs, 99),
    errors: r.errors,
  };
}

export async function runGatewayBench(databaseUrl: string, townships: string[]): Promise<GatewayResults> {
  const config = testConfig({
    DATABASE_URL: databaseUrl,
    REDIS_URL: 'redis://127.0.0.1:6379',
    GRIDHUB_QUEUE_PREFIX: 'bench',
    LOG_LEVEL: 'silent',
  });
  const hub = await startHub(config, createLogger('silent'), { gateway: true, workers: false });
  try {
    // An operator's key: anonymous callers are rate-limited far below what a closed loop asks for.
    const { 'bench-gateway': key } = await benchKeys(databaseUrl, [{ name: 'bench-gateway', role: 'admin' }]);
    const url = hub.gateway!.url;

    // The two paths must give the same answer before either is timed.
    const sample = townships[townships.length >> 1]!;
    const pool = new Pool({ connectionString: databaseUrl, max: 2 });
    let identical: boolean;
    try {
      const viaGateway = await gql(url, regionDocument(sample), undefined, { key });
      if (viaGateway.status !== 200 || viaGateway.body.errors) {
        throw new Error(`gateway answered ${viaGateway.status}: ${JSON.stringify(viaGateway.body)}`);
      }
      identical = JSON.stringify(viaGateway.body) === (await regionRaw(pool, sample));
    } finally {
      await pool.end();
    }
    if (!identical) throw new Error(`the gateway and the raw reference disagree on ${sample}`);

    const out: GatewayResults = {
      requests: REQUESTS,
      concurrency: CONCURRENCY,
      poolMax: config.db.poolMax,
      townships: townships.length,
      sampleTownship: sample,
      identical,
      graphql: [],
      pg: [],
    };
    const spec = { codes: townships, requests: REQUESTS, warmup: WARMUP, concurrency: CONCURRENCY, key };
    // Warms the hub (JIT, pool, Apollo's document cache) before anything is timed.
    await runLoad({ ...spec, requests: HUB_WARMUP, warmup: 0, mode: 'graphql', target: url });
    for (let rep = 0; rep < REPS; rep++) {
      console.log(`  gateway run ${rep + 1}/${REPS}…`);
      const g = await runLoad({ ...spec, mode: 'graphql', target: url });
      out.firstError ??= g.firstError;
      out.graphql.push(summarise(g));
      const p = await runLoad({ ...spec, mode: 'pg', target: databaseUrl });
      out.firstError ??= p.firstError;
      out.pg.push(summarise(p));
    }
    return out;
  } finally {
    await hub.stop();
  }
}

export function renderGateway(r: GatewayResults): string {
  const m = (runs: Run[], k: keyof Run) => median(runs.map((x) => x[k]));
  const row = (name: string, runs: Run[]) => [
    name,
    fmt(m(runs, 'rps')),
    fmt(m(runs, 'p50'), 2),
    fmt(m(runs, 'p99'), 2),
    ratio(m(runs, 'rps'), m(r.pg, 'rps')),
    String(runs.reduce((n, x) => n + x.errors, 0)),
    runs.map((x) => fmt(x.rps)).join(', '),
  ];
  return [
    '## 2. GraphQL gateway throughput',
    '',
    '```graphql',
    regionDocument('<township>'),
    '```',
    '',
    `Closed loop, ${r.concurrency} concurrent users, ${fmt(r.requests)} requests per run after ${fmt(WARMUP)} warm-up`,
    `requests (and ${fmt(HUB_WARMUP)} untimed requests to the hub before the first run), rotating over all ${fmt(r.townships)} townships (10 children and 1 ancestor each); medians of ${REPS} runs,`,
    'GraphQL and reference interleaved. The load generator runs in a worker thread (`tests/bench/loadgen.ts`),',
    `keep-alive HTTP; the hub runs in the main thread with the gateway only (workers off), pool of ${r.poolMax}.`,
    `The reference fetches the same data with \`pg\` (pool of ${r.concurrency}): the unit by code, then its children and`,
    'its ancestors in parallel — the three statements the gateway issues — and serialises the same JSON.',
    `Both answers were checked identical for township ${r.sampleTownship} before timing.`,
    '',
    table(
      ['path', 'req/s (median)', 'p50 ms', 'p99 ms', 'vs raw pg', 'errors', 'runs (req/s)'],
      [
        row('GraphQL gateway (Apollo + type-graphql + MikroORM)', r.graphql),
        row('raw `pg`, 3 statements (reference)', r.pg),
      ],
    ),
    ...(r.firstError ? ['', `First error: \`${r.firstError}\``] : []),
  ].join('\n');
}
