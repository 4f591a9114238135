import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConnector } from '../../../connectors/connector.service';
import { loadSecretKey } from '../../../connectors/secrets';
import { sqlSource } from '../../../connectors/sources/network';
import {
  DEMO_CONNECTOR_ORDER,
  DEMO_CONNECTORS,
  pendingDemoRuns,
  queueDemoRuns,
  runDemoConnectors,
} from '../../../gateway/demo/connectors';
import { departmentData } from '../../../gateway/demo/departments';
import { DEMO_SEED, type DemoCountyStart, startDemoCounty } from '../../../gateway/demo/front-door';
import { openJusticeDatabase } from '../../../gateway/demo/justice-db';
import { runSql } from '../../../schema/common/rows';
import { initORM, type MikroORM, migrate } from '../../../schema/db/orm';
import { generateDemoCounty } from '../../../schema/demo/generate';
import type { DemoCounty } from '../../../schema/demo/types';
import { computeIndicators } from '../../../schema/indicators/indicators';
import { createLogger } from '../../../schema/runtime/logger';
import { HUB_ENTITIES } from '../../../workers/entities';
import {
  ADMIN_DATABASE_URL,
  dropDatabase,
  recreateDatabase,
  scratchDatabaseName,
} from '../../support/services';

/**
 * The demo county through the front door, against a database of its own: the department simulator, the
 * five connectors registered and run by the demo start, the bad rows in quarantine, the four lists loaded
 * by the connectors (less their bad rows), and a second run that finds everything unchanged.
 */

const DB = scratchDatabaseName('front_door');
const JUSTICE_DB = `${DB}_dept_justice`;
const SCALE = 0.01;
const KEY = loadSecretKey('22'.repeat(32), os.tmpdir());
const LISTS = ['registered', 'severe_mental_disorder', 'left_behind', 'community_correction'] as const;
const DATA_SET_OF_KIND: Record<(typeof LISTS)[number], string> = {
  registered: 'registered_population',
  severe_mental_disorder: 'severe_mental_disorder',
  left_behind: 'left_behind',
  community_correction: 'community_correction',
};

async function databaseExists(name: string): Promise<boolean> {
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    return (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  } finally {
    await admin.end();
  }
}

