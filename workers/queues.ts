import { type JobsOptions, Queue } from 'bullmq';
import type { RunCounters } from '../connectors/sync';
import type { ReconciliationReport } from '../fleet/reconciliation';
import type { DeadlineFired, DeadlineStage } from '../schema/events/workflow.service';
import type { TreeProblem } from '../schema/regions/region.service';
import { isConnectionError, ServiceUnavailableError } from '../schema/runtime/errors';
import { errorMessage } from '../schema/runtime/retry';
import { requestConnection } from './redis';

/**
 * The hub's queues and the jobs each carries, with their payload and result types. Producers (the
 * gateway, the CLI) and processors (the workers) both type-check against this one table.
 */
export interface QueueJobs {
  upkeep: {
    'verify-region-tree': { data: Record<string, never>; result: { checked: true; problems: TreeProblem[] } };
    /** Keeps the read audit's next monthly partitions ready. */
    'ensure-audit-partitions': { data: Record<string, never>; result: { partitions: string[] } };
    /** Publishes a fresh device CRL (the handsets' endpoints load it when its number changes). */
    'refresh-crl': { data: Record<string, never>; result: { crlNumber: string | null } };
    /** Audits the handset certificates expiring within 30 days. */
    'certificate-expiry-sweep': { data: Record<string, never>; result: { expiring: number } };
    /** Stores every indicator of the county and each township for yesterday, its month, quarter and year. */
    'indicator-snapshot': {
      data: Record<string, never>;
      result: { periods: string[]; regions: number; stored: number };
    };
  };
  sync: {
    /** Executes (or resumes) a queued run. */
    'run-connector': { data: { runId: string }; result: RunCounters };
    /** A connector's cron schedule fired: queue a run and execute it (skipped if one is active). */
    'scheduled-run': { data: { connector: string }; result: RunCounters | { skipped: string } };
    /** Reconciles a carrier statement against the fleet (started on import, or on demand). */
    'reconcile-statement': { data: { statementId: string; actor?: string }; result: ReconciliationReport };
  };
  events: {
    /** One stage of an event's deadline (a delayed job): raises the yellow, then the red card. */
    deadline: { data: { eventId: string; deadlineAt: string; stage: DeadlineStage }; result: DeadlineFired };
    /** Fires overdue deadlines whose delayed job was lost (Redis without persistence, a crash). */
    'deadline-sweep': { data: Record<string, never>; result: { fired: number } };
  };
}

export type QueueName = keyof QueueJobs;
export type JobName<Q extends QueueName> = keyof QueueJobs[Q] & string;
export type JobData<Q extends QueueName, J extends JobName<Q>> = QueueJobs[Q][J] extends { data: infer D }
  ? D
  : never;
export type JobResult<Q extends QueueName, J extends JobName<Q>> = QueueJobs[Q][J] extends { result: infer R }
  ? R
  : never;

export const QUEUE_NAMES: QueueName[] = ['upkeep', 'sync', 'events'];

/** Kept jobs: enough history to inspect, bounded so Redis does not grow without end. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 1_000 },
  // Failed jobs are the dead-letter list: kept for a month for inspection and retry.
  removeOnFail: { age: 30 * 24 * 3600 },
};

/**
 * Sync jobs: a transient failure (a 503, a dropped connection) is retried with backoff, resuming from the
 * last committed chunk; the job id is unique per queuing so a resumed run gets a fresh job.
 */
export const SYNC_JOB_OPTIONS: JobsOptions = {
  attempts: 4,
  backoff: { type: 'exponential', delay: 2_000 },
};

/** The scheduler id of a connector's cron schedule. */
export function connectorSchedulerId(connector: string): string {
  return `connector:${connector}`;
}

