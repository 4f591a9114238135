import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type HubOptions, type RunningHub, startHub } from '../../gateway/hub';
import { createPrincipal, issueKey } from '../../schema/access/credentials.service';
import { setPolicy } from '../../schema/access/policy.service';
import { PrincipalKind } from '../../schema/access/principal.entity';
import { type Config, loadConfig } from '../../schema/runtime/config';
import { createLogger } from '../../schema/runtime/logger';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './services';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const HUB_BIN = path.join(REPO_ROOT, 'dist/gateway/cli/hub.js');

/** Config for a hub under test: the test servers, any free port, quiet logs, its own queue namespace. */
export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    PORT: '0',
    LOG_LEVEL: 'silent',
    GRIDHUB_DEMO: 'false',
    GRIDHUB_STARTUP_TIMEOUT_MS: '5000',
    GRIDHUB_SHUTDOWN_TIMEOUT_MS: '3000',
    GRIDHUB_QUEUE_PREFIX: `test-${randomUUID().slice(0, 8)}`,
    ...env,
  });
}

/** A hub in this process (integration tests). */
export function startTestHub(
  env: Record<string, string | undefined> = {},
  options: HubOptions = { gateway: true, workers: true },
): Promise<RunningHub> {
  const config = testConfig(env);
  return startHub(config, createLogger(config.logLevel), options);
}

let principals = 0;

/**
 * An API key for a new principal holding `roles` (a policy given as `policy` is saved first under the role
 * named `roles[0]`), made straight in the hub's database as an administrator's CLI would.
 */
export async function testKey(
  hub: RunningHub,
  roles: string[],
  { unitCode = null, policy }: { unitCode?: string | null; policy?: Record<string, unknown> } = {},
): Promise<string> {
  const em = hub.infrastructure.orm.em.fork() as EntityManager;
  if (policy) await setPolicy(em, 'test', roles[0]!, policy);
  const name = `test-${process.pid}-${++principals}-${roles.join('-').replace(/_/g, '-')}`;
  await createPrincipal(em, 'test', { name, title: name, kind: PrincipalKind.CLIENT, roles, unitCode });
  return (await issueKey(em, 'test', name)).secret;
}

/** A role that reads every row and field, personal fields masked: what partners saw before policies existed. */
export const MASKED_READER_POLICY = {
  rootFields: '*',
  types: {
    Person: {},
    PersonRecord: {},
    Household: {},
    Event: {},
    Organization: {},
    Place: {},
    Thing: {},
    Situation: {},
  },
  sensitiveSets: ['special_group', 'minor', 'health'],
  aggregates: true,
  introspection: true,
  rowCap: 100,
  ratePerMinute: 100000,
};

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
}

export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  { key, headers = {} }: { key?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: GraphQLResponse<T> }> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GraphQLResponse<T> };
}

/** The environment of a hub started as a user would: this one, minus anything that would point it elsewhere. */
function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(base)) {
    // Also NODE_ENV and vitest's own variables: libraries behave differently under NODE_ENV=test.
    if (/^(DATABASE_URL|REDIS_URL|PORT|HOST|LOG_LEVEL|GRIDHUB_.*|NODE_ENV|VITEST.*|TEST)$/.test(key))
      delete base[key];
  }
  const out: NodeJS.ProcessEnv = { ...base };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

export interface SpawnedHub {
  child: ChildProcess;
  url: string;
  /** Parsed JSON log lines so far. */
  logs: Array<Record<string, unknown>>;
  stderr: () => string;
  /** Sends a signal (to the whole process group with `group`, as Ctrl+C does) and waits for the exit code. */
  stop(signal?: NodeJS.Signals, opts?: { group?: boolean }): Promise<number | null>;
}

/** Starts `hub <args>` from the build as a separate process and waits until the gateway listens. */
export async function spawnHub(
  env: Record<string, string | undefined>,
  args = ['start'],
): Promise<SpawnedHub> {
  const child = spawn(process.execPath, [HUB_BIN, ...args], {
    env: childEnv({ PORT: '0', ...env }),
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so a test can send Ctrl+C to the group as a terminal does
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  let buffered = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      buffered += c.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        try {
          const entry = JSON.parse(line);
          logs.push(entry);
          if (entry.msg === 'gateway listening') resolve(entry.url);
        } catch {
          logs.push({ raw: line });
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`hub exited with ${code} before listening:\n${stderr}`)));
  });
  const url = await listening;
  const exited = once(child, 'exit');
  return {
    child,
    url,
    logs,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM', { group = false } = {}) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      if (group) process.kill(-child.pid!, signal);
      else child.kill(signal);
      const [code] = await exited;
      return code as number | null;
    },
  };
}

/** Runs a hub command to completion (or until `timeoutMs`), returning its exit code and output. */
export async function runHub(
  env: Record<string, string | undefined>,
  args: string[],
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [HUB_BIN, ...args], {
    env: childEnv(env),
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  return { code: code as number | null, stdout, stderr };
}
