import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gql, spawnHub } from '../support/hub';

/** The pid of the embedded redis-server of `dataDir` while it runs (redis removes its pid file on exit). */
async function embeddedRedisPid(dataDir: string): Promise<number | null> {
  const pid = Number(
    (await readFile(path.join(dataDir, 'redis', 'redis-server.pid'), 'utf8').catch(() => '')).trim(),
  );
  return pid && isRunning(pid) ? pid : null;
}

/** Alive and not a zombie (an orphan of a killed hub may wait to be reaped by whoever adopted it). */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('the hub on embedded defaults (no DATABASE_URL, no REDIS_URL)', () => {
  const dirs: string[] = [];
  const newDataDir = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gridhub-embedded-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('starts PGlite and redis-server in the data directory, serves the demo county, stops both, and finds its data again', async () => {
    const dataDir = await newDataDir();
    const env = {
      GRIDHUB_DATA_DIR: dataDir,
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      LOG_LEVEL: 'info',
      // 2 % of the county keeps each start short (the bench loads it all) and is enough for the fees demo's
      // planted irregularities, so its statements go through PGlite, which takes no COPY.
      GRIDHUB_DEMO_SCALE: '0.02',
    };
    const query = `{ region(code: "620725101") { name createdAt children { code } } hub { queues { name } }
      people(filter: { regionCode: "620725" }) { totalCount } }`;

    const first = await spawnHub(env);
    let redisPid: number | null;
    try {
      redisPid = await embeddedRedisPid(dataDir);
      expect(redisPid).not.toBeNull();
    } catch (error) {
      await first.stop();
      throw error;
    }
    // The demo writes its callers' keys once, readable by the hub's user only.
    const keysFile = path.join(dataDir, 'demo-keys.json');
    expect(statSync(keysFile).mode & 0o777).toBe(0o600);
    const keys = JSON.parse(readFileSync(keysFile, 'utf8')) as Record<
      string,
      { key: string; roles: string[] }
    >;
    expect(Object.keys(keys)).toEqual([
      'demo-admin',
      'demo-it',
      'demo-finance',
      'demo-gongan',
      'demo-minzheng',
      'demo-qingquan',
    ]);
    const key = keys['demo-admin']!.key;
    expect((await gql(first.url, query)).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const answer = await gql<{ region: { name: string; createdAt: string; children: unknown[] } }>(
      first.url,
      query,
      {},
      { key },
    );
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.region.name).toBe('清泉镇');
    expect(answer.body.data?.region.children).toHaveLength(27);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    expect(first.logs.find((l) => l.msg === 'demo county region tree loaded')).toMatchObject({
      inserted: 352,
    });
    expect(first.logs.find((l) => l.msg === 'demo statements imported and reconciled')).toMatchObject({
      statements: 24,
    });
    // 1 % of ≈ 160,000 people, loaded through PGlite's socket server (JSON transport, no COPY there).
    expect(
      (answer.body.data as unknown as { people: { totalCount: number } }).people.totalCount,
    ).toBeGreaterThan(1_000);
    expect(await first.stop('SIGTERM')).toBe(0);
    const stopped = first.logs.map((l) => l.msg);
    expect(stopped).toEqual(
      expect.arrayContaining(['embedded Redis stopped', 'embedded PostgreSQL stopped', 'hub stopped']),
    );
    expect(isRunning(redisPid!)).toBe(false);
    expect(existsSync(path.join(dataDir, 'pglite.lock'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'redis.lock'))).toBe(false);

    // Second start: the same database, nothing to migrate, the demo rows untouched.
    const second = await spawnHub({ ...env, LOG_LEVEL: 'info' });
    try {
      // The keys written on the first start still work; none are issued again.
      const again = await gql<{ region: { createdAt: string } }>(second.url, query, {}, { key });
      expect(JSON.parse(readFileSync(keysFile, 'utf8'))['demo-admin'].key).toBe(key);
      expect(again.body.data?.region.createdAt).toBe(answer.body.data?.region.createdAt);
      expect(second.logs.map((l) => l.msg)).toContain('database schema is up to date');
      expect(second.logs.find((l) => l.msg === 'demo county region tree loaded')).toMatchObject({
        inserted: 0,
        unchanged: 352,
      });
      expect(second.logs.map((l) => l.msg)).toContain('demo county data already present; not loaded again');
    } finally {
      // Ctrl+C in a terminal: SIGINT to the whole process group, embedded redis-server included.
      expect(await second.stop('SIGINT', { group: true })).toBe(0);
      expect(second.logs.map((l) => l.msg)).toEqual(
        expect.arrayContaining(['workers stopped', 'embedded Redis stopped', 'hub stopped']),
      );
    }
  });

  it('refuses a second hub on the same data directory, naming the process that holds it', async () => {
    const dataDir = await newDataDir();
    const env = {
      GRIDHUB_DATA_DIR: dataDir,
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      GRIDHUB_DEMO_SCALE: '0.01',
    };
    const first = await spawnHub(env);
    try {
      await expect(spawnHub(env)).rejects.toThrow(
        new RegExp(`the embedded PostgreSQL data directory is in use by process ${first.child.pid}`),
      );
    } finally {
      await first.stop();
    }
  });

  it('after a kill -9, the next start takes over the locks, stops the orphaned redis-server and keeps the data', async () => {
    const dataDir = await newDataDir();
    const env = {
      GRIDHUB_DATA_DIR: dataDir,
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      LOG_LEVEL: 'info',
      GRIDHUB_DEMO_SCALE: '0.01', // 1 % of the county keeps each start short; the bench loads it all
    };
    const crashed = await spawnHub(env);
    const orphan = await embeddedRedisPid(dataDir);
    expect(await crashed.stop('SIGKILL')).toBeNull();
    expect(isRunning(orphan!)).toBe(true); // nothing stopped it

    const next = await spawnHub(env);
    try {
      expect(next.logs).toContainEqual(
        expect.objectContaining({
          msg: 'stopping a redis-server left behind by an earlier run',
          pid: orphan,
        }),
      );
      expect(isRunning(orphan!)).toBe(false);
      const { body } = await gql<{ regions: unknown[] }>(next.url, '{ regions(level: GRID) { code } }');
      expect(body.data?.regions).toHaveLength(220);
    } finally {
      expect(await next.stop()).toBe(0);
    }
  });
});
