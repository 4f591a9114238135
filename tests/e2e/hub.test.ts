import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, runHub, type SpawnedHub, spawnHub } from '../support/hub';
import {
  databaseUrlFor,
  dropDatabase,
  scratchDatabaseName,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
} from '../support/services';

const realServers = {
  DATABASE_URL: TEST_DATABASE_URL,
  REDIS_URL: TEST_REDIS_URL,
  GRIDHUB_QUEUE_PREFIX: `e2e-${process.pid}`,
  GRIDHUB_DEMO: 'false',
  GRIDHUB_STARTUP_TIMEOUT_MS: '3000',
};

describe('the hub started as a user would, against real PostgreSQL and Redis', () => {
  let hub: SpawnedHub;
  beforeAll(async () => {
    hub = await spawnHub(realServers);
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it('answers region queries with children and ancestors', async () => {
    const { status, body } = await gql(
      hub.url,
      `query($code: String!) {
        region(code: $code) {
          code name level kind synthetic parentCode
          parent { code }
          ancestors { code name level }
          children { code name kind }
          grids: descendantCount(level: GRID)
        }
      }`,
      { code: '620725101001' },
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      region: expect.objectContaining({
        code: '620725101001',
        name: '长城社区',
        level: 'VILLAGE',
        kind: 'COMMUNITY',
        synthetic: true,
        parentCode: '620725101',
        parent: { code: '620725101' },
        ancestors: [
          { code: '620725', name: '山丹县', level: 'COUNTY' },
          { code: '620725101', name: '清泉镇', level: 'TOWNSHIP' },
        ],
        grids: 9, // its urban grids; no special grid is hosted here
      }),
    });
    const children = (body.data as { region: { children: Array<{ code: string; kind: string }> } }).region
      .children;
    expect(children).toHaveLength(9);
    expect(children[0]).toEqual({ code: '620725101001-G01', name: '长城社区第1网格', kind: 'URBAN_GRID' });
  });

  it('lists regions by parent and level', async () => {
    const { body } = await gql(
      hub.url,
      `{
        top: regions { code }
        townships: regions(level: TOWNSHIP) { code name }
        lqGrids: regions(parentCode: "620725204", level: GRID) { code }
        children: regions(parentCode: "620725203") { code }
      }`,
    );
    expect(body.errors).toBeUndefined();
    const data = body.data as Record<string, Array<{ code: string; name?: string }>>;
    expect(data.top).toEqual([{ code: '620725' }]);
    expect(data.townships.map((t) => t.name)).toEqual([
      '清泉镇',
      '位奇镇',
      '霍城镇',
      '陈户镇',
      '大马营镇',
      '东乐镇',
      '老军乡',
      '李桥乡',
    ]);
    expect(data.lqGrids).toHaveLength(10);
    expect(data.children).toHaveLength(10);
  });

  it('answers an unknown region code with a stable error code, not null and not a 500', async () => {
    const { status, body } = await gql(hub.url, '{ region(code: "620725999") { code } }');
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([
      expect.objectContaining({
        message: 'No region with code "620725999"',
        path: ['region'],
        extensions: { code: 'REGION_NOT_FOUND', region: '620725999' },
      }),
    ]);
    const parent = await gql(hub.url, '{ regions(parentCode: "nowhere") { code } }');
    expect(parent.body.errors?.[0].extensions?.code).toBe('REGION_NOT_FOUND');
  });

  it('rejects malformed requests with clear errors and no internals', async () => {
    const invalid = await gql(hub.url, '{ region(code: "620725") { nonsense } }');
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const badJson = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.text()).not.toMatch(/at .*\.js:\d+/);

    const huge = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ region(code: "${'x'.repeat(2 * 1024 * 1024)}") { code } }` }),
    });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toEqual({ error: 'BODY_TOO_LARGE', message: 'Request body exceeds 1mb' });

    const missing = await fetch(`${hub.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'NOT_FOUND' });
  });

  it('serves health, readiness, metrics and the explorer', async () => {
    expect(await (await fetch(`${hub.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${hub.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      checks: { postgres: { ok: true }, redis: { ok: true } },
    });

    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(metrics).toContain('gridhub_http_request_duration_seconds_bucket');
    expect(metrics).toContain('route="/graphql"');

    const page = await fetch(`${hub.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('gridhub GraphQL');

    const status = await gql(hub.url, '{ hub { version queues { name } } }');
    expect(status.body.data).toEqual({
      hub: {
        version: expect.stringMatching(/^\d+\.\d+\.\d+/),
        queues: [{ name: 'upkeep' }, { name: 'sync' }, { name: 'events' }],
      },
    });
  });

  it('writes JSON log lines, one per request', async () => {
    await fetch(`${hub.url}/readyz`, { headers: { 'x-request-id': 'trace-me-42' } });
    await new Promise((r) => setTimeout(r, 100));
    const line = hub.logs.find((l) => (l.req as { id?: string } | undefined)?.id === 'trace-me-42');
    expect(line).toMatchObject({
      level: 'info',
      service: 'gridhub',
      component: 'http',
      res: { status: 200 },
    });
    expect(typeof line?.time).toBe('string');
  });
});

describe('graceful shutdown', () => {
  it('finishes a request in flight when SIGTERM arrives, then exits 0', async () => {
    const hub = await spawnHub(realServers);
    const { port } = new URL(hub.url);
    const body = JSON.stringify({ query: '{ region(code: "620725") { name } }' });
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let response = '';
    socket.on('data', (c) => {
      response += c.toString();
    });
    const ended = new Promise((r) => socket.once('close', r));
    // Headers and half the body now: the request is in flight when the signal comes.
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((r) => setTimeout(r, 200));
    const exit = hub.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    socket.write(body.slice(10));
    await ended;
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    expect(response).toContain('{"data":{"region":{"name":"山丹县"}}}');
    expect(await exit).toBe(0);
    const messages = hub.logs.map((l) => l.msg);
    expect(messages).toContain('gateway stopped');
    expect(messages).toContain('workers stopped');
    expect(messages.at(-1)).toBe('hub stopped');
  });
});

describe('start-up failures say what is wrong, without a stack trace', () => {
  const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

  it('an unreachable PostgreSQL is named after a bounded retry', async () => {
    const { code, stderr } = await runHub(
      {
        ...realServers,
        DATABASE_URL: 'postgres://hub:secret@127.0.0.1:1/gridhub',
        GRIDHUB_STARTUP_TIMEOUT_MS: '1000',
      },
      ['start'],
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^gridhub: PostgreSQL at postgres:\/\/hub:\*\*\*@127\.0\.0\.1:1\/gridhub is unreachable after 1 s: /,
    );
    expect(stderr).not.toContain('secret');
    noStack(stderr);
  });

  it('an unreachable Redis is named after a bounded retry', async () => {
    const { code, stderr } = await runHub(
      { ...realServers, REDIS_URL: 'redis://127.0.0.1:1', GRIDHUB_STARTUP_TIMEOUT_MS: '1000' },
      ['start'],
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^gridhub: Redis at redis:\/\/127\.0\.0\.1:1 is unreachable after 1 s: .*ECONNREFUSED/,
    );
    noStack(stderr);
  });

  it('no REDIS_URL and no redis-server names the install command', async () => {
    const { code, stderr } = await runHub(
      {
        ...realServers,
        REDIS_URL: undefined,
        GRIDHUB_REDIS_SERVER_BIN: 'redis-server-not-installed',
        GRIDHUB_DATA_DIR: `/tmp/gridhub-e2e-noredis-${process.pid}`,
      },
      ['start'],
    );
    expect(code).toBe(1);
    expect(stderr).toContain('"redis-server-not-installed" was not found on PATH');
    expect(stderr).toContain('apt-get install redis-server');
    noStack(stderr);
  });

  it('a bad variable is named with its rule', async () => {
    const { code, stderr } = await runHub({ ...realServers, PORT: 'eighty', LOG_LEVEL: 'loud' }, ['start']);
    expect(code).toBe(1);
    expect(stderr).toContain('PORT="eighty": must be a number');
    expect(stderr).toContain('LOG_LEVEL="loud": must be one of');
    noStack(stderr);
  });
});

describe('the hub command', () => {
  it('--help explains each subcommand and the configuration', async () => {
    const { code, stdout } = await runHub({}, ['--help']);
    expect(code).toBe(0);
    for (const command of ['start', 'gateway', 'worker', 'migrate', 'seed-demo', 'schema', 'config']) {
      expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b.*\\S`, 'm'));
    }
    expect(stdout).toContain('DATABASE_URL');
    expect(stdout).toContain('GRIDHUB_DATA_DIR');
  });

  it('migrate --check passes on a database built from the committed migrations', async () => {
    const { code, stdout } = await runHub(realServers, ['migrate', '--check']);
    expect(stdout).toContain('database schema matches the migrations and the entities');
    expect(code).toBe(0);
  });

  it('migrate creates a database that does not exist yet, then applies the migrations', async () => {
    const name = scratchDatabaseName('fresh');
    await dropDatabase(name);
    try {
      const { code, stdout, stderr } = await runHub({ ...realServers, DATABASE_URL: databaseUrlFor(name) }, [
        'migrate',
      ]);
      expect(stderr).toBe('');
      expect(stdout).toMatch(/^applied: Migration\d+_init/);
      expect(code).toBe(0);
    } finally {
      await dropDatabase(name);
    }
  });

  it('config shows the effective settings with passwords hidden', async () => {
    const { code, stdout } = await runHub({ DATABASE_URL: 'postgres://hub:secret@db:5432/gridhub' }, [
      'config',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      databaseUrl: 'postgres://hub:***@db:5432/gridhub',
      redisUrl: '(embedded redis-server)',
    });
  });
});
