import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { redactUrl } from '../schema/runtime/config';
import { ServiceUnavailableError, StartupError } from '../schema/runtime/errors';
import type { Logger } from '../schema/runtime/logger';
import { acquirePidLock } from '../schema/runtime/pid-lock';
import { errorMessage, retryUntil } from '../schema/runtime/retry';

/** Where a Redis is: the part of a redis:// or rediss:// URL that both ioredis and BullMQ accept. */
export interface RedisAddress {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls?: Record<string, never>;
}

export function redisOptionsFromUrl(url: string): RedisAddress {
  const u = new URL(url);
  const db = u.pathname.replace('/', '');
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: db ? Number(db) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}

/**
 * Options for BullMQ workers: they block on Redis and must wait through an outage rather than fail,
 * so requests retry forever (BullMQ requires `maxRetriesPerRequest: null` for workers).
 */
export function workerConnection(url: string): ConnectionOptions {
  return { ...redisOptionsFromUrl(url), maxRetriesPerRequest: null };
}

/**
 * Options for anything on a request path (producers, health checks): commands fail at once while Redis is
 * down instead of queueing in memory, so a caller gets a clear error, and the client keeps reconnecting.
 */
export function requestConnection(url: string) {
  return {
    ...redisOptionsFromUrl(url),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
  };
}

/** Waits until Redis answers PING, within `timeoutMs`, or throws a StartupError naming it. */
export async function waitForRedis(
  url: string,
  timeoutMs: number,
  logger: Logger,
  quiet = false,
): Promise<void> {
  try {
    await retryUntil(
      async () => {
        const client = new Redis({
          ...redisOptionsFromUrl(url),
          lazyConnect: true,
          retryStrategy: () => null,
        });
        // The socket error (ECONNREFUSED, ENOTFOUND…) says more than connect()'s "Connection is closed".
        let socketError: Error | undefined;
        client.on('error', (error: Error) => {
          socketError ??= error;
        });
        try {
          await client.connect();
          await client.ping();
        } catch (error) {
          throw socketError ?? error;
        } finally {
          client.disconnect();
        }
      },
      timeoutMs,
      (error, n) =>
        logger[quiet ? 'debug' : 'warn'](
          { attempt: n, err: errorMessage(error) },
          'Redis not reachable yet; retrying',
        ),
    );
  } catch (error) {
    throw new StartupError(
      `Redis at ${redactUrl(url)} is unreachable after ${Math.round(timeoutMs / 1000)} s: ${errorMessage(error)}`,
    );
  }
}

/** PING with a deadline, for /readyz. */
export async function pingRedis(client: Redis, timeoutMs = 1_000): Promise<void> {
  if (client.status !== 'ready') throw new ServiceUnavailableError('Redis', `connection ${client.status}`);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new ServiceUnavailableError('Redis', 'PING timed out')), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface EmbeddedRedis {
  url: string;
  stop(): Promise<void>;
}

export const REDIS_INSTALL_HINT =
  'install it with `apt-get install redis-server` (Debian/Ubuntu), `dnf install redis` (Fedora/RHEL) or ' +
  '`brew install redis` (macOS), or set REDIS_URL to a running Redis';

/**
 * A hub killed with SIGKILL leaves its redis-server running on the old files. Stop it before starting a
 * new one on the same directory, so only one server ever writes the append-only file.
 */
async function stopOrphan(pidFile: string, logger: Logger): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!pid) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('redis-server')) return;
  logger.warn({ pid }, 'stopping a redis-server left behind by an earlier run');
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')); i++) {
    await sleep(100);
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Starts `redis-server` from PATH on a free loopback port, keeping an append-only file in
 * `<dataDir>/redis` so queued and delayed jobs survive a restart. Nothing is downloaded: without a binary
 * start-up stops with the install command.
 */
export async function startEmbeddedRedis(
  dataDir: string,
  binary: string,
  logger: Logger,
  timeoutMs = 10_000,
): Promise<EmbeddedRedis> {
  const dir = path.join(dataDir, 'redis');
  await mkdir(dir, { recursive: true });
  const lock = await acquirePidLock(path.join(dataDir, 'redis.lock'), 'the embedded Redis data directory');
  const pidFile = path.join(dir, 'redis-server.pid');
  await stopOrphan(pidFile, logger);
  const port = await freePort();
  const settings: Record<string, string> = {
    port: String(port),
    bind: '127.0.0.1',
    'protected-mode': 'yes',
    dir,
    appendonly: 'yes', // queued and delayed jobs survive a restart
    save: '',
    daemonize: 'no', // a child of the hub, stopped with it
    pidfile: pidFile,
    logfile: '', // stdout, kept for the error message if start-up fails
  };
  const child: ChildProcess = spawn(
    binary,
    Object.entries(settings).flatMap(([name, value]) => [`--${name}`, value]),
    // Its own process group: Ctrl+C in a terminal signals the whole foreground group, and Redis must
    // outlive the hub's workers while they finish; the hub stops it last.
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  // Should the hub exit without stopping it (a second Ctrl+C, an uncaught error), take it along.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const exited = new Promise<Error>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      resolve(
        error.code === 'ENOENT'
          ? new StartupError(
              `No REDIS_URL is set and "${binary}" was not found on PATH: ${REDIS_INSTALL_HINT}`,
            )
          : new StartupError(`Could not start ${binary}: ${error.message}`),
      ),
    );
    child.once('exit', (code, signal) =>
      resolve(
        new StartupError(
          `${binary} exited during start-up (${signal ?? `code ${code}`}): ${output.join('').trim().slice(-500)}`,
        ),
      ),
    );
  });
  const url = `redis://127.0.0.1:${port}`;
  try {
    await Promise.race([
      waitForRedis(url, timeoutMs, logger, true),
      exited.then((error) => {
        throw error;
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    await lock.release();
    throw error;
  }
  logger.info({ url, dir, pid: child.pid }, 'embedded Redis started');

  return {
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const done = once(child, 'exit');
        child.kill('SIGTERM'); // redis-server flushes its append-only file and exits on SIGTERM
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await done;
        clearTimeout(timer);
      }
      process.removeListener('exit', killOnExit);
      await lock.release();
      logger.info('embedded Redis stopped');
    },
  };
}
