import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Pool } from 'pg';
import { regionDocument, regionRaw } from './gateway-reference';
import { post } from './http-post';
import { keyHeaders } from './partner-queries';

/**
 * A bounded closed-loop load generator, run in a worker thread so that it does not share an event loop
 * with the hub under test: `concurrency` virtual users each send their next request as soon as the last
 * one answered, until `requests` have completed. `graphql` posts to the gateway; `pg` is the reference,
 * the same data fetched with the three equivalent SQL statements.
 */
export interface LoadSpec {
  mode: 'graphql' | 'pg';
  /** Gateway base URL (graphql) or database URL (pg). */
  target: string;
  codes: string[];
  requests: number;
  warmup: number;
  concurrency: number;
  /** The API key sent with every gateway request. */
  key?: string;
}

export interface LoadResult {
  requests: number;
  elapsedMs: number;
  latenciesMs: Float64Array;
  errors: number;
  firstError?: string;
}

async function closedLoop(
  spec: LoadSpec,
  count: number,
  offset: number,
  call: (code: string) => Promise<void>,
): Promise<LoadResult> {
  const latencies = new Float64Array(count);
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const user = async () => {
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      try {
        await call(spec.codes[(offset + i) % spec.codes.length]!);
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
      latencies[i] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, user));
  return {
    requests: count,
    elapsedMs: performance.now() - start,
    latenciesMs: latencies,
    errors,
    firstError,
  };
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  if (spec.mode === 'graphql') {
    const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency });
    const url = new URL('/graphql', spec.target);
    const bodies = new Map(
      spec.codes.map((c) => [c, Buffer.from(JSON.stringify({ query: regionDocument(c) }))]),
    );
    const headers = spec.key ? keyHeaders(spec.key) : {};
    const call = async (code: string) => {
      const { status, text } = await post(agent, url, bodies.get(code)!, headers);
      if (status !== 200 || text.includes('"errors"'))
        throw new Error(`HTTP ${status}: ${text.slice(0, 300)}`);
    };
    try {
      await closedLoop(spec, spec.warmup, spec.requests, call);
      return await closedLoop(spec, spec.requests, 0, call);
    } finally {
      agent.destroy();
    }
  }
  const pool = new Pool({ connectionString: spec.target, max: spec.concurrency });
  const call = async (code: string) => {
    await regionRaw(pool, code);
  };
  try {
    await closedLoop(spec, spec.warmup, spec.requests, call);
    return await closedLoop(spec, spec.requests, 0, call);
  } finally {
    await pool.end();
  }
}

/** Runs one measurement in a fresh worker thread. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: spec });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
  });
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  run(workerData as LoadSpec).then(
    (result) => port.postMessage(result, [result.latenciesMs.buffer as ArrayBuffer]),
    (error) => {
      throw error;
    },
  );
}
