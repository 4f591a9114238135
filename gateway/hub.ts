import path from 'node:path';
import { Redis } from 'ioredis';
import { loadSecretKey } from '../connectors/secrets';
import { caSettingsFromConfig, configureDeviceCa, ensureDeviceCa } from '../fleet/ca';
import { seedDemoFleet } from '../fleet/demo';
import { seedDemoFees } from '../fleet/fees-demo';
import { ensureDemoPrincipals } from '../schema/access/demo-principals';
import { startEmbeddedPostgres } from '../schema/db/embedded-postgres';
import { initORM, type MikroORM, migrate } from '../schema/db/orm';
import { snapshotDemoYear } from '../schema/indicators/demo-year';
import { type Config, redactUrl } from '../schema/runtime/config';
import { DomainError, StartupError } from '../schema/runtime/errors';
import type { Logger } from '../schema/runtime/logger';
import { errorMessage, retryUntil } from '../schema/runtime/retry';
import { HUB_ENTITIES } from '../workers/entities';
import { NoticePublisher } from '../workers/notices';
import { QueueRegistry } from '../workers/queues';
import { requestConnection, startEmbeddedRedis, waitForRedis } from '../workers/redis';
import { type RunningWorkers, startWorkers } from '../workers/worker';
import { startDemoCounty } from './demo/front-door';
import { type RunningDeviceEndpoint, startDeviceEndpoint } from './devices';
import { type RunningGateway, startGateway } from './server';

/** Resources released in reverse order of acquisition when the hub stops or start-up fails midway. */
class Stack {
  private readonly steps: Array<{ name: string; stop: () => Promise<unknown> }> = [];
  constructor(private readonly logger: Logger) {}
  push(name: string, stop: () => Promise<unknown>) {
    this.steps.push({ name, stop });
  }
  async unwind() {
    while (this.steps.length) {
      const { name, stop } = this.steps.pop()!;
      this.logger.debug(`stopping ${name}`);
      await stop().catch((error) =>
        this.logger.error({ err: errorMessage(error) }, `stopping ${name} failed`),
      );
    }
  }
}

export interface Infrastructure {
  databaseUrl: string;
  redisUrl: string;
  embeddedDatabase: boolean;
  orm: MikroORM;
  /** Applies pending migrations (locked against concurrent hubs on a shared server). */
  migrate(): Promise<string[]>;
}

/**
 * Brings up PostgreSQL and Redis (external or embedded), connects the ORM with a bounded retry and applies
 * migrations. Used by `hub start`, `hub worker` and `hub migrate` alike.
 */
export async function openInfrastructure(
  config: Config,
  logger: Logger,
  stack: Stack,
  { redis = true }: { redis?: boolean } = {},
): Promise<Infrastructure> {
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres(config.dataDir, logger);
    stack.push('embedded PostgreSQL', () => pg.stop());
    databaseUrl = pg.url;
  }
  const embeddedDatabase = !config.databaseUrl;

  let redisUrl = config.redisUrl ?? '';
  if (redis) {
    if (!redisUrl) {
      const r = await startEmbeddedRedis(
        config.dataDir,
        config.redisServerBin,
        logger,
        config.startupTimeoutMs || 10_000,
      );
      stack.push('embedded Redis', () => r.stop());
      redisUrl = r.url;
    } else {
      await waitForRedis(redisUrl, config.startupTimeoutMs, logger);
    }
  }

  const orm = await connectDatabase(config, databaseUrl, embeddedDatabase, logger);
  stack.push('database connection', () => orm.close());
  return {
    databaseUrl,
    redisUrl,
    embeddedDatabase,
    orm,
    migrate: () => migrate(orm, { lock: !embeddedDatabase }),
  };
}

async function connectDatabase(
  config: Config,
  url: string,
  embedded: boolean,
  logger: Logger,
): Promise<MikroORM> {
  const orm = await initORM({
    entities: HUB_ENTITIES,
    url,
    // PGlite is a single session: a second pooled connection would wait forever behind an open transaction.
    poolMax: embedded ? 1 : config.db.poolMax,
    statementTimeoutMs: config.db.statementTimeoutMs,
    logger,
  });
  try {
    await retryUntil(
      async () => {
        await orm.schema.ensureDatabase({ forceCheck: true }); // creates the database on a fresh server
        await orm.em.getConnection().execute('select 1');
      },
      config.startupTimeoutMs,
      (error, n) =>
        logger.warn({ attempt: n, err: errorMessage(error) }, 'PostgreSQL not reachable yet; retrying'),
    );
  } catch (error) {
    await orm.close().catch(() => undefined);
    throw new StartupError(
      `PostgreSQL at ${redactUrl(url)} is unreachable after ${Math.round(config.startupTimeoutMs / 1000)} s: ${errorMessage(error)}`,
    );
  }
  return orm;
}

