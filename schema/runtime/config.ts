import path from 'node:path';
import { z } from 'zod';

/**
 * The hub's one configuration object, read from the environment once at start-up.
 * Every module receives the parsed `Config` instead of reading `process.env` itself, so a bad value
 * is caught before anything starts and the message names the variable.
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const urlWithProtocols = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
    );

const integer = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int({ message: 'must be a whole number' })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` });

const boolean = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'].includes(v), {
    message: 'must be one of true/false, yes/no, on/off, 1/0',
  })
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const envSchema = z.object({
  DATABASE_URL: urlWithProtocols(['postgres:', 'postgresql:']).optional(),
  REDIS_URL: urlWithProtocols(['redis:', 'rediss:']).optional(),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: integer(0, 65535).default(4000),
  GRIDHUB_DATA_DIR: z.string().trim().min(1).default('data'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  GRIDHUB_DEMO: boolean.optional(),
  GRIDHUB_DEMO_SCALE: z.coerce
    .number({ message: 'must be a number' })
    .gt(0, { message: 'must be above 0' })
    .max(1, { message: 'must be at most 1' })
    .default(1),
  GRIDHUB_DB_POOL_MAX: integer(1, 200).default(10),
  GRIDHUB_STATEMENT_TIMEOUT_MS: integer(100, 3_600_000).default(15_000),
  GRIDHUB_STARTUP_TIMEOUT_MS: integer(0, 600_000).default(20_000),
  GRIDHUB_SHUTDOWN_TIMEOUT_MS: integer(0, 600_000).default(10_000),
  GRIDHUB_REDIS_SERVER_BIN: z.string().trim().min(1).default('redis-server'),
  GRIDHUB_WORKER_CONCURRENCY: integer(1, 1000).default(5),
  GRIDHUB_JOB_LOCK_MS: integer(500, 3_600_000).default(30_000),
  GRIDHUB_READ_AUDIT: z.enum(['on', 'off'], { message: 'must be on or off' }).default('on'),
  GRIDHUB_SECRET_KEY: z
    .string()
    .trim()
    .regex(/^[0-9a-fA-F]{64}$/, { message: 'must be 64 hex digits (a 256-bit key)' })
    .optional(),
  GRIDHUB_QUEUE_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, { message: 'must be 1–40 letters, digits, _ or -' })
    .default('gridhub'),
  GRIDHUB_PUBLIC_URL: urlWithProtocols(['http:', 'https:']).optional(),
  GRIDHUB_CA_PASSPHRASE: z
    .string()
    .min(12, { message: 'must be at least 12 characters' })
    .max(1024, { message: 'must be at most 1024 characters' })
    .optional(),
  GRIDHUB_DEVICE_PORT: integer(0, 65535).optional(),
  GRIDHUB_DEVICE_HOSTNAMES: z
    .string()
    .trim()
    .transform((v) =>
      v
        .split(',')
        .map((h) => h.trim())
        .filter(Boolean),
    )
    .refine((hosts) => hosts.length > 0 && hosts.every((h) => /^[A-Za-z0-9.:*-]{1,253}$/.test(h)), {
      message: 'must be a comma-separated list of host names or IP addresses',
    })
    .default(['localhost', '127.0.0.1']),
  GRIDHUB_DEVICE_CERT_DAYS: integer(1, 3650).default(365),
});

export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  /** External PostgreSQL; when absent the hub runs an embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  /** External Redis; when absent the hub starts `redis-server` from PATH with its files in `dataDir`. */
  redisUrl?: string;
  host: string;
  port: number;
  dataDir: string;
  logLevel: LogLevel;
  /** Load the synthetic demo county at start. Defaults to on for the embedded setup only. */
  demo: boolean;
  /** Share of the full demo county (≈ 160,000 people) to generate: 1 in a demo, a small share in tests. */
  demoScale: number;
  db: { poolMax: number; statementTimeoutMs: number };
  startupTimeoutMs: number;
  shutdownTimeoutMs: number;
  redisServerBin: string;
  workerConcurrency: number;
  /** BullMQ's job lock: how long a killed worker's job stays locked before another worker takes it over. */
  jobLockMs: number;
  /** The read audit; `off` exists only so a benchmark can measure what the audit costs. */
  readAudit: boolean;
  /** Redis key prefix of the queues, so several hubs can share one Redis. */
  queuePrefix: string;
  /** Key that encrypts connectors' secrets; unset = a key file created in `dataDir`. */
  secretKey?: string;
  /**
   * Where handsets and people reach the gateway (enrollment, the CRL, the QR code's hub address); unset = the
   * gateway's own address.
   */
  publicUrl?: string;
  /** Passphrase of the device CA's private key; unset = a passphrase file created in `dataDir`. */
  caPassphrase?: string;
  /** The handsets' mutual-TLS endpoint and the certificates the device CA issues. */
  devices: {
    /** 0 = any free port (the default when the gateway's PORT is 0, as in tests), otherwise 4443. */
    port: number;
    /** Names and addresses in the endpoint's server certificate. */
    hostnames: string[];
    certDays: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws `ConfigError` listing every bad variable (name, value rule). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  // An empty variable means "not set", as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(
    Object.keys(envSchema.shape)
      .filter((key) => env[key] !== undefined && env[key] !== '')
      .map((key) => [key, env[key]]),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0]);
        return `${name}=${JSON.stringify(present[name])}: ${issue.message}`;
      }),
    );
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    host: e.HOST,
    port: e.PORT,
    dataDir: path.resolve(cwd, e.GRIDHUB_DATA_DIR),
    logLevel: e.LOG_LEVEL,
    demo: e.GRIDHUB_DEMO ?? !e.DATABASE_URL,
    demoScale: e.GRIDHUB_DEMO_SCALE,
    db: { poolMax: e.GRIDHUB_DB_POOL_MAX, statementTimeoutMs: e.GRIDHUB_STATEMENT_TIMEOUT_MS },
    startupTimeoutMs: e.GRIDHUB_STARTUP_TIMEOUT_MS,
    shutdownTimeoutMs: e.GRIDHUB_SHUTDOWN_TIMEOUT_MS,
    redisServerBin: e.GRIDHUB_REDIS_SERVER_BIN,
    workerConcurrency: e.GRIDHUB_WORKER_CONCURRENCY,
    jobLockMs: e.GRIDHUB_JOB_LOCK_MS,
    readAudit: e.GRIDHUB_READ_AUDIT === 'on',
    queuePrefix: e.GRIDHUB_QUEUE_PREFIX,
    secretKey: e.GRIDHUB_SECRET_KEY,
    publicUrl: e.GRIDHUB_PUBLIC_URL?.replace(/\/+$/, ''),
    caPassphrase: e.GRIDHUB_CA_PASSPHRASE,
    devices: {
      port: e.GRIDHUB_DEVICE_PORT ?? (e.PORT === 0 ? 0 : 4443),
      hostnames: e.GRIDHUB_DEVICE_HOSTNAMES,
      certDays: e.GRIDHUB_DEVICE_CERT_DAYS,
    },
  };
}

