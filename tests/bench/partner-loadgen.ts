import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Pool } from 'pg';
import { post } from './http-post';
import type { PartnerQuery } from './partner-queries';
import { type SqlVariant, sqlPath } from './partner-reference';

/**
 * A timed closed-loop load generator for the partner benchmark, run in a worker thread: `concurrency`
 * virtual users each send their next request as soon as the last one answered, first for `warmupMs`
 * (discarded), then for `durationMs` (measured; requests in flight at the end are waited for and counted).
 * Inputs are taken in rotation. `http` posts prepared GraphQL bodies, with the target's headers (the API
 * key); `sql` runs a hand-written SQL path over its own pool of `concurrency` connections and serialises the
 * answer as JSON, as a server would.
 * Around the measured part the worker tells the main thread (`{ phase: 'measuring' }`, `{ phase: 'measured' }`)
 * and waits for its answer, so that counters are read while the connections under test are still open.
 */
export type LoadTarget =
  | {
      kind: 'http';
      url: string;
      bodies: string[];
      /** Sent with every request, e.g. `authorization: Bearer ghk_…` (the gateway needs a key). */
      headers?: Record<string, string>;
    }
  | { kind: 'sql'; databaseUrl: string; query: PartnerQuery; variant: SqlVariant; inputs: unknown[] };

export interface LoadSpec {
  target: LoadTarget;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface LoadResult {
  requests: number;
  elapsedMs: number;
  latenciesMs: Float64Array;
  errors: number;
  firstError?: string;
}

async function timedLoop(
  concurrency: number,
  durationMs: number,
  count: number,
  call: (i: number) => Promise<void>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const end = start + durationMs;
  const user = async () => {
    while (performance.now() < end) {
      const i = next++;
      const t0 = performance.now();
      try {
        await call(i % count);
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, user));
  return {
    requests: latencies.length,
    elapsedMs: performance.now() - start,
    latenciesMs: Float64Array.from(latencies),
    errors,
    firstError,
  };
}

async function run(spec: LoadSpec, phase: (name: Phase) => Promise<void>): Promise<LoadResult> {
  const { target } = spec;
  let call: (i: number) => Promise<void>;
  let count: number;
  let close: () => Promise<void>;
  if (target.kind === 'http') {
    const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency });
    const url = new URL(target.url);
    const bodies = target.bodies.map((b) => Buffer.from(b));
    count = bodies.length;
    call = async (i) => {
      const { status, text } = await post(agent, url, bodies[i]!, target.headers);
      if (status !== 200 || text.includes('"errors"'))
        throw new Error(`HTTP ${status}: ${text.slice(0, 300)}`);
    };
    close = async () => agent.destroy();
  } else {
    const pool = new Pool({ connectionString: target.databaseUrl, max: spec.concurrency });
    const path = sqlPath(target.query, target.variant);
    count = target.inputs.length;
    call = async (i) => {
      JSON.stringify({ data: await path(pool, target.inputs[i]) });
    };
    close = () => pool.end();
  }
  try {
    await timedLoop(spec.concurrency, spec.warmupMs, count, call);
    await phase('measuring');
    const result = await timedLoop(spec.concurrency, spec.durationMs, count, call);
    await phase('measured');
    return result;
  } finally {
    await close();
  }
}

export type Phase = 'measuring' | 'measured';

/**
 * Runs one measurement in a fresh worker thread. `onPhase` is called (and awaited) when the warm-up ends and
 * when the measured part ends, before the load generator closes its connections.
 */
export function runPartnerLoad(
  spec: LoadSpec,
  onPhase: (phase: Phase) => unknown = () => undefined,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: spec });
    worker.on('message', (message: { phase: Phase } | LoadResult) => {
      if ('phase' in message) {
        Promise.resolve()
          .then(() => onPhase(message.phase))
          .then(
            () => worker.postMessage('go'),
            (error) => {
              reject(error);
              void worker.terminate();
            },
          );
      } else resolve(message);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
  });
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const phase = (name: Phase) =>
    new Promise<void>((resolve) => {
      port.once('message', () => resolve());
      port.postMessage({ phase: name });
    });
  run(workerData as LoadSpec, phase).then(
    (result) => port.postMessage(result, [result.latenciesMs.buffer as ArrayBuffer]),
    (error) => {
      throw error;
    },
  );
}
