import { type Job, UnrecoverableError } from 'bullmq';
import { queueRun } from '../connectors/connector.service';
import type { SecretKey } from '../connectors/secrets';
import { executeRun, failRun, isTransient, type RunCounters } from '../connectors/sync';
import { refreshCrl, sweepExpiringCertificates } from '../fleet/enrollment.service';
import { reconcile } from '../fleet/reconciliation';
import { ensureAuditPartitions } from '../schema/audit/read-audit.service';
import type { MikroORM } from '../schema/db/orm';
import { type DeadlineStage, fireDeadline, overdueDeadlines } from '../schema/events/workflow.service';
import { takeNightlySnapshots } from '../schema/indicators/snapshots';
import { verifyRegionTree } from '../schema/regions/region.service';
import { DomainError } from '../schema/runtime/errors';
import type { Logger } from '../schema/runtime/logger';
import { errorMessage } from '../schema/runtime/retry';
import type { NoticePublisher } from './notices';
import { type QueueName, type QueueRegistry, scheduleDeadline } from './queues';

export interface ProcessorDeps {
  orm: MikroORM;
  logger: Logger;
  secretKey: SecretKey;
  /** For jobs that queue others (a yellow card schedules the red one). */
  registry: QueueRegistry;
  /** Live event notices (workers/notices.ts). */
  notices: NoticePublisher;
}

type Processor = (job: Job, deps: ProcessorDeps) => Promise<unknown>;

/**
 * Runs a sync run; a transient failure is rethrown for BullMQ to retry (the run resumes from its last
 * committed chunk), anything else, or the last attempt, marks the run failed and stops retrying.
 */
async function runSync(
  job: Job,
  runId: string,
  { orm, logger, secretKey }: ProcessorDeps,
): Promise<RunCounters> {
  const em = orm.em.fork();
  try {
    return await executeRun(em, secretKey, runId, {
      onProgress: (counters) => job.updateProgress(counters),
    });
  } catch (error) {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (isTransient(error) && !lastAttempt) {
      logger.warn(
        { runId, err: errorMessage(error), attempt: job.attemptsMade + 1 },
        'sync run interrupted; will resume',
      );
      throw error;
    }
    await failRun(em, runId, error);
    throw new UnrecoverableError(errorMessage(error));
  }
}

/** One processor per queue; each dispatches on the job name to a domain service and does nothing else. */
export const PROCESSORS: Record<QueueName, Processor> = {
  async upkeep(job, { orm, logger }) {
    switch (job.name) {
      case 'verify-region-tree': {
        const problems = await verifyRegionTree(orm.em.fork());
        if (problems.length) logger.error({ problems: problems.slice(0, 20) }, 'region tree is inconsistent');
        return { checked: true, problems };
      }
      case 'ensure-audit-partitions':
        return { partitions: await ensureAuditPartitions(orm.em.fork()) };
      case 'refresh-crl': {
        const crl = await refreshCrl(orm.em.fork());
        if (crl) logger.info({ crlNumber: crl.number, entries: crl.entries }, 'device CRL published');
        return { crlNumber: crl?.number ?? null };
      }
      case 'certificate-expiry-sweep': {
        const { expiring, certificates } = await sweepExpiringCertificates(orm.em.fork());
        if (expiring) {
          logger.warn(
            { expiring, first: certificates.slice(0, 20).map((c) => `${c.deviceId} ${c.daysLeft}d`) },
            'handset certificates expire within 30 days',
          );
        }
        return { expiring };
      }
      case 'indicator-snapshot': {
        const result = await takeNightlySnapshots(orm.em.fork());
        const periods = result.periods.map((p) => p.period);
        logger.info(
          { periods, regions: result.regions, stored: result.stored },
          'indicator snapshots stored',
        );
        return { periods, regions: result.regions, stored: result.stored };
      }
      default:
        throw new Error(`upkeep: unknown job "${job.name}"`);
    }
  },
  async sync(job, deps) {
    switch (job.name) {
      case 'run-connector':
        return runSync(job, (job.data as { runId: string }).runId, deps);
      case 'scheduled-run': {
        const connector = (job.data as { connector: string }).connector;
        try {
          const { run } = await queueRun(deps.orm.em.fork(), connector, 'schedule');
          return await runSync(job, run.id, deps);
        } catch (error) {
          if (error instanceof DomainError && error.code === 'RUN_ACTIVE') return { skipped: error.message };
          throw error;
        }
      }
      case 'reconcile-statement': {
        const { statementId, actor } = job.data as { statementId: string; actor?: string };
        try {
          const report = await reconcile(deps.orm.em.fork(), statementId, undefined, {
            actor: actor ?? 'system',
          });
          deps.logger.info(
            {
              statementId,
              runId: report.runId,
              discrepancies: report.discrepancies,
              atStakeFen: report.atStakeFen,
            },
            'statement reconciled',
          );
          return report;
        } catch (error) {
          // A statement that is gone (replaced by a re-import) or bad parameters will not get better.
          if (error instanceof DomainError) throw new UnrecoverableError(error.message);
          throw error;
        }
      }
      default:
        throw new Error(`sync: unknown job "${job.name}"`);
    }
  },
  async events(job, deps) {
    switch (job.name) {
      case 'deadline': {
        const { eventId, deadlineAt, stage } = job.data as {
          eventId: string;
          deadlineAt: string;
          stage: DeadlineStage;
        };
        return fireStage(deps, eventId, deadlineAt, stage);
      }
      case 'deadline-sweep': {
        let fired = 0;
        for (const d of await overdueDeadlines(deps.orm.em.fork())) {
          if (!d.yellow) fired += (await fireStage(deps, d.eventId, d.deadlineAt, 'yellow')).fired ? 1 : 0;
          else if (!d.red) fired += (await fireStage(deps, d.eventId, d.deadlineAt, 'red')).fired ? 1 : 0;
        }
        return { fired };
      }
      default:
        throw new Error(`events: unknown job "${job.name}"`);
    }
  },
};

/** Fires a deadline's stage, publishes its notices and, after a yellow card, schedules the red one. */
async function fireStage(deps: ProcessorDeps, eventId: string, deadlineAt: string, stage: DeadlineStage) {
  const result = await fireDeadline(deps.orm.em.fork(), eventId, deadlineAt, stage);
  // A delayed job that ran early (clock skew between Redis and PostgreSQL): BullMQ retries it with backoff.
  if (result.reason === 'not_due')
    throw new Error(`deadline ${deadlineAt} of event ${eventId} is not due yet`);
  if (result.fired) {
    deps.logger.info({ eventId, deadlineAt, stage }, 'event overdue: supervision raised');
    await deps.notices.publish(result.notices);
    if (result.next)
      await scheduleDeadline(deps.registry, { eventId, at: deadlineAt }, result.next.stage, result.next.at);
  }
  return result;
}