/** Repeating jobs the workers register at start (idempotent upserts, one schedule cluster-wide). */
export const SCHEDULES: Array<{ queue: QueueName; id: string; job: string; pattern: string }> = [
  { queue: 'upkeep', id: 'nightly-verify-region-tree', job: 'verify-region-tree', pattern: '0 3 * * *' },
  { queue: 'upkeep', id: 'nightly-audit-partitions', job: 'ensure-audit-partitions', pattern: '30 3 * * *' },
  { queue: 'upkeep', id: 'hourly-refresh-crl', job: 'refresh-crl', pattern: '7 * * * *' },
  { queue: 'upkeep', id: 'nightly-cert-expiry', job: 'certificate-expiry-sweep', pattern: '15 2 * * *' },
  { queue: 'upkeep', id: 'nightly-indicator-snapshot', job: 'indicator-snapshot', pattern: '45 1 * * *' },
  { queue: 'events', id: 'minutely-deadline-sweep', job: 'deadline-sweep', pattern: '* * * * *' },
];

/** Runs a Redis call, turning "Redis is not there" into REDIS_UNAVAILABLE for the caller. */
async function redisCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isConnectionError(error) || /Stream isn't writeable|Connection is closed/.test(errorMessage(error))) {
      throw new ServiceUnavailableError('Redis', errorMessage(error));
    }
    throw error;
  }
}

/**
 * Queues the reconciliation of a statement on the 'sync' queue. The job id is unique per queuing (a
 * re-import queues a fresh reconciliation); reconciliations of one carrier and month serialize in the
 * database (an advisory lock), and each replaces the month's findings.
 */
export function queueReconciliation(registry: QueueRegistry, statementId: string, actor = 'system') {
  return registry.add('sync', 'reconcile-statement', { statementId, actor }, { attempts: 2 });
}

/**
 * Schedules a stage of an event's deadline as a delayed job. The job id names the event, the deadline and the
 * stage, so scheduling the same deadline twice (a retry, the sweeper) queues one job; a deadline that moved
 * on leaves its old job to find itself stale.
 */
export function scheduleDeadline(
  registry: QueueRegistry,
  deadline: { eventId: string; at: string },
  stage: DeadlineStage = 'yellow',
  at = deadline.at,
) {
  const job = deadlineJob(deadline, stage, at);
  return registry.add('events', 'deadline', job.data, job.opts);
}

/** A deadline stage's job: its id names the event, the deadline and the stage, so it is queued once. */
function deadlineJob(deadline: { eventId: string; at: string }, stage: DeadlineStage, at: string) {
  return {
    name: 'deadline' as const,
    data: { eventId: deadline.eventId, deadlineAt: deadline.at, stage },
    opts: {
      jobId: `deadline.${deadline.eventId}.${Date.parse(deadline.at)}.${stage}`,
      delay: Math.max(0, Date.parse(at) - Date.now()),
      attempts: 5,
    },
  };
}

/**
 * Deadlines queued in batches: the handsets' endpoint answers hundreds of reports a second, and one
 * `addBulk` per turn of the event loop (a single Redis pipeline) costs far less than a script call per report.
 * Each caller still learns whether its own deadline was queued.
 */
export class DeadlineBatcher {
  private pending: Array<{
    deadline: { eventId: string; at: string };
    done: (error?: unknown) => void;
  }> = [];

  constructor(private readonly registry: QueueRegistry) {}

  schedule(deadline: { eventId: string; at: string }): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => void this.flush());
      this.pending.push({ deadline, done: (error) => (error ? reject(error) : resolve()) });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      await redisCall(() =>
        this.registry
          .queue('events')
          .addBulk(batch.map(({ deadline }) => deadlineJob(deadline, 'yellow', deadline.at))),
      );
      for (const p of batch) p.done();
    } catch (error) {
      for (const p of batch) p.done(error);
    }
  }
}

export class QueueRegistry {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    private readonly redisUrl: string,
    readonly prefix = 'gridhub',
  ) {}

  queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, {
        connection: requestConnection(this.redisUrl),
        prefix: this.prefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      });
      q.on('error', () => undefined); // reported through /readyz and the failing call, not as a crash
      this.queues.set(name, q);
    }
    return q;
  }

  add<Q extends QueueName, J extends JobName<Q>>(queue: Q, job: J, data: JobData<Q, J>, opts?: JobsOptions) {
    return redisCall(() => this.queue(queue).add(job, data, opts));
  }

  counts(): Promise<Array<{ queue: QueueName; counts: Record<string, number> }>> {
    return redisCall(() =>
      Promise.all(
        QUEUE_NAMES.map(async (queue) => ({
          queue,
          counts: await this.queue(queue).getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed'),
        })),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
