import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../gateway/hub';
import { QueueRegistry } from '../../workers/queues';
import { workerConnection } from '../../workers/redis';
import { startTestHub } from '../support/hub';
import { TEST_REDIS_URL } from '../support/services';

describe('workers on real Redis', () => {
  const prefix = `test-workers-${process.pid}`;
  let hub: RunningHub;
  let registry: QueueRegistry;
  beforeAll(async () => {
    hub = await startTestHub({ GRIDHUB_QUEUE_PREFIX: prefix }, { gateway: false, workers: true });
    registry = new QueueRegistry(TEST_REDIS_URL, prefix);
  });
  afterAll(async () => {
    await registry.queue('upkeep').obliterate({ force: true });
    await registry.close();
    await hub.stop();
  });

  it('runs a job through the queue to its domain service and keeps the result', async () => {
    const events = new QueueEvents('upkeep', { connection: workerConnection(TEST_REDIS_URL), prefix });
    try {
      await events.waitUntilReady();
      const job = await registry.add('upkeep', 'verify-region-tree', {});
      const result = await job.waitUntilFinished(events, 30_000);
      expect(result).toEqual({ checked: true, problems: [] });
    } finally {
      await events.close();
    }
  });

  it('registers the nightly schedules once, however many workers start', async () => {
    const second = await startTestHub({ GRIDHUB_QUEUE_PREFIX: prefix }, { gateway: false, workers: true });
    try {
      const schedulers = await registry.queue('upkeep').getJobSchedulers();
      const byKey = Object.fromEntries(schedulers.map((s) => [s.key, s.pattern]));
      expect(byKey).toEqual({
        'nightly-verify-region-tree': '0 3 * * *',
        'nightly-audit-partitions': '30 3 * * *',
        'hourly-refresh-crl': '7 * * * *',
        'nightly-cert-expiry': '15 2 * * *',
        'nightly-indicator-snapshot': '45 1 * * *',
      });
    } finally {
      await second.stop();
    }
  });

  it('reports queue counts through the registry', async () => {
    const counts = await registry.counts();
    expect(counts.map((c) => c.queue)).toEqual(['upkeep', 'sync', 'events']);
    expect(counts[0].counts.completed).toBeGreaterThanOrEqual(1);
  });
});