describe('the demo county through its department connectors', () => {
  let orm: MikroORM;
  let dataDir: string;
  let county: DemoCounty;
  let start: DemoCountyStart;
  const stops: Array<{ name: string; stop: () => Promise<unknown> }> = [];
  const em = () => orm.em.fork() as EntityManager;
  const sql = <T extends object>(text: string, params: unknown[] = []) => runSql<T>(em(), text, params);
  const logger = createLogger('silent');

  beforeAll(async () => {
    const url = await recreateDatabase(DB);
    await dropDatabase(JUSTICE_DB);
    orm = await initORM({ url, poolMax: 2, statementTimeoutMs: 30_000, entities: HUB_ENTITIES });
    await migrate(orm);
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'gridhub-front-door-'));
    county = generateDemoCounty({ seed: DEMO_SEED, scale: SCALE });
    start = await startDemoCounty({
      em,
      scale: SCALE,
      dataDir,
      databaseUrl: url,
      embedded: false,
      secretKey: KEY,
      logger,
      resources: { push: (name, stop) => stops.push({ name, stop }) },
    });
  });

  afterAll(async () => {
    for (const { stop } of stops.reverse()) await stop();
    await orm?.close();
    await dropDatabase(DB);
    await dropDatabase(JUSTICE_DB);
    expect(await databaseExists(JUSTICE_DB)).toBe(false);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('loads the county and runs each of the five connectors once, successfully', async () => {
    expect(start.loaded).toBe(true);
    expect(start.connectors).toEqual(DEMO_CONNECTOR_ORDER);
    expect(start.reports.map((r) => [r.connector, r.status])).toEqual(
      DEMO_CONNECTOR_ORDER.map((c) => [c, 'succeeded']),
    );
    const runs = await sql<{ name: string; status: string; trigger: string; n: number }>(
      `select c.name, r.status::text as status, r.trigger, count(*) over (partition by c.name)::int as n
         from sync_run r join connector c on c.id = r.connector_id order by c.name`,
    );
    expect(runs).toHaveLength(5);
    for (const r of runs) expect(r).toMatchObject({ status: 'succeeded', trigger: 'demo', n: 1 });
    for (const r of start.reports) {
      expect(r.read).toBe(r.inserted + r.updated + r.unchanged + r.quarantined + r.skipped);
      expect(r.read).toBeGreaterThan(0);
    }
  });

  it('serves each department the way it keeps its data', async () => {
    const { files, leftBehind, justice } = start.simulator;
    const gbk = await readFile(files.householdRegister);
    expect(gbk.subarray(0, 3).toString('hex')).not.toBe('efbbbf');
    expect(gbk.includes(Buffer.from('公民身份号码', 'utf8'))).toBe(false); // not UTF-8 text
    expect((await readFile(files.enterprises)).subarray(0, 3).toString('hex')).toBe('efbbbf');
    expect((await readFile(files.mentalHealth)).subarray(0, 4).toString('hex')).toBe('504b0304'); // a zip

    // 民政's API wants its token and pages its records.
    expect((await fetch(`${leftBehind.url}?page=1&size=5`)).status).toBe(401);
    const page = (await (
      await fetch(`${leftBehind.url}?page=2&size=5`, {
        headers: { authorization: `Bearer ${leftBehind.token}` },
      })
    ).json()) as { data: Array<Record<string, unknown>>; total: number };
    expect(page.total).toBe(county.personRecords.filter((r) => r.kind === 'left_behind').length);
    expect(page.data).toHaveLength(5);
    expect(page.data[0]).toMatchObject({ leftBehindType: expect.any(String), gridCode: expect.any(String) });

    // 司法's database sits beside the hub's on the same server.
    expect(justice).toMatchObject({ database: JUSTICE_DB, embedded: false });
    expect(await databaseExists(JUSTICE_DB)).toBe(true);
  });

  it('keeps its secrets encrypted: the token and the database URL are not in the stored config', async () => {
    const rest = await getConnector(em(), DEMO_CONNECTORS.leftBehind);
    expect(JSON.stringify(rest.config)).not.toContain(start.simulator.leftBehind.token);
    expect(rest.config.headers).toBeUndefined();
    expect(rest.secrets).toMatch(/^v1\./);
    const justice = await getConnector(em(), DEMO_CONNECTORS.communityCorrection);
    expect(justice.config.url).toBeUndefined();
    expect(justice.secrets).toMatch(/^v1\./);
    expect(justice.streams[0]).toMatchObject({ mode: 'incremental', cursorField: 'updated_at' });
  });

  it('puts the injected bad rows in quarantine, each failure naming its field and rule', async () => {
    const { faults } = start.simulator;
    expect(faults.filter((f) => f.dataSet === 'registered_population')).toHaveLength(5);
    expect(faults.filter((f) => f.dataSet === 'severe_mental_disorder')).toHaveLength(2);
    expect(faults.filter((f) => f.dataSet === 'left_behind')).toHaveLength(1);
    const open = await sql<{
      name: string;
      source_key: string;
      failures: Array<{ field: string; rule: string; message: string }>;
    }>(
      `select c.name, q.source_key, q.failures from quarantined_record q join connector c on c.id = q.connector_id
        where q.status = 'open'`,
    );
    expect(open).toHaveLength(faults.length);
    const connectorOf: Record<string, string> = {
      registered_population: DEMO_CONNECTORS.householdRegister,
      severe_mental_disorder: DEMO_CONNECTORS.mentalHealth,
      left_behind: DEMO_CONNECTORS.leftBehind,
    };
    for (const fault of faults) {
      const entry = open.find(
        (q) => q.name === connectorOf[fault.dataSet] && q.source_key === fault.sourceKey,
      );
      expect(entry, `${fault.dataSet} ${fault.sourceKey}`).toBeDefined();
      expect(entry!.failures).toContainEqual(
        expect.objectContaining({ field: fault.field, rule: fault.rule, message: expect.any(String) }),
      );
    }
    expect(start.reports.find((r) => r.connector === DEMO_CONNECTORS.householdRegister)?.quarantined).toBe(5);
  });

  it('brings the four lists through the connectors: as many records as the county has, less the bad rows', async () => {
    const counts = await sql<{ kind: string; n: number }>(
      `select kind::text as kind, count(*)::int as n from person_record where kind::text = any(?::text[]) group by kind`,
      [LISTS],
    );
    for (const kind of LISTS) {
      const generated = county.personRecords.filter((r) => r.kind === kind).length;
      const bad = start.simulator.faults.filter((f) => f.dataSet === DATA_SET_OF_KIND[kind]).length;
      expect(counts.find((c) => c.kind === kind)?.n ?? 0, kind).toBe(generated - bad);
    }
    // Brought by the connectors, not the loader: each record's provenance names its connector.
    const byLoader = await sql<{ n: number }>(
      `select count(*)::int as n from person_record
        where kind::text = any(?::text[]) and provenance->'sources' @> '[{"connector": "demo"}]'::jsonb`,
      [LISTS],
    );
    expect(byLoader[0]!.n).toBe(0);
    // Every enterprise is there, and linked to the market regulator's connector.
    const enterprises = county.organizations.filter((o) => o.kind === 'enterprise').length;
    const linked = await sql<{ n: number }>(
      `select count(distinct o.id)::int as n from organization o
         join source_link l on l.target_type = 'organization' and l.target_id = o.id
         join connector c on c.id = l.connector_id and c.name = ?
        where o.kind = 'enterprise'`,
      [DEMO_CONNECTORS.enterprises],
    );
    expect(linked[0]!.n).toBe(enterprises);
    const report = start.reports.find((r) => r.connector === DEMO_CONNECTORS.enterprises)!;
    expect(report.inserted).toBeGreaterThan(0);
    expect(report.inserted + report.unchanged + report.updated).toBe(enterprises);
  });

  it('measures the key-person entry rate on what the key-person feeds supplied, bad rows included', async () => {
    // The health bureau's and the justice bureau's lists are the key-person feeds; their quarantined rows are
    // key persons the departments say should be managed but who are not registered.
    const feeds = [DEMO_CONNECTORS.mentalHealth, DEMO_CONNECTORS.communityCorrection];
    const [supplied] = await sql<{ merged: number; quarantined: number }>(
      `select (select count(distinct l.target_id)::int from source_link l join connector c on c.id = l.connector_id
                where c.name = any(?) and l.target_type = 'person_record') as merged,
              (select count(*)::int from quarantined_record q join connector c on c.id = q.connector_id
                where c.name = any(?) and q.status = 'open') as quarantined`,
      [feeds, feeds],
    );
    expect(supplied!.quarantined).toBeGreaterThan(0);
    const values = await computeIndicators(em(), {
      from: '2023-01-01',
      to: '2024-01-01',
      recordsAsOf: 'now',
    });
    const rate = values.find((v) => v.code === 'key_person_entry')!;
    // Each merged record and each open quarantined row is one key person (distinct ID numbers per kind).
    expect(rate.denominator).toBe(supplied!.merged + supplied!.quarantined);
    expect(rate.numerator).toBeLessThanOrEqual(supplied!.merged);
    expect(rate.numerator).toBeGreaterThan(0);
    expect(rate.value).toBeCloseTo(rate.numerator! / rate.denominator!, 4);
  });

  it('finds everything unchanged on a second run of all five, reading the same records', async () => {
    await queueDemoRuns(em, DEMO_CONNECTOR_ORDER);
    const pending = await pendingDemoRuns(em, DEMO_CONNECTOR_ORDER);
    expect(pending.map((p) => p.connector)).toEqual(DEMO_CONNECTOR_ORDER);
    const second = await runDemoConnectors(em, KEY, pending, logger);
    for (const r of second) {
      const first = start.reports.find((f) => f.connector === r.connector)!;
      expect(r, `${r.connector}: ${r.error ?? ''}`).toMatchObject({
        status: 'succeeded',
        inserted: 0,
        updated: 0,
        gone: 0,
      });
      if (r.connector === DEMO_CONNECTORS.communityCorrection) {
        // Incremental on updated_at: nothing was edited since the saved cursor, so nothing is read.
        expect(r.read).toBe(0);
      } else {
        expect(r.read).toBe(first.read);
        expect(r.quarantined).toBe(first.quarantined);
      }
      expect(r.unchanged).toBe(r.read - r.quarantined);
    }
    // The bad rows are still open, once each.
    const open = await sql<{ n: number }>(
      "select count(*)::int as n from quarantined_record where status = 'open'",
    );
    expect(open[0]!.n).toBe(start.simulator.faults.length);
  });

  it('reads only what the justice bureau edited since the last run', async () => {
    const justice = new Client({ connectionString: start.simulator.justice!.url });
    await justice.connect();
    try {
      await justice.query(
        `update community_correction set specific_charge = '危险驾驶罪', updated_at = now() where id = 1`,
      );
    } finally {
      await justice.end();
    }
    await queueDemoRuns(em, [DEMO_CONNECTORS.communityCorrection]);
    const [third] = await runDemoConnectors(
      em,
      KEY,
      await pendingDemoRuns(em, [DEMO_CONNECTORS.communityCorrection]),
      logger,
    );
    expect(third).toMatchObject({ status: 'succeeded', read: 1, updated: 1, inserted: 0 });
  });

  it('on a restart with the county loaded, loads and runs nothing but serves the departments again', async () => {
    const restartStops: Array<() => Promise<unknown>> = [];
    const again = await startDemoCounty({
      em,
      scale: SCALE,
      dataDir,
      databaseUrl: orm.config.get('clientUrl')!,
      embedded: false,
      secretKey: KEY,
      logger,
      resources: { push: (_name, stop) => restartStops.push(stop) },
    });
    try {
      expect(again).toMatchObject({ loaded: false, reports: [], connectors: DEMO_CONNECTOR_ORDER });
      // The same store, not rewritten; the justice bureau's database kept as it was.
      expect(again.simulator.faults).toEqual(start.simulator.faults);
      expect(again.simulator.justice).toMatchObject({ database: JUSTICE_DB, filled: false });
      // The connectors now point at this start's API, with its token.
      const rest = await getConnector(em(), DEMO_CONNECTORS.leftBehind);
      expect(again.simulator.leftBehind.url).not.toBe(start.simulator.leftBehind.url);
      expect(rest.config.url).toBe(again.simulator.leftBehind.url);
      await queueDemoRuns(em, [DEMO_CONNECTORS.leftBehind]);
      const [run] = await runDemoConnectors(
        em,
        KEY,
        await pendingDemoRuns(em, [DEMO_CONNECTORS.leftBehind]),
        logger,
      );
      expect(run).toMatchObject({ status: 'succeeded', inserted: 0, updated: 0, quarantined: 1 });
    } finally {
      for (const stop of restartStops.reverse()) await stop();
    }
  });
});

