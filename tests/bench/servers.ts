import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * Servers under test, each started as its own process from the build so that it does not share an event
 * loop with the load generator (or with the other server), and the CPU counters the benchmark reads.
 */

/** The repository root, whether this runs from the sources or from dist/. */
export const REPO_ROOT = path.resolve(__dirname.replace(`${path.sep}dist${path.sep}`, path.sep), '../..');
const HUB_BIN = path.join(REPO_ROOT, 'dist/gateway/cli/hub.js');
const POSTGRAPHILE_BIN = path.join(REPO_ROOT, 'dist/tests/bench/postgraphile-server.js');

export interface ServerProcess {
  name: string;
  pid: number;
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  /** SIGTERM, then waits for the exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** The environment of a child: this one, minus what would point it elsewhere or change library behaviour. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(DATABASE_URL|REDIS_URL|PORT|HOST|LOG_LEVEL|GRIDHUB_.*|NODE_ENV|NODE_OPTIONS|POOL_MAX)$/.test(k)) {
      out[k] = v;
    }
  }
  return { ...out, ...env };
}

async function startProcess(
  name: string,
  args: string[],
  env: Record<string, string>,
  port: number,
  ready: (url: string) => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, args, {
    env: childEnv({ ...env, PORT: String(port) }),
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${stderr}`,
      );
    }
    if (await ready(url).catch(() => false)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready after ${timeoutMs / 1000} s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    name,
    pid: child.pid!,
    url,
    async stop(stopTimeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface GatewayProcessOptions {
  databaseUrl: string;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Environment overriding the benchmark's settings, e.g. `{ GRIDHUB_READ_AUDIT: 'off' }`. */
  env?: Record<string, string>;
}

/** `hub gateway` (gateway only, no workers) from dist/, with the benchmark's settings. */
export async function startGatewayProcess({
  databaseUrl,
  nodeArgs = [],
  env = {},
}: GatewayProcessOptions): Promise<ServerProcess> {
  const port = await freePort();
  return startProcess(
    'gridhub gateway',
    [...nodeArgs, HUB_BIN, 'gateway'],
    {
      DATABASE_URL: databaseUrl,
      REDIS_URL: 'redis://127.0.0.1:6379',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      GRIDHUB_DEMO: 'false',
      GRIDHUB_QUEUE_PREFIX: 'bench',
      // Benchmarks that run two gateways side by side (access: A and B) must not both take the handsets'
      // default port 4443.
      GRIDHUB_DEVICE_PORT: '0',
      ...env,
    },
    port,
    async (url) => (await fetch(`${url}/healthz`)).ok,
  );
}

/** PostGraphile v4 (tests/bench/postgraphile-server.ts) from dist/; ready once its schema is introspected. */
export async function startPostgraphileProcess(databaseUrl: string, poolMax: number): Promise<ServerProcess> {
  const port = await freePort();
  return startProcess(
    'PostGraphile',
    [POSTGRAPHILE_BIN],
    { DATABASE_URL: databaseUrl, POOL_MAX: String(poolMax) },
    port,
    async (url) => {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      return res.ok;
    },
  );
}

const CLOCK_TICKS_PER_S = 100;

/** User + system CPU time of a process (all its threads) in ms, from /proc; NaN if it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return Number.NaN;
  }
}

/** Busy and total CPU time of the whole machine (all cores) in ms, from /proc/stat. */
export function machineCpuMs(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: ((total - idle) * 1000) / CLOCK_TICKS_PER_S, total: (total * 1000) / CLOCK_TICKS_PER_S };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}