/** Variables the hub reads, with a line of help each, for `hub --help` and the README. */
export const CONFIG_HELP: Record<keyof z.infer<typeof envSchema>, string> = {
  DATABASE_URL: 'PostgreSQL URL; unset = embedded PGlite in the data directory',
  REDIS_URL: 'Redis URL; unset = a local redis-server started on a free port',
  HOST: 'address the gateway listens on (default 127.0.0.1)',
  PORT: 'gateway port, 0 = any free port (default 4000)',
  GRIDHUB_DATA_DIR: 'embedded database, Redis files and CA material (default ./data)',
  LOG_LEVEL: `one of ${LOG_LEVELS.join(', ')} (default info)`,
  GRIDHUB_DEMO: 'load the synthetic demo county at start (default: on without DATABASE_URL)',
  GRIDHUB_DEMO_SCALE: 'share of the full demo county to generate, 0 < s ≤ 1 (default 1: ≈ 160,000 people)',
  GRIDHUB_DB_POOL_MAX: 'PostgreSQL connections per process (default 10; 1 with PGlite)',
  GRIDHUB_STATEMENT_TIMEOUT_MS: 'statement_timeout for every database session (default 15000)',
  GRIDHUB_STARTUP_TIMEOUT_MS: 'how long to retry PostgreSQL and Redis at start (default 20000)',
  GRIDHUB_SHUTDOWN_TIMEOUT_MS: 'how long in-flight requests and jobs may finish on stop (default 10000)',
  GRIDHUB_REDIS_SERVER_BIN: 'redis-server binary for the embedded Redis (default: from PATH)',
  GRIDHUB_WORKER_CONCURRENCY: 'jobs one worker process runs at once per queue (default 5)',
  GRIDHUB_JOB_LOCK_MS: "job lock; a dead worker's job is taken over after about this long (default 30000)",
  GRIDHUB_READ_AUDIT: 'on (default) or off; off is for benchmarks only and is logged as a warning at start',
  GRIDHUB_SECRET_KEY:
    "64 hex digits encrypting connectors' passwords and tokens (default: <data>/secret.key)",
  GRIDHUB_QUEUE_PREFIX: 'Redis key prefix of the job queues, for hubs sharing a Redis (default gridhub)',
  GRIDHUB_PUBLIC_URL:
    'address handsets reach the gateway at, for enrollment, the CRL and QR codes (default: the gateway URL)',
  GRIDHUB_CA_PASSPHRASE:
    "passphrase encrypting the device CA's key, ≥ 12 characters (default: <data>/ca-passphrase)",
  GRIDHUB_DEVICE_PORT: "handsets' mutual-TLS port (default 4443; 0 = any free port, the default when PORT=0)",
  GRIDHUB_DEVICE_HOSTNAMES:
    "comma-separated names and IPs in the handsets' endpoint certificate (default localhost,127.0.0.1)",
  GRIDHUB_DEVICE_CERT_DAYS: 'lifetime of handset certificates in days (default 365)',
};

/** The URL with its password replaced, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable URL>';
  }
}
