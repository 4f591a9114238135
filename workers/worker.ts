import { Worker } from 'bullmq';
import { errorMessage } from '../schema/runtime/retry';
import { PROCESSORS, type ProcessorDeps } from './processors';
import { QUEUE_NAMES, type QueueRegistry, SCHEDULES } from './queues';
import { workerConnection } from './redis';

export interface WorkerOptions extends ProcessorDeps {
  redisUrl: string;
  registry: QueueRegistry;
  concurrency: number;
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
  orm,
  logger,
}: WorkerOptions): Promise<RunningWorkers> {
  const deps = { orm, logger };
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
  logger.info({ queues: QUEUE_NAMES, concurrency }, 'workers started');
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      logger.info('workers stopped');
    },
  };
}