export interface HubOptions {
  gateway: boolean;
  workers: boolean;
}

export interface RunningHub {
  gateway?: RunningGateway;
  /** The handsets' mutual-TLS endpoint (with the gateway). */
  devices?: RunningDeviceEndpoint;
  workers?: RunningWorkers;
  infrastructure: Infrastructure;
  stop(): Promise<void>;
}

/** Starts the hub: infrastructure, migrations, the demo county if asked, then the gateway and/or workers. */
export async function startHub(config: Config, logger: Logger, options: HubOptions): Promise<RunningHub> {
  const stack = new Stack(logger);
  try {
    const infrastructure = await openInfrastructure(config, logger, stack);
    const { orm, redisUrl } = infrastructure;

    const applied = await infrastructure.migrate();
    logger.info({ applied }, applied.length ? 'migrations applied' : 'database schema is up to date');
    const secretKey = loadSecretKey(config.secretKey, config.dataDir);
    // The device CA's passphrase and issuing settings, for the gateway and for the workers' CRL refresh.
    configureDeviceCa(caSettingsFromConfig(config));
    if (config.demo) {
      // Through the front door: simulated departments, read by their connectors (the simulator stays up, on
      // the stack, so operators can run the connectors again).
      await startDemoCounty({
        em: () => orm.em.fork(),
        scale: config.demoScale,
        dataDir: config.dataDir,
        databaseUrl: infrastructure.databaseUrl,
        embedded: infrastructure.embeddedDatabase,
        secretKey,
        logger,
        resources: stack,
      });
      // Someone trying the demo needs keys to call with: an administrator and three example partners.
      await ensureDemoPrincipals(orm.em.fork(), config.dataDir, logger);
      // The IT office's handsets, SIMs and workers, through the inventory import.
      await seedDemoFleet(orm.em.fork(), { scale: config.demoScale, logger });
      // Finance's reference year: the carriers' statements, reconciled, and the budget.
      await seedDemoFees(orm.em.fork(), { dir: path.join(config.dataDir, 'demo-fees'), logger });
      // The 2023 indicators as the year's end would have stored them, for the self-evaluation report.
      await snapshotDemoYear(orm.em.fork(), { logger });
    }

    const queues = new QueueRegistry(redisUrl, config.queuePrefix);
    stack.push('queues', () => queues.close());

    let workers: RunningWorkers | undefined;
    if (options.workers) {
      workers = await startWorkers({
        redisUrl,
        registry: queues,
        concurrency: config.workerConcurrency,
        closeTimeoutMs: config.shutdownTimeoutMs,
        lockDurationMs: config.jobLockMs,
        orm,
        logger,
        secretKey,
      });
      stack.push('workers', () => workers!.close());
    }

    let gateway: RunningGateway | undefined;
    let devices: RunningDeviceEndpoint | undefined;
    if (options.gateway) {
      // Live notices of the events workflow (a dispatch, an overdue step) for the gateway's subscribers.
      const notices = new NoticePublisher(redisUrl, logger, config.queuePrefix);
      stack.push('event notice publisher', () => notices.close());
      try {
        await ensureDeviceCa(orm.em.fork());
        devices = await startDeviceEndpoint({ config, orm, logger, queues, notices });
      } catch (error) {
        if (error instanceof DomainError || /GRIDHUB_DEVICE_PORT/.test(String(error))) {
          throw new StartupError(`device CA: ${(error as Error).message}`);
        }
        throw error;
      }
      stack.push('device endpoint', () => devices!.close());
      const redis = new Redis(requestConnection(redisUrl));
      redis.on('error', () => undefined); // ioredis reconnects by itself; /readyz reports the outage
      stack.push('readiness Redis client', async () => redis.disconnect());
      gateway = await startGateway({
        config,
        orm,
        queues,
        redis,
        logger,
        secretKey,
        notices,
        deviceEndpointUrl: devices.url,
      });
      stack.push('gateway', () => gateway!.close());
      // Certificates name the CRL at the gateway's address unless GRIDHUB_PUBLIC_URL says otherwise.
      if (!config.publicUrl) configureDeviceCa(caSettingsFromConfig(config, gateway.url));
    }

    let stopping: Promise<void> | undefined;
    return {
      gateway,
      devices,
      workers,
      infrastructure,
      stop: () => {
        stopping ??= stack.unwind().then(() => logger.info('hub stopped'));
        return stopping;
      },
    };
  } catch (error) {
    await stack.unwind();
    throw error;
  }
}

export { Stack };
