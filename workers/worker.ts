import { Worker } from 'bullmq';
import type { Logger } from '../schema/runtime/logger';
import { errorMessage } from '../schema/runtime/retry';
import { NoticePublisher } from './notices';
import { PROCESSORS, type ProcessorDeps } from './processors';
import { QUEUE_NAMES, type QueueRegistry, SCHEDULES } from './queues';
import { workerConnection } from './redis';
import { syncConnectorSchedules } from './schedules';

export interface WorkerOptions extends Omit<ProcessorDeps, 'registry' | 'notices'> {
  redisUrl: string;
  registry: QueueRegistry;
  concurrency: number;
  /** How long active jobs may take to finish when the workers stop. */
  closeTimeoutMs: number;
  /** BullMQ's job lock (default 30 s): how soon a dead worker's job is taken over. */
  lockDurationMs?: number;
}

/**
 * Closes a worker, letting its active jobs finish, but never waits longer than `timeoutMs`: BullMQ's
 * close() can hang forever when its blocking connection is still reconnecting after a Redis outage
 * (taskforcesh/bullmq#4656). An unfinished job is not lost: its lock expires and another worker takes it.
 */
async function closeWithin(worker: Worker, timeoutMs: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([worker.close().then(() => 'closed' as const), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    logger.warn(
      { queue: worker.name, timeoutMs },
      'worker did not close in time; abandoning its connections',
    );
    void worker.disconnect().catch(() => undefined);
  }
}

export interface RunningWorkers {
  workers: Worker[];
  /** Stops taking jobs and waits for the active ones to finish. */
  close(): Promise<void>;
}

/** Starts one BullMQ worker per queue and registers the repeating schedules. */
export async function startWorkers({
  redisUrl,
  registry,
  concurrency,
  closeTimeoutMs,
  orm,
  logger,
  secretKey,
  lockDurationMs,
}: WorkerOptions): Promise<RunningWorkers> {
  const notices = new NoticePublisher(redisUrl, logger, registry.prefix);
  const deps = { orm, logger, secretKey, registry, notices };
  const workers = QUEUE_NAMES.map((name) => {
    const worker = new Worker(
      name,
      (job) =>
        PROCESSORS[name](job, {
          ...deps,
          logger: logger.child({ queue: name, job: job.name, jobId: job.id }),
        }),
      {
        connection: workerConnection(redisUrl),
        prefix: registry.prefix,
        concurrency,
        // A worker killed mid-job: its lock expires and another worker resumes the job (sync runs resume
        // from their last committed chunk). Shorter in tests so the takeover is quick.
        ...(lockDurationMs ? { lockDuration: lockDurationMs, stalledInterval: lockDurationMs } : {}),
      },
    );
    worker.on('failed', (job, error) =>
      logger.error(
        {
          queue: name,
          job: job?.name,
          jobId: job?.id,
          attempts: job?.attemptsMade,
          err: errorMessage(error),
        },
        'job failed',
      ),
    );
    worker.on('error', (error) =>
      logger.warn({ queue: name, err: errorMessage(error) }, 'worker connection problem'),
    );
    return worker;
  });
  for (const s of SCHEDULES) {
    await registry.queue(s.queue).upsertJobScheduler(s.id, { pattern: s.pattern }, { name: s.job, data: {} });
  }
  await syncConnectorSchedules(orm.em.fork(), registry);
  logger.info({ queues: QUEUE_NAMES, concurrency }, 'workers started');
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => closeWithin(w, closeTimeoutMs, logger)));
      await notices.close();
      logger.info('workers stopped');
    },
  };
}
