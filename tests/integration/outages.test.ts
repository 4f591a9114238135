import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../gateway/hub';
import { gql, startTestHub } from '../support/hub';
import { eventually, freePort, PrivateRedis } from '../support/redis-server';
import { TEST_DATABASE_URL } from '../support/services';
import { TcpProxy } from '../support/tcp-proxy';

async function readyz(url: string) {
  const res = await fetch(`${url}/readyz`);
  return {
    status: res.status,
    body: (await res.json()) as { ready: boolean; checks: Record<string, { ok: boolean; error?: string }> },
  };
}

const REGION = '{ region(code: "620725101") { name } }';
const QUEUES = '{ hub { queues { name waiting } } }';

describe('Redis goes away and comes back', () => {
  let redis: PrivateRedis;
  let hub: RunningHub;
  afterAll(async () => {
    await hub?.stop();
    await redis?.stop();
  });

  it('reports the outage on /readyz and in errors, then recovers without a restart', async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    hub = await startTestHub({ REDIS_URL: redis.url, LOG_LEVEL: process.env.DEBUG_LOG ?? 'silent' });
    const url = hub.gateway!.url;
    expect((await readyz(url)).status).toBe(200);

    await redis.stop();
    await eventually(async () => (await readyz(url)).status === 503, 10_000, '/readyz to report Redis down');
    const down = await readyz(url);
    expect(down.body.checks.redis.ok).toBe(false);
    expect(down.body.checks.postgres.ok).toBe(true);

    const failing = await gql(url, QUEUES);
    expect(failing.body.errors?.[0].extensions?.code).toBe('REDIS_UNAVAILABLE');
    expect(failing.body.errors?.[0].message).toMatch(/^Redis is unavailable/);
    // What does not need Redis keeps working.
    expect((await gql(url, REGION)).body.data).toEqual({ region: { name: '清泉镇' } });

    await redis.start();
    await eventually(async () => (await readyz(url)).status === 200, 20_000, '/readyz to recover');
    // The queues' own connections reconnect on their own schedule, a moment after the readiness client's.
    await eventually(async () => !(await gql(url, QUEUES)).body.errors, 20_000, 'the queues to answer again');
    const back = await gql(url, QUEUES);
    expect(back.body.errors).toBeUndefined();
    expect(back.body.data).toMatchObject({
      hub: { queues: [{ name: 'upkeep' }, { name: 'sync' }, { name: 'events' }] },
    });
  });
});

describe('PostgreSQL goes away and comes back', () => {
  let proxy: TcpProxy;
  let hub: RunningHub;
  afterEach(async () => {
    await hub?.stop();
    await proxy?.cut();
  });

  it('reports the outage on /readyz and as DATABASE_UNAVAILABLE, then recovers without a restart', async () => {
    const target = new URL(TEST_DATABASE_URL);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(proxy.port);
    hub = await startTestHub({ DATABASE_URL: viaProxy.toString() });
    const url = hub.gateway!.url;
    expect((await gql(url, REGION)).body.data).toEqual({ region: { name: '清泉镇' } });

    await proxy.cut();
    const down = await readyz(url);
    expect(down.status).toBe(503);
    expect(down.body.checks.postgres.ok).toBe(false);
    expect(down.body.checks.redis.ok).toBe(true);
    const failing = await gql(url, REGION);
    expect(failing.status).toBe(200);
    expect(failing.body.errors?.[0].extensions?.code).toBe('DATABASE_UNAVAILABLE');
    expect(JSON.stringify(failing.body)).not.toMatch(/select|ECONNREFUSED|at .*\.js/i);

    await proxy.start();
    await eventually(async () => (await readyz(url)).status === 200, 20_000, '/readyz to recover');
    expect((await gql(url, REGION)).body.data).toEqual({ region: { name: '清泉镇' } });
  });
});