describe("the justice bureau's database on the embedded setup", () => {
  it('is a second, in-memory PGlite behind its own socket, which the SQL source reads incrementally', async () => {
    const county = generateDemoCounty({ seed: DEMO_SEED, scale: 0.05 });
    const { communityCorrection } = departmentData(county);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gridhub-justice-'));
    const cache = { file: path.join(dir, 'justice.tar.gz'), valid: false };
    const options = { hubDatabaseUrl: 'postgres://postgres@127.0.0.1:1/postgres', embedded: true, cache };
    // Built and filled afresh, its dump kept; the next start loads the dump instead.
    await (await openJusticeDatabase(communityCorrection, options)).stop();
    const db = await openJusticeDatabase(communityCorrection, {
      ...options,
      cache: { ...cache, valid: true },
    });
    try {
      expect(db).toMatchObject({ embedded: true, filled: false });
      const config = sqlSource.config.parse({
        dialect: 'postgres',
        url: db.url,
        query: 'select * from community_correction',
        primaryKey: ['id'],
        cursorField: 'updated_at',
        streamName: 'community_correction',
      });
      expect(await sqlSource.check(config)).toEqual({ ok: true });
      const read = async (state?: Record<string, unknown>) => {
        const records = [];
        for await (const r of sqlSource.read(config, {
          stream: 'community_correction',
          mode: 'incremental',
          cursorField: 'updated_at',
          state,
        })) {
          records.push(r);
        }
        return records;
      };
      const all = await read();
      expect(all).toHaveLength(communityCorrection.rows.length);
      expect(all[0]!.data).toMatchObject({ id_number: expect.any(String), grid_code: expect.any(String) });
      // From the last state on, nothing new: an incremental read starts after the last row read.
      expect(await read(all.at(-1)!.state)).toHaveLength(0);
    } finally {
      await db.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
