import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../../gateway/hub';
import { runSql } from '../../../schema/common/rows';
import { demoCountyRegions } from '../../../schema/regions/demo-county';
import { loadRegionTree } from '../../../schema/regions/region.service';
import { redisOptionsFromUrl } from '../../../workers/redis';
import { gql, startTestHub, testKey } from '../../support/hub';
import { dropDatabase, recreateDatabase, scratchDatabaseName, TEST_REDIS_URL } from '../../support/services';
import { csvConnector, type RegisterExport, SECRET_KEY, writeRegisterExport } from './operator-fixture';

const DB = scratchDatabaseName('connapi');
const PREFIX = `test-connapi-${process.pid}`;

// biome-ignore lint/suspicious/noExplicitAny: the assertions walk arbitrary response JSON
type Data = Record<string, any>;

const RUN_FIELDS = `id status trigger read inserted updated unchanged quarantined skipped gone conflicts
  errorCode error progress { read quarantined } connector { name }`;

describe('the operators’ connector API over HTTP', () => {
  let hub: RunningHub;
  let url: string;
  let exp: RegisterExport;
  let dir: string;
  let syncQueue: Queue;

  let key: string;
  const query = async (q: string, variables: Record<string, unknown> = {}) =>
    (await gql<Data>(url, q, variables, { key })).body as { data: Data; errors?: Data[] };
  const em = () => hub.infrastructure.orm.em.fork();

  async function waitForRun(id: string): Promise<Data> {
    for (let i = 0; i < 120; i++) {
      const { data, errors } = await query(`query($id: ID!) { syncRun(id: $id) { ${RUN_FIELDS} } }`, { id });
      expect(errors).toBeUndefined();
      if (data.syncRun.status === 'SUCCEEDED' || data.syncRun.status === 'FAILED') return data.syncRun;
      await sleep(250);
    }
    throw new Error(`run ${id} did not end`);
  }

  beforeAll(async () => {
    hub = await startTestHub(
      {
        DATABASE_URL: await recreateDatabase(DB),
        GRIDHUB_SECRET_KEY: SECRET_KEY,
        GRIDHUB_QUEUE_PREFIX: PREFIX,
      },
      { gateway: true, workers: true },
    );
    url = hub.gateway!.url;
    await loadRegionTree(em(), demoCountyRegions());
    key = await testKey(hub, ['it_office']);
    dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-connapi-'));
    exp = writeRegisterExport(dir, 'huji-2026');
    syncQueue = new Queue('sync', { connection: redisOptionsFromUrl(TEST_REDIS_URL), prefix: PREFIX });
  });

  afterAll(async () => {
    await syncQueue?.obliterate({ force: true }).catch(() => undefined);
    await syncQueue?.close();
    await hub?.stop();
    await dropDatabase(DB);
  });

  it('lists the source types with their spec and secret fields', async () => {
    const { data, errors } = await query('{ sourceTypes { type title spec secretFields } }');
    expect(errors).toBeUndefined();
    const types = Object.fromEntries(data.sourceTypes.map((t: Data) => [t.type, t]));
    expect(Object.keys(types).sort()).toEqual(['csv', 'graphql', 'rest', 'sql', 'xlsx']);
    expect(types.sql.secretFields).toEqual(['url', 'password']);
    expect(types.csv.spec.config.properties.path).toBeDefined();
  });

  it('checks a config before saving it: a missing file is FILE_NOT_FOUND, not an error', async () => {
    const check = `mutation($config: JSONObject!) { checkConnectorConfig(sourceType: "csv", config: $config) { ok code reason } }`;
    const missing = await query(check, { config: { path: path.join(dir, 'nope.csv') } });
    expect(missing.errors).toBeUndefined();
    expect(missing.data.checkConnectorConfig).toMatchObject({ ok: false, code: 'FILE_NOT_FOUND' });
    expect(missing.data.checkConnectorConfig.reason).toContain('nope.csv');
    const good = await query(check, { config: { path: exp.file } });
    expect(good.data.checkConnectorConfig).toEqual({ ok: true, code: null, reason: null });
  });

  it('registers, checks, discovers and runs a CSV connector; bad rows are quarantined', async () => {
    const created = await query(
      `mutation($input: ConnectorInput!) { createConnector(input: $input) {
        name sourceType enabled config secretFieldsSet streams precedence lastRun { id } } }`,
      { input: csvConnector('gongan-huji', exp) },
    );
    expect(created.errors).toBeUndefined();
    expect(created.data.createConnector).toMatchObject({
      name: 'gongan-huji',
      sourceType: 'csv',
      enabled: true,
      secretFieldsSet: [],
      lastRun: null,
    });
    expect(created.data.createConnector.config.path).toBe(exp.file);
    expect(created.data.createConnector.streams[0]).toMatchObject({
      stream: exp.stream,
      onInvalid: 'quarantine',
    });

    const twice = await query(
      'mutation($input: ConnectorInput!) { createConnector(input: $input) { name } }',
      { input: csvConnector('gongan-huji', exp) },
    );
    expect(twice.errors![0]!.extensions).toMatchObject({ code: 'CONNECTOR_EXISTS', field: 'name' });

    const bad = await query('mutation($input: ConnectorInput!) { createConnector(input: $input) { name } }', {
      input: { ...csvConnector('bad-one', exp), streams: [] },
    });
    expect(bad.errors![0]!.extensions!.code).toBe('INVALID_CONNECTOR');
    expect(bad.errors![0]!.message).toContain('streams');

    const check = await query('mutation { checkConnector(name: "gongan-huji") { ok code reason } }');
    expect(check.data.checkConnector).toEqual({ ok: true, code: null, reason: null });

    const discovered = await query(
      'mutation { discoverConnector(name: "gongan-huji") { streams { name primaryKey fields { name type } } } }',
    );
    expect(discovered.errors).toBeUndefined();
    const [stream] = discovered.data.discoverConnector.streams;
    expect(stream.name).toBe(exp.stream);
    expect(stream.fields.map((f: Data) => f.name)).toContain('公民身份号码');

    const started = await query(
      `mutation { runConnector(name: "gongan-huji") { resumed run { id status trigger } } }`,
    );
    expect(started.errors).toBeUndefined();
    expect(started.data.runConnector).toMatchObject({
      resumed: false,
      run: { status: 'QUEUED', trigger: 'manual' },
    });
    const run = await waitForRun(started.data.runConnector.run.id);
    expect(run).toMatchObject({ status: 'SUCCEEDED', read: 7, inserted: 5, quarantined: 2, errorCode: null });
    expect(run.read).toBe(run.inserted + run.updated + run.unchanged + run.quarantined + run.skipped);
    expect(run.progress).toEqual({ read: 7, quarantined: 2 });
    expect(run.connector.name).toBe('gongan-huji');

    const runs = await query('{ syncRuns(connector: "gongan-huji", first: 5) { id status } }');
    expect(runs.data.syncRuns).toEqual([{ id: run.id, status: 'SUCCEEDED' }]);
    const shown = await query('{ connector(name: "gongan-huji") { lastRun { id status read } } }');
    expect(shown.data.connector.lastRun).toEqual({ id: run.id, status: 'SUCCEEDED', read: 7 });
    const unknown = await query('{ syncRun(id: "999999") { id } }');
    expect(unknown.errors![0]!.extensions!.code).toBe('RUN_NOT_FOUND');
  });

  it('lists, corrects and replays quarantined records; the read is audited', async () => {
    const list = `query($status: QuarantineStatus) { quarantine(connector: "gongan-huji", status: $status, first: 10) {
      totalCount pageInfo { hasNextPage }
      nodes { id connector stream sourceKey raw corrected status resolvedAt runId failures { field rule message } } } }`;
    const open = await query(list, { status: 'OPEN' });
    expect(open.errors).toBeUndefined();
    expect(open.data.quarantine.totalCount).toBe(2);
    const nodes: Data[] = open.data.quarantine.nodes;
    const badId = nodes.find((n) => n.raw.公民身份号码 === exp.badId)!;
    const badGrid = nodes.find((n) => n !== badId)!;
    // Raw values as the source sent them: the operator has to see what to correct.
    expect(badId).toMatchObject({
      connector: 'gongan-huji',
      stream: exp.stream,
      status: 'OPEN',
      corrected: null,
    });
    expect(badId.failures[0]).toMatchObject({ field: 'idNumber' });
    expect(badGrid.failures.map((f: Data) => f.rule)).toContain('UNKNOWN_REGION');

    const audit = await runSql<{ record_ids: string[]; client_address: string }>(
      em(),
      "select record_ids, client_address from read_audit where record_type = 'QuarantinedRecord'",
    );
    expect(audit.flatMap((a) => a.record_ids)).toEqual(expect.arrayContaining([badId.id, badGrid.id]));

    const correct = `mutation($id: ID!, $corrected: JSONObject!) { correctQuarantined(id: $id, corrected: $corrected) {
      id corrected status } }`;
    const refused = await query(correct, { id: badId.id, corrected: { 身高: '180' } });
    expect(refused.errors![0]!.extensions).toMatchObject({
      code: 'CORRECTION_UNKNOWN_FIELD',
      field: 'corrected.身高',
    });
    const corrected = await query(correct, { id: badId.id, corrected: { 公民身份号码: exp.badIdFixed } });
    expect(corrected.errors).toBeUndefined();
    expect(corrected.data.correctQuarantined).toMatchObject({
      status: 'OPEN',
      corrected: { 公民身份号码: exp.badIdFixed },
    });

    const replay = await query(
      `mutation { replayQuarantined(connector: "gongan-huji") {
        replayed stillOpen runs { ${RUN_FIELDS} } records { id status resolvedAt failures { rule } } } }`,
    );
    expect(replay.errors).toBeUndefined();
    const result = replay.data.replayQuarantined;
    expect(result).toMatchObject({ replayed: 1, stillOpen: 1 });
    expect(result.runs).toHaveLength(1);
    expect(result.runs[0]).toMatchObject({
      status: 'SUCCEEDED',
      trigger: 'replay',
      read: 2,
      inserted: 1,
      quarantined: 1,
      connector: { name: 'gongan-huji' },
    });
    const byId = Object.fromEntries(result.records.map((r: Data) => [r.id, r]));
    expect(byId[badId.id]).toMatchObject({ status: 'REPLAYED' });
    expect(byId[badId.id].resolvedAt).not.toBeNull();
    expect(byId[badGrid.id]).toMatchObject({ status: 'OPEN', resolvedAt: null });
    expect(byId[badGrid.id].failures.map((f: Data) => f.rule)).toContain('UNKNOWN_REGION');

    // The corrected record was merged and linked like a sync's.
    const [person] = await runSql<{ id_number: string; provenance: Data }>(
      em(),
      'select id_number, provenance from person where id_number = ?',
      [exp.badIdFixed],
    );
    expect(person!.provenance.sources.map((s: Data) => s.connector)).toContain('gongan-huji');
    const links = await runSql<{ n: number }>(
      em(),
      `select count(*)::int as n from source_link l join connector c on c.id = l.connector_id
        where c.name = 'gongan-huji' and l.source_key = ?`,
      [badId.sourceKey],
    );
    expect(links[0]!.n).toBe(1);

    const stillOpen = await query(list, { status: 'OPEN' });
    expect(stillOpen.data.quarantine.nodes.map((n: Data) => n.id)).toEqual([badGrid.id]);

    const discarded = await query(
      `mutation($id: ID!) { discardQuarantined(id: $id, reason: "the department deleted the row") { status corrected resolvedAt } }`,
      { id: badGrid.id },
    );
    expect(discarded.errors).toBeUndefined();
    expect(discarded.data.discardQuarantined).toMatchObject({
      status: 'DISCARDED',
      corrected: { __discardReason: 'the department deleted the row' },
    });
    const again = await query(
      `mutation($id: ID!) { discardQuarantined(id: $id, reason: "twice") { status } }`,
      { id: badGrid.id },
    );
    expect(again.errors![0]!.extensions!.code).toBe('QUARANTINE_NOT_OPEN');
    const none = await query(
      `mutation { replayQuarantined(connector: "gongan-huji") { replayed stillOpen runs { id } } }`,
    );
    expect(none.data.replayQuarantined).toEqual({ replayed: 0, stillOpen: 0, runs: [] });
  });

  it('never returns a secret, and keeps secrets an update leaves out', async () => {
    const password = 'Pa55-only-in-the-vault';
    const urlPassword = 'url-secret-9f3k';
    const input = {
      name: 'minzheng-db',
      title: '民政 低保库',
      sourceType: 'sql',
      config: {
        dialect: 'postgres',
        url: `postgres://reader:${urlPassword}@127.0.0.1:1/minzheng`,
        password,
        query: 'select id, name from recipients',
        primaryKey: ['id'],
      },
      streams: [{ stream: 'query', mapping: { dataSet: 'registered_population', region: { code: 'grid' } } }],
    };
    const fields = 'name title sourceType config secretFieldsSet streams precedence schedule enabled';
    const created = await query(
      `mutation($input: ConnectorInput!) { createConnector(input: $input) { ${fields} } }`,
      {
        input,
      },
    );
    expect(created.errors).toBeUndefined();
    expect(created.data.createConnector.secretFieldsSet.sort()).toEqual(['password', 'url']);
    expect(created.data.createConnector.config).toEqual({
      dialect: 'postgres',
      query: 'select id, name from recipients',
      primaryKey: ['id'],
    });

    const updated = await query(
      `mutation { updateConnector(name: "minzheng-db", input: { title: "民政 低保库 (v2)", schedule: "0 2 * * *" }) { ${fields} } }`,
    );
    expect(updated.errors).toBeUndefined();
    expect(updated.data.updateConnector).toMatchObject({ title: '民政 低保库 (v2)', schedule: '0 2 * * *' });
    expect(updated.data.updateConnector.secretFieldsSet.sort()).toEqual(['password', 'url']);

    const read = await query(
      `{ connectors { ${fields} lastRun { id } } connector(name: "minzheng-db") { ${fields} } }`,
    );
    expect(read.errors).toBeUndefined();
    for (const response of [created, updated, read]) {
      const text = JSON.stringify(response);
      expect(text).not.toContain(password);
      expect(text).not.toContain(urlPassword);
    }
    const [row] = await runSql<{ config: Data; secrets: string }>(
      em(),
      "select config, secrets from connector where name = 'minzheng-db'",
    );
    expect(JSON.stringify(row)).not.toContain(password);

    // The schedule reached the workers' scheduler without a restart, and leaves with the connector.
    expect((await syncQueue.getJobSchedulers()).map((s) => s.key)).toContain('connector:minzheng-db');
    const cleared = await query(
      'mutation { updateConnector(name: "minzheng-db", input: { schedule: null }) { schedule } }',
    );
    expect(cleared.data.updateConnector.schedule).toBeNull();
    expect((await syncQueue.getJobSchedulers()).map((s) => s.key)).not.toContain('connector:minzheng-db');
  });

  it('refuses a second run while one is queued or running (RUN_ACTIVE)', async () => {
    // A run held queued (as if no worker had taken it yet), so the refusal does not race a fast run.
    await runSql(
      em(),
      `insert into sync_run (connector_id, status, trigger) select id, 'queued', 'manual' from connector where name = 'minzheng-db'`,
    );
    const second = await query('mutation { runConnector(name: "minzheng-db") { run { id } } }');
    expect(second.errors![0]!.extensions).toMatchObject({ code: 'RUN_ACTIVE', connector: 'minzheng-db' });
    await runSql(em(), `update sync_run set status = 'failed', finished_at = now() where status = 'queued'`);
  });

  it('deletes a connector and its schedule', async () => {
    await query(
      'mutation { updateConnector(name: "minzheng-db", input: { schedule: "0 3 * * *" }) { name } }',
    );
    expect((await syncQueue.getJobSchedulers()).map((s) => s.key)).toContain('connector:minzheng-db');
    const deleted = await query('mutation { deleteConnector(name: "minzheng-db") }');
    expect(deleted.data.deleteConnector).toBe(true);
    expect((await syncQueue.getJobSchedulers()).map((s) => s.key)).not.toContain('connector:minzheng-db');
    const gone = await query('{ connector(name: "minzheng-db") { name } }');
    expect(gone.errors![0]!.extensions!.code).toBe('CONNECTOR_NOT_FOUND');
  });

  it('allows operator actions and raw records to the operators only: a partner department or no key is refused', async () => {
    const partner = await testKey(hub, ['civil_affairs']);
    for (const caller of [partner, undefined]) {
      for (const q of [
        '{ quarantine { nodes { id raw } } }',
        '{ mergeConflicts { id } }',
        '{ connectors { name } }',
        'mutation { runConnector(name: "gongan-huji") { run { id } } }',
        'mutation { checkConnectorConfig(sourceType: "csv", config: {}) { ok } }',
        'mutation { deleteConnector(name: "gongan-huji") }',
      ]) {
        const { body } = await gql<Data>(url, q, {}, { key: caller });
        expect(body.errors?.[0]?.extensions, q).toMatchObject({ code: 'FORBIDDEN' });
        expect(body.errors![0]!.extensions!.permission).toMatch(/^root:/);
      }
    }
    const listing = await query('{ connectors { name } }');
    expect(listing.errors).toBeUndefined();
    expect(listing.data!.connectors.map((c: Data) => c.name)).toEqual(['gongan-huji']);
  });
});
