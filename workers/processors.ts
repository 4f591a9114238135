import type { Job } from 'bullmq';
import type { MikroORM } from '../schema/db/orm';
import { verifyRegionTree } from '../schema/regions/region.service';
import type { Logger } from '../schema/runtime/logger';
import type { QueueName } from './queues';

export interface ProcessorDeps {
  orm: MikroORM;
  logger: Logger;
}

type Processor = (job: Job, deps: ProcessorDeps) => Promise<unknown>;

/** One processor per queue; each dispatches on the job name to a domain service and does nothing else. */
export const PROCESSORS: Record<QueueName, Processor> = {
  async upkeep(job, { orm, logger }) {
    switch (job.name) {
      case 'verify-region-tree': {
        const problems = await verifyRegionTree(orm.em.fork());
        if (problems.length) logger.error({ problems: problems.slice(0, 20) }, 'region tree is inconsistent');
        return { checked: true, problems };
      }
      default:
        throw new Error(`upkeep: unknown job "${job.name}"`);
    }
  },
};
