import type { EntityManager } from '@mikro-orm/postgresql';
import { listConnectors } from '../connectors/connector.service';
import { connectorSchedulerId, type QueueRegistry } from './queues';

/**
 * Makes the `sync` queue's job schedulers match the connectors' cron schedules: one scheduler per enabled
 * connector with a schedule (China time), none for the others. Called at worker start and after every change
 * to a connector, so a schedule takes effect without a restart.
 */
export async function syncConnectorSchedules(em: EntityManager, registry: QueueRegistry): Promise<number> {
  const queue = registry.queue('sync');
  const wanted = new Map(
    (await listConnectors(em))
      .filter((c) => c.enabled && c.schedule)
      .map((c) => [connectorSchedulerId(c.name), c]),
  );
  for (const scheduler of await queue.getJobSchedulers()) {
    if (scheduler.key.startsWith('connector:') && !wanted.has(scheduler.key))
      await queue.removeJobScheduler(scheduler.key);
  }
  for (const [id, c] of wanted) {
    await queue.upsertJobScheduler(
      id,
      { pattern: c.schedule!, tz: 'Asia/Shanghai' },
      { name: 'scheduled-run', data: { connector: c.name } },
    );
  }
  return wanted.size;
}
