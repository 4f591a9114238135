import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../../gateway/hub';
import { runSql } from '../../../schema/common/rows';
import { demoCountyRegions } from '../../../schema/regions/demo-county';
import { loadRegionTree } from '../../../schema/regions/region.service';
import { redisOptionsFromUrl } from '../../../workers/redis';
import { runHub, startTestHub } from '../../support/hub';
import { dropDatabase, recreateDatabase, scratchDatabaseName, TEST_REDIS_URL } from '../../support/services';
import { csvConnector, type RegisterExport, SECRET_KEY, writeRegisterExport } from './operator-fixture';

const DB = scratchDatabaseName('conncli');
const PREFIX = `test-conncli-${process.pid}`;

// biome-ignore lint/suspicious/noExplicitAny: the assertions walk arbitrary JSON output
type Data = Record<string, any>;

/** `hub connectors …` from the build, as an operator runs it, against the workers of a running hub. */
describe('hub connectors (the CLI)', () => {
  let hub: RunningHub;
  let databaseUrl: string;
  let dir: string;
  let exp: RegisterExport;

  const cli = (...args: string[]) =>
    runHub(
      {
        DATABASE_URL: databaseUrl,
        REDIS_URL: TEST_REDIS_URL,
        GRIDHUB_SECRET_KEY: SECRET_KEY,
        GRIDHUB_QUEUE_PREFIX: PREFIX,
        GRIDHUB_DATA_DIR: dir,
        LOG_LEVEL: 'warn',
      },
      ['connectors', ...args],
    );
  const json = async (...args: string[]) => {
    const out = await cli(...args, '--json');
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    // biome-ignore lint/suspicious/noExplicitAny: the assertions walk arbitrary JSON output
    return JSON.parse(out.stdout) as any;
  };

  beforeAll(async () => {
    databaseUrl = await recreateDatabase(DB);
    // Workers only: the CLI talks to the database and queues runs for them on Redis.
    hub = await startTestHub(
      { DATABASE_URL: databaseUrl, GRIDHUB_SECRET_KEY: SECRET_KEY, GRIDHUB_QUEUE_PREFIX: PREFIX },
      { gateway: false, workers: true },
    );
    await loadRegionTree(hub.infrastructure.orm.em.fork(), demoCountyRegions());
    dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-conncli-'));
    exp = writeRegisterExport(dir, 'huji-cli', 1);
    writeFileSync(path.join(dir, 'connector.json'), JSON.stringify(csvConnector('cli-huji', exp)));
  });

  afterAll(async () => {
    const queue = new Queue('sync', { connection: redisOptionsFromUrl(TEST_REDIS_URL), prefix: PREFIX });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await hub?.stop();
    await dropDatabase(DB);
  });

  it('lists no connectors on a new hub, then registers one from a JSON file', async () => {
    expect(await json('list')).toEqual([]);

    const created = await cli('create', '--file', path.join(dir, 'connector.json'));
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('created connector cli-huji');

    const again = await cli('create', '--file', path.join(dir, 'connector.json'));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('CONNECTOR_EXISTS');

    const [listed] = await json('list');
    expect(listed).toMatchObject({ name: 'cli-huji', sourceType: 'csv', enabled: true, lastRun: null });
    const table = await cli('list');
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+TYPE\s+ENABLED/);
    expect(table.stdout).toContain('cli-huji');

    expect(await json('check', 'cli-huji')).toEqual({ ok: true });
    const [stream] = (await json('discover', 'cli-huji')).streams;
    expect(stream.name).toBe('huji-cli');
    const spec = await json('spec', 'csv');
    expect(spec).toMatchObject({ type: 'csv', secrets: [] });
  });

  it('runs it and waits for the report; bad rows are quarantined and can be replayed', async () => {
    const report = await json('run', 'cli-huji', '--wait');
    expect(report).toMatchObject({
      connector: 'cli-huji',
      status: 'succeeded',
      trigger: 'manual',
      read: 7,
      inserted: 5,
      quarantined: 2,
      resumed: false,
    });
    expect(report.read).toBe(
      report.inserted + report.updated + report.unchanged + report.quarantined + report.skipped,
    );
    const human = await cli('run', 'cli-huji', '--wait');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/: succeeded in [\d.]+ s/);
    expect(human.stdout).toContain(
      'read 7 = inserted 0 + updated 0 + unchanged 5 + quarantined 2 + skipped 0',
    );

    const runs = await json('runs', 'cli-huji');
    expect(runs.map((r: Data) => r.status)).toEqual(['succeeded', 'succeeded']);

    const open = await json('quarantine', 'list', 'cli-huji', '--status', 'open');
    expect(open).toHaveLength(2);
    const badId = open.find((r: Data) => r.raw.公民身份号码 === exp.badId);
    const audited = await runSql<{ principal: string }>(
      hub.infrastructure.orm.em.fork(),
      "select principal from read_audit where record_type = 'QuarantinedRecord' and ? = any(record_ids)",
      [badId.id],
    );
    expect(audited[0]!.principal).toMatch(/^cli:/);

    const corrected = await cli('quarantine', 'correct', badId.id, '--set', `公民身份号码=${exp.badIdFixed}`);
    expect(corrected.code).toBe(0);
    const replay = await json('quarantine', 'replay', 'cli-huji', '--id', badId.id);
    expect(replay).toMatchObject({ replayed: 1, stillOpen: 0 });
    expect(replay.runs[0]).toMatchObject({ trigger: 'replay', status: 'succeeded', read: 1, inserted: 1 });

    const other = (await json('quarantine', 'list', 'cli-huji', '--status', 'open'))[0];
    const discarded = await cli('quarantine', 'discard', other.id, '--reason', 'not ours');
    expect(discarded.code).toBe(0);
    expect(await json('quarantine', 'list', 'cli-huji', '--status', 'open')).toEqual([]);
  });

  it('exits 1 with the error when a run fails, and names unknown connectors', async () => {
    writeFileSync(
      path.join(dir, 'moved.json'),
      JSON.stringify({ config: { path: path.join(dir, 'moved-away.csv') } }),
    );
    const updated = await cli('update', 'cli-huji', '--file', path.join(dir, 'moved.json'));
    expect(updated.code).toBe(0);
    const check = await cli('check', 'cli-huji');
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('FILE_NOT_FOUND');

    const failed = await cli('run', 'cli-huji', '--wait');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(': failed');
    expect(failed.stdout).toContain('FILE_NOT_FOUND');

    const unknown = await cli('run', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('CONNECTOR_NOT_FOUND');

    const deleted = await cli('delete', 'cli-huji');
    expect(deleted.code).toBe(0);
    expect(await json('list')).toEqual([]);
  });
});
