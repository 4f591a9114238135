import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enroll } from '../../../fleet/enrollment.service';
import type { RunningHub } from '../../../gateway/hub';
import { FLEET_OPS } from '../../../schema/access/default-policies';
import { runSql } from '../../../schema/common/rows';
import { luhnCheckDigit } from '../../../schema/identifiers/luhn';
import { demoCountyRegions } from '../../../schema/regions/demo-county';
import { loadRegionTree } from '../../../schema/regions/region.service';
import { gql, runHub, startTestHub, testKey } from '../../support/hub';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../../support/services';

/**
 * The IT office's fleet API over real HTTP: who may call it (it_office and admin; a department's key and no
 * key are refused on every fleet root field), the inventory mutations round-tripping through the queries,
 * clear errors for bad input, the import's report, the worker's phone masked unless the policy clears it,
 * and the compliance view with its CSV.
 */

const DB = scratchDatabaseName('fleetapi');
// biome-ignore lint/suspicious/noExplicitAny: the assertions walk arbitrary response JSON
type Data = Record<string, any>;

const withLuhn = (body: string) => body + luhnCheckDigit(body);
const imei = (n: number) => withLuhn(`86123477${String(n).padStart(6, '0')}`);
const iccid = (n: number) => withLuhn(`8986001277${String(n).padStart(9, '0')}`);

let hub: RunningHub;
let url: string;
let dataDir: string;
let grid: string;
const keys: Record<string, string | undefined> = {};
const em = () => hub.infrastructure.orm.em.fork();

async function ask(who: string, query: string, variables: Record<string, unknown> = {}) {
  const { status, body } = await gql<Data>(url, query, variables, { key: keys[who] });
  return { status, data: body.data as Data, errors: body.errors as Data[] | undefined };
}

/** Asks as `who` and expects no errors. */
async function ok(who: string, query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  const { data, errors } = await ask(who, query, variables);
  expect(errors, JSON.stringify(errors)).toBeUndefined();
  return data;
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-fleetapi-'));
  hub = await startTestHub(
    {
      DATABASE_URL: await recreateDatabase(DB),
      // The CLI below shares it: the device CA's passphrase file is there.
      GRIDHUB_DATA_DIR: dataDir,
    },
    { gateway: true, workers: false },
  );
  url = hub.gateway!.url;
  await loadRegionTree(em(), demoCountyRegions());
  const [row] = await runSql<{ code: string }>(
    em(),
    `select code from region where level = 'grid' and path like '/620725/620725101/%' order by code limit 1`,
  );
  grid = row!.code;
  keys.it = await testKey(hub, ['it_office']);
  keys.admin = await testKey(hub, ['admin']);
  keys.minzheng = await testKey(hub, ['civil_affairs']);
  keys.anonymous = undefined;
}, 120_000);

afterAll(async () => {
  await hub?.stop();
  await dropDatabase(DB);
});

const HANDSET_FIELDS = `deviceId imei1 imei2 model status onlineBucket versionState
  worker { code name phone grid { code } } sim { iccid msisdn }`;

describe('who may call the fleet API', () => {
  const calls: Array<[string, string]> = [
    ['handsets', '{ handsets { totalCount } }'],
    ['handset', '{ handset(deviceId: "X") { id } }'],
    ['sims', '{ sims { totalCount } }'],
    ['workers', '{ workers { totalCount } }'],
    ['fleetCompliance', '{ fleetCompliance { summary { fleet } } }'],
    ['fleetComplianceCsv', '{ fleetComplianceCsv }'],
    ['fleetAudit', '{ fleetAudit { totalCount } }'],
    ['appReleases', '{ appReleases { id } }'],
    [
      'createHandset',
      `mutation { createHandset(input: { deviceId: "NOPE-1", imei1: "${imei(99)}", model: "x" }) { id } }`,
    ],
    ['unassignHandset', 'mutation { unassignHandset(deviceId: "NOPE-1") { id } }'],
  ];

  it('refuses a department’s key and no key on every fleet root field, naming the permission', async () => {
    for (const who of ['minzheng', 'anonymous']) {
      for (const [field, query] of calls) {
        const { data, errors } = await ask(who, query);
        expect(errors?.[0]?.extensions, `${who} ${field}`).toMatchObject({
          code: 'FORBIDDEN',
          permission: `root:${field}`,
        });
        expect(data?.[field] ?? null).toBeNull();
      }
    }
    const [{ n }] = await runSql<{ n: number }>(
      em(),
      "select count(*)::int as n from handset where device_id = 'NOPE-1'",
    );
    expect(n).toBe(0);
  });

  it('lets the IT office call every fleet root field its default policy lists', async () => {
    const { data, errors } = await ask(
      'it',
      '{ handsets { totalCount } sims { totalCount } workers { totalCount } }',
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      handsets: { totalCount: 0 },
      sims: { totalCount: 0 },
      workers: { totalCount: 0 },
    });
    // Every root field of the fleet API is in the IT office's list (and so in the migration that grants it).
    const schema = await ok(
      'it',
      '{ __schema { queryType { fields { name } } mutationType { fields { name } } } }',
    );
    const roots = new Set(
      [...schema.__schema.queryType.fields, ...schema.__schema.mutationType.fields].map((f: Data) => f.name),
    );
    for (const field of FLEET_OPS) expect(roots.has(field), field).toBe(true);
    const [{ fields }] = await runSql<{ fields: string[] }>(
      em(),
      `select array(select jsonb_array_elements_text(policy -> 'rootFields')) as fields from role_policy where role = 'it_office'`,
    );
    expect(fields).toEqual(expect.arrayContaining(FLEET_OPS));
  });
});

describe('the inventory, round trip', () => {
  it('registers a worker, a handset and a SIM, assigns them, and reads them back', async () => {
    const worker = await ok(
      'it',
      `mutation($input: WorkerInput!) { createWorker(input: $input) { code name phone kind grid { code } } }`,
      {
        input: { code: 'GW-001', name: '马小红', phone: '138 1234 5678', gridCode: grid, kind: 'FULL_TIME' },
      },
    );
    expect(worker.createWorker).toEqual({
      code: 'GW-001',
      name: '马小红',
      phone: '138****5678',
      kind: 'FULL_TIME',
      grid: { code: grid },
    });

    const imeisv = `${imei(1).slice(0, 14)}07`;
    const created = await ok(
      'it',
      `mutation($input: HandsetInput!) { createHandset(input: $input) { ${HANDSET_FIELDS} } }`,
      {
        input: {
          deviceId: 'SD-T0001',
          imei1: imeisv,
          imei2: imei(2),
          model: '华为 畅享 50',
          purchaseDate: '2024-03-01',
        },
      },
    );
    expect(created.createHandset).toMatchObject({
      deviceId: 'SD-T0001',
      imei1: imei(1), // the IMEISV converted
      imei2: imei(2),
      status: 'IN_STOCK',
      onlineBucket: 'NEVER',
      versionState: 'MISSING',
      worker: null,
      sim: null,
    });

    const sim = await ok(
      'it',
      `mutation($input: SimInput!) { createSim(input: $input) { iccid msisdn carrier plan monthlyFeeFen status } }`,
      {
        input: {
          iccid: iccid(1).slice(0, 19),
          msisdn: '13912345678',
          plan: '政务网格通 30元',
          monthlyFeeFen: 3000,
        },
      },
    );
    expect(sim.createSim).toEqual({
      iccid: iccid(1), // the check digit appended
      msisdn: '13912345678',
      carrier: 'cmcc',
      plan: '政务网格通 30元',
      monthlyFeeFen: 3000,
      status: 'STOCK',
    });

    const assigned = await ok(
      'it',
      `mutation { assignHandset(deviceId: "SD-T0001", workerCode: "GW-001", iccid: "${iccid(1)}") {
        since until assignedBy handset { deviceId status } worker { code } sim { iccid status } } }`,
    );
    expect(assigned.assignHandset).toMatchObject({
      until: null,
      handset: { deviceId: 'SD-T0001', status: 'ASSIGNED' },
      worker: { code: 'GW-001' },
      sim: { iccid: iccid(1), status: 'ACTIVE' },
    });
    expect(assigned.assignHandset.assignedBy).toMatch(/^test-/);

    const byImei = await ok(
      'it',
      `{ handset(imei: "${imei(2)}") { ${HANDSET_FIELDS} history { changes actor } } }`,
    );
    expect(byImei.handset).toMatchObject({
      deviceId: 'SD-T0001',
      status: 'ASSIGNED',
      worker: { code: 'GW-001', name: '马小红', phone: '138****5678', grid: { code: grid } },
      sim: { iccid: iccid(1), msisdn: '13912345678' },
    });
    expect(byImei.handset.history[0].changes).toMatchObject({ worker: [null, 'GW-001'] });

    const found = await ok(
      'it',
      `query($f: HandsetFilterInput) { handsets(filter: $f) { totalCount nodes { deviceId } } }`,
      { f: { search: '马小红', hasSim: true, regionCode: '620725101', statuses: ['ASSIGNED'] } },
    );
    expect(found.handsets).toEqual({ totalCount: 1, nodes: [{ deviceId: 'SD-T0001' }] });

    const views = await ok(
      'it',
      `{ sim(iccid: "${iccid(1)}") { handset { deviceId } worker { code } }
         worker(code: "GW-001") { handset { deviceId } sim { iccid } assignments { until } }
         sims(filter: { assigned: true }) { totalCount }
         workers(filter: { regionCode: "620725101", hasHandset: true }) { nodes { code } } }`,
    );
    expect(views).toEqual({
      sim: { handset: { deviceId: 'SD-T0001' }, worker: { code: 'GW-001' } },
      worker: { handset: { deviceId: 'SD-T0001' }, sim: { iccid: iccid(1) }, assignments: [{ until: null }] },
      sims: { totalCount: 1 },
      workers: { nodes: [{ code: 'GW-001' }] },
    });
  });

  it('shows the worker’s phone in the clear to an administrator only', async () => {
    const data = await ok('admin', '{ worker(code: "GW-001") { phone } }');
    expect(data.worker.phone).toBe('13812345678');
    // A worker is a person: reading one is in the read audit, with the phone read in the clear.
    let entries: Array<{ record_ids: string[]; unmasked_fields: string[] }> = [];
    for (let i = 0; i < 50 && !entries.length; i++) {
      entries = await runSql(
        em(),
        `select record_ids, unmasked_fields from read_audit where record_type = 'Worker' and 'phone' = any(unmasked_fields)`,
      );
      if (!entries.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect(entries).toHaveLength(1);
    expect(entries[0]!.record_ids).toHaveLength(1);
  });

  it('updates, changes status, unassigns, and keeps every change in the history and the audit', async () => {
    const updated = await ok(
      'it',
      'mutation { updateHandset(deviceId: "SD-T0001", patch: { osVersion: "HarmonyOS 4.0" }) { osVersion model } }',
    );
    expect(updated.updateHandset).toEqual({ osVersion: 'HarmonyOS 4.0', model: '华为 畅享 50' });

    const lost = await ok(
      'it',
      'mutation { setHandsetStatus(deviceId: "SD-T0001", status: LOST, reason: "丢失于集市") { status worker { code } } }',
    );
    // A lost handset stays with the worker who lost it.
    expect(lost.setHandsetStatus).toEqual({ status: 'LOST', worker: { code: 'GW-001' } });

    const back = await ok(
      'it',
      'mutation { unassignHandset(deviceId: "SD-T0001", reason: "found") { status worker { code } } }',
    );
    expect(back.unassignHandset).toEqual({ status: 'LOST', worker: null });

    const history = await ok('it', '{ fleetHistory(subject: HANDSET, key: "SD-T0001") { changes reason } }');
    const changes = history.fleetHistory.map((c: Data) => c.changes);
    expect(changes).toEqual(
      expect.arrayContaining([
        { osVersion: [null, 'HarmonyOS 4.0'] },
        { status: ['assigned', 'lost'] },
        { worker: ['GW-001', null] },
      ]),
    );
    expect(history.fleetHistory.find((c: Data) => c.changes.status)?.reason).toBe('丢失于集市');

    const audit = await ok(
      'it',
      '{ fleetAudit(filter: { deviceId: "SD-T0001" }) { totalCount nodes { action actor deviceId detail } } }',
    );
    expect(audit.fleetAudit.nodes.map((a: Data) => a.action)).toEqual(['assign', 'unassign']);
    expect(audit.fleetAudit.nodes[0]).toMatchObject({ deviceId: 'SD-T0001', detail: { worker: 'GW-001' } });

    const sim = await ok(
      'it',
      `mutation { setSimStatus(iccid: "${iccid(1)}", status: SUSPENDED, on: "2026-05-01") { status suspendedOn } }`,
    );
    expect(sim.setSimStatus).toEqual({ status: 'SUSPENDED', suspendedOn: '2026-05-01' });
  });
});

describe('bad input', () => {
  it('refuses a bad IMEI with a code naming the field and the rule, and records nothing', async () => {
    const bad = imei(5).slice(0, 14) + String((Number(imei(5)[14]) + 1) % 10);
    const { data, errors } = await ask(
      'it',
      `mutation { createHandset(input: { deviceId: "SD-BAD1", imei1: "${bad}", model: "x" }) { id } }`,
    );
    expect(data).toBeNull();
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'IMEI_CHECK', field: 'imei1', rule: 'IMEI_CHECK' });
    expect(errors?.[0]?.message).toMatch(/imei1.*check digit/);
    const found = await ask('it', '{ handset(deviceId: "SD-BAD1") { id } }');
    expect(found.errors?.[0]?.extensions?.code).toBe('HANDSET_NOT_FOUND');
  });

  it('names the field and rule of other refusals', async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      [
        `mutation { createSim(input: { iccid: "8986001277000000001", plan: "p", monthlyFeeFen: -1 }) { id } }`,
        { code: 'MONEY', field: 'monthlyFeeFen' },
      ],
      [
        `mutation { createSim(input: { iccid: "1234", plan: "p", monthlyFeeFen: 100 }) { id } }`,
        { field: 'iccid', code: expect.stringMatching(/^ICCID_/) },
      ],
      [
        `mutation { createWorker(input: { code: "GW-9", name: "x", gridCode: "620725999999-G01", kind: AUXILIARY }) { id } }`,
        { code: 'GRID_UNKNOWN', field: 'gridCode' },
      ],
      [
        'mutation { setHandsetStatus(deviceId: "SD-T0001", status: ACTIVE) { id } }',
        { code: 'STATUS_TRANSITION', field: 'status' },
      ],
      [
        `mutation { createAppRelease(input: { version: "3.3", versionCode: 330, sha256: "xyz" }) { id } }`,
        { code: 'INVALID_APP_RELEASE', field: 'sha256' },
      ],
      ['{ handset(imei: "12345") { id } }', { code: 'IMEI_LENGTH', field: 'imei' }],
      ['{ fleetCompliance(townshipCode: "620725999") { now } }', { code: 'REGION_NOT_FOUND' }],
      ['{ handsets(first: -1) { totalCount } }', { code: 'BAD_PAGE_SIZE', field: 'first' }],
    ];
    for (const [query, extensions] of cases) {
      const { errors } = await ask('it', query);
      expect(errors?.[0]?.extensions, query).toMatchObject(extensions);
      expect(errors?.[0]?.message, query).not.toMatch(/insert|select|stack/i);
    }
  });
});

describe('importing an inventory sheet', () => {
  const upload = (csv: string) => Buffer.from(csv, 'utf8').toString('base64');
  const REPORT = 'rows inserted updated unchanged applied errors { row key field rule message value }';

  it('reports every bad row and writes nothing, then imports the corrected sheet', async () => {
    const sheet = (second: string) =>
      `资产编号,IMEI1,型号,状态\nSD-I0001,${imei(11)},vivo Y77,在库\nSD-I0002,${second},vivo Y77,在库\n`;
    const refused = await ok(
      'it',
      `mutation($input: FleetImportInput!) { importFleetInventory(input: $input) { ${REPORT} } }`,
      {
        input: { kind: 'HANDSETS', fileName: 'handsets.csv', contentBase64: upload(sheet('86123477000012')) },
      },
    );
    expect(refused.importFleetInventory).toMatchObject({ rows: 2, inserted: 0, applied: false });
    expect(refused.importFleetInventory.errors).toEqual([
      expect.objectContaining({ row: 3, key: 'SD-I0002', field: 'imei1', rule: 'IMEI_LENGTH' }),
    ]);
    const none = await ok('it', '{ handsets(filter: { search: "SD-I" }) { totalCount } }');
    expect(none.handsets.totalCount).toBe(0);

    const dry = await ok(
      'it',
      `mutation($input: FleetImportInput!) { importFleetInventory(input: $input) { ${REPORT} } }`,
      {
        input: {
          kind: 'HANDSETS',
          fileName: 'handsets.csv',
          contentBase64: upload(sheet(imei(12))),
          dryRun: true,
        },
      },
    );
    expect(dry.importFleetInventory).toMatchObject({ rows: 2, inserted: 2, applied: false, errors: [] });

    const applied = await ok(
      'it',
      `mutation($input: FleetImportInput!) { importFleetInventory(input: $input) { ${REPORT} } }`,
      { input: { kind: 'HANDSETS', fileName: 'handsets.csv', contentBase64: upload(sheet(imei(12))) } },
    );
    expect(applied.importFleetInventory).toMatchObject({ rows: 2, inserted: 2, applied: true, errors: [] });
    const two = await ok('it', '{ handsets(filter: { search: "SD-I" }) { totalCount } }');
    expect(two.handsets.totalCount).toBe(2);
  });

  it('refuses an upload that is not base64, or a file name with folders', async () => {
    const notBase64 = await ask(
      'it',
      'mutation { importFleetInventory(input: { kind: SIMS, fileName: "a.csv", contentBase64: "@@@" }) { rows } }',
    );
    expect(notBase64.errors?.[0]?.extensions).toMatchObject({
      code: 'INVALID_UPLOAD',
      field: 'contentBase64',
    });
    const folder = await ask(
      'it',
      'mutation { importFleetInventory(input: { kind: SIMS, fileName: "../etc/passwd", contentBase64: "YQ==" }) { rows } }',
    );
    expect(folder.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_UPLOAD', field: 'fileName' });
  });
});

describe('app releases and the compliance view', () => {
  it('registers releases; the highest version code is current', async () => {
    const r = await ok(
      'it',
      `mutation { a: createAppRelease(input: { version: "3.2.0", versionCode: 320, minVersionCode: 300, sha256: "${'A'.repeat(64)}" }) { version sha256 releasedBy }
         b: createAppRelease(input: { version: "3.3.0", versionCode: 330, sha256: "${'b'.repeat(64)}", notes: "修复定位" }) { minVersionCode } }`,
    );
    expect(r.a).toMatchObject({ version: '3.2.0', sha256: 'a'.repeat(64) });
    expect(r.b).toEqual({ minVersionCode: 330 });
    const again = await ask(
      'it',
      `mutation { createAppRelease(input: { version: "3.3.0", versionCode: 330, sha256: "${'c'.repeat(64)}" }) { id } }`,
    );
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'APP_RELEASE_EXISTS', field: 'versionCode' });
    const list = await ok('it', '{ appReleases { versionCode } }');
    expect(list.appReleases).toEqual([{ versionCode: 330 }, { versionCode: 320 }]);
  });

  it('answers the summary and the rows, which agree with each other, and the CSV', async () => {
    const now = new Date();
    // Check-ins the handsets' endpoint would have recorded: one seen 2 h ago on an old version.
    await runSql(
      em(),
      `update handset set last_seen_at = ?, app_version = '3.2.0', app_version_code = 320 where device_id = 'SD-I0001'`,
      [new Date(now.getTime() - 2 * 3_600_000)],
    );
    const data = await ok(
      'it',
      `query($now: DateTimeISO) { fleetCompliance(now: $now) {
        now townshipCode
        summary { fleet retired online { under1h from1hTo24h from1dTo30d over30d never }
          versions { upToDate versionMismatch missing } release { versionCode } inService withoutSim withoutWorker }
        rows(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { deviceId onlineBucket versionState findings } }
      } }`,
      { now: now.toISOString() },
    );
    const { summary, rows } = data.fleetCompliance;
    expect(summary.fleet).toBe(3); // SD-T0001 (lost), SD-I0001, SD-I0002 (in stock)
    const online = summary.online;
    expect(online.under1h + online.from1hTo24h + online.from1dTo30d + online.over30d + online.never).toBe(
      summary.fleet,
    );
    expect(online).toEqual({ under1h: 0, from1hTo24h: 1, from1dTo30d: 0, over30d: 0, never: 2 });
    expect(summary.versions).toEqual({ upToDate: 0, versionMismatch: 1, missing: 2 });
    expect(summary.release).toEqual({ versionCode: 330 });
    expect(rows.totalCount).toBe(3);
    expect(rows.pageInfo.hasNextPage).toBe(true);
    const rest = await ok(
      'it',
      `query($after: String) { fleetCompliance { rows(first: 5, after: $after) { nodes { deviceId } } } }`,
      { after: rows.pageInfo.endCursor },
    );
    const devices = [...rows.nodes, ...rest.fleetCompliance.rows.nodes].map((r: Data) => r.deviceId);
    expect(devices.sort()).toEqual(['SD-I0001', 'SD-I0002', 'SD-T0001']);

    const town = await ok(
      'it',
      '{ fleetCompliance(townshipCode: "620725101") { townshipCode summary { fleet } } }',
    );
    expect(town.fleetCompliance).toEqual({ townshipCode: '620725101', summary: { fleet: 0 } });

    const csv = await ok('it', '{ fleetComplianceCsv(filter: { versionStates: [VERSION_MISMATCH] }) }');
    expect(csv.fleetComplianceCsv.startsWith('\uFEFFdeviceId,')).toBe(true);
    const records = parse(csv.fleetComplianceCsv, { bom: true, columns: true }) as Data[];
    expect(records).toEqual([
      expect.objectContaining({
        deviceId: 'SD-I0001',
        versionState: 'VERSION_MISMATCH',
        appVersionCode: '320',
      }),
    ]);
  });

  it('lists a handset’s check-ins and certificates', async () => {
    const [h] = await runSql<{ id: string }>(
      em(),
      "select id::text from handset where device_id = 'SD-I0001'",
    );
    for (let i = 0; i < 3; i++)
      await runSql(
        em(),
        `insert into checkin (handset_id, at, cert_serial, app_version_code, battery) values (?, now() - ? * interval '1 hour', 'ab12', 320, ?)`,
        [h!.id, i + 2, 90 - i],
      );
    const data = await ok(
      'it',
      '{ handset(deviceId: "SD-I0001") { checkins(last: 2) { battery appVersionCode } certificates { serial } } }',
    );
    expect(data.handset).toEqual({
      checkins: [
        { battery: 90, appVersionCode: 320 },
        { battery: 89, appVersionCode: 320 },
      ],
      certificates: [],
    });
    const bad = await ask('it', '{ handset(deviceId: "SD-I0001") { checkins(last: 0) { id } } }');
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_PAGE_SIZE', field: 'last' });
  });
});

/** A PKCS#10 request made as a handset would, with openssl: RSA-2048, any subject (the hub ignores it). */
function opensslCsr(dir: string, name: string): string {
  execFileSync(
    'openssl',
    [
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      path.join(dir, `${name}.key`),
      '-out',
      path.join(dir, `${name}.csr`),
    ],
    { stdio: 'ignore' },
  );
  return readFileSync(path.join(dir, `${name}.csr`), 'utf8');
}

describe('enrollment and revocation', () => {
  const TOKEN = `mutation($d: String!, $ttl: Int!) { createEnrollmentToken(deviceId: $d, ttlMinutes: $ttl) {
    deviceId token expiresAt qrPayload } }`;
  const CERTS = `query($d: String!) { handset(deviceId: $d) { status
    certificates { serial status notAfter revocationReason } } }`;

  it('creates a one-time token with its QR payload, and refuses a bad lifetime or an unknown handset', async () => {
    const before = Date.now();
    const data = await ok('it', TOKEN, { d: 'SD-I0002', ttl: 30 });
    const issued = data.createEnrollmentToken;
    expect(issued.token).toMatch(/^ghe_[A-Za-z0-9_-]{20,}$/);
    const expires = new Date(issued.expiresAt).getTime();
    expect(expires).toBeGreaterThanOrEqual(before + 29 * 60_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 31 * 60_000);
    expect(JSON.parse(issued.qrPayload)).toEqual({
      v: 1,
      hub: expect.stringMatching(/^https?:\/\//),
      token: issued.token,
      caFingerprint: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
      deviceId: 'SD-I0002',
    });
    const tooLong = await ask('it', TOKEN, { d: 'SD-I0002', ttl: 0 });
    expect(tooLong.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_TOKEN_TTL', field: 'ttlMinutes' });
    const unknown = await ask('it', TOKEN, { d: 'SD-NONE', ttl: 30 });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('HANDSET_NOT_FOUND');
    // The token is stored as its hash only, and its creation is audited.
    const [{ n }] = await runSql<{ n: number }>(
      em(),
      'select count(*)::int as n from enrollment_token where token_hash = ?',
      [issued.token],
    );
    expect(n).toBe(0);
    const audit = await ok(
      'it',
      '{ fleetAudit(filter: { deviceId: "SD-I0002", actions: ["token.create"] }) { totalCount } }',
    );
    expect(audit.fleetAudit.totalCount).toBe(1);
  });

  it('lists the certificate an enrollment issued, revokes it by serial, and revokes on LOST', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-fleetapi-csr-'));
    const enrollWith = async (name: string) => {
      const { createEnrollmentToken } = (await ok('it', TOKEN, { d: 'SD-I0002', ttl: 10 })) as Data;
      return enroll(em(), {
        token: createEnrollmentToken.token,
        csrPem: opensslCsr(dir, name),
        deviceId: 'SD-I0002',
      });
    };
    const first = await enrollWith('first');
    let data = await ok('it', CERTS, { d: 'SD-I0002' });
    expect(data.handset).toEqual({
      status: 'ACTIVE',
      certificates: [
        {
          serial: first.serial,
          status: 'ACTIVE',
          notAfter: first.notAfter.toISOString(),
          revocationReason: null,
        },
      ],
    });

    const revoked = await ok(
      'it',
      'mutation($s: String!) { revokeCertificate(serial: $s, reason: KEY_COMPROMISE, note: "屏幕碎裂送修") { serial status revocationReason } }',
      { s: first.serial },
    );
    expect(revoked.revokeCertificate).toEqual({
      serial: first.serial,
      status: 'REVOKED',
      revocationReason: 'KEY_COMPROMISE',
    });
    const again = await ask(
      'it',
      'mutation($s: String!) { revokeCertificate(serial: $s, reason: UNSPECIFIED) { serial } }',
      {
        s: first.serial,
      },
    );
    expect(again.errors?.[0]?.extensions).toMatchObject({
      code: 'CERTIFICATE_ALREADY_REVOKED',
      field: 'serial',
    });
    data = await ok('it', CERTS, { d: 'SD-I0002' });
    expect(data.handset.status).toBe('IN_STOCK'); // no valid certificate left: no longer enrolled

    // Enrolled again, then reported lost: its certificate is revoked with it (keyCompromise).
    const second = await enrollWith('second');
    const lost = await ok(
      'it',
      'mutation { setHandsetStatus(deviceId: "SD-I0002", status: LOST, reason: "遗失") { status certificates { serial status revocationReason } } }',
    );
    expect(lost.setHandsetStatus.status).toBe('LOST');
    expect(lost.setHandsetStatus.certificates).toEqual(
      expect.arrayContaining([
        { serial: second.serial, status: 'REVOKED', revocationReason: 'KEY_COMPROMISE' },
      ]),
    );
    const nothing = await ok(
      'it',
      'mutation { revokeHandset(deviceId: "SD-I0002", reason: KEY_COMPROMISE) { revoked { serial } crlNumber } }',
    );
    expect(nothing.revokeHandset).toEqual({ revoked: [], crlNumber: null });

    const audit = await ok(
      'it',
      '{ fleetAudit(filter: { deviceId: "SD-I0002" }) { nodes { action serial actor } } }',
    );
    const actions = audit.fleetAudit.nodes.map((a: Data) => a.action);
    expect(actions.filter((a: string) => a === 'revoke')).toHaveLength(2);
    expect(actions).toEqual(expect.arrayContaining(['token.create', 'enroll']));
    expect(audit.fleetAudit.nodes.find((a: Data) => a.action === 'revoke').actor).toMatch(/^test-/);
  });
});

describe('the CLI: hub fleet …', () => {
  let dir: string;
  const cli = (...args: string[]) =>
    runHub(
      { DATABASE_URL: hub.infrastructure.databaseUrl, GRIDHUB_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      ['fleet', ...args],
      90_000,
    );

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-fleetcli-'));
  });

  it('imports a sheet: a bad one is refused with its report and exit 1, a good one applied', async () => {
    const good = `ICCID,手机号,套餐,月租\n${iccid(21)},13912340021,政务网格通 30元,30.00\n`;
    const wrong = `${iccid(22).slice(0, 19)}${(Number(iccid(22).at(-1)) + 1) % 10}`;
    const bad = `${good}${wrong},13912340022,政务网格通 30元,30\n`;
    writeFileSync(path.join(dir, 'bad.csv'), bad);
    writeFileSync(path.join(dir, 'good.csv'), good);
    const refused = await cli('import', '--kind', 'sims', path.join(dir, 'bad.csv'));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('REFUSED: nothing written');
    expect(refused.stdout).toMatch(/3\s+\S+\s+iccid\s+ICCID_CHECK/);
    const applied = await cli('import', '--kind', 'sims', path.join(dir, 'good.csv'), '--json');
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({
      kind: 'sims',
      rows: 1,
      inserted: 1,
      applied: true,
      errors: [],
    });
    const found = await ok('it', `{ sim(iccid: "${iccid(21)}") { msisdn } }`);
    expect(found.sim.msisdn).toBe('13912340021');
  });

  it('assigns, finds, unassigns, makes an enrollment token, and revokes', async () => {
    await ok(
      'it',
      `mutation { createWorker(input: { code: "GW-002", name: "牛大力", gridCode: "${grid}", kind: PART_TIME }) { id } }`,
    );
    const assigned = await cli('assign', 'SD-I0001', 'GW-002', '--iccid', iccid(21));
    expect(assigned.stderr).toBe('');
    expect(assigned.stdout).toContain(`assigned SD-I0001 to GW-002 with SIM ${iccid(21)}`);
    const listed = await cli('handsets', '--search', '牛大力', '--json');
    expect(JSON.parse(listed.stdout).map((h: Data) => h.deviceId)).toEqual(['SD-I0001']);

    const token = await cli('enroll-token', 'SD-I0001', '--ttl', '5', '--json');
    expect(token.code).toBe(0);
    const issued = JSON.parse(token.stdout);
    expect(issued.qrPayload).toMatchObject({ v: 1, token: issued.token, deviceId: 'SD-I0001' });
    const plain = await cli('enroll-token', 'SD-I0001');
    const [qr, secret] = plain.stdout.trim().split('\n');
    expect(JSON.parse(qr!).token).toBe(secret);
    expect(plain.stderr).toContain('it is not shown again');

    const dirCsr = mkdtempSync(path.join(os.tmpdir(), 'gridhub-fleetcli-csr-'));
    const cert = await enroll(em(), {
      token: secret!,
      csrPem: opensslCsr(dirCsr, 'cli'),
      deviceId: 'SD-I0001',
    });
    const revoked = await cli('revoke', 'SD-I0001', '--reason', 'affiliationChanged');
    expect(revoked.stderr).toBe('');
    expect(revoked.stdout).toContain(`revoked ${cert.serial} (affiliationChanged)`);
    const badReason = await cli('revoke', 'SD-I0001', '--reason', 'because');
    expect(badReason.code).not.toBe(0);

    const unassigned = await cli('unassign', 'SD-I0001', '--reason', '离职');
    expect(unassigned.stdout).toContain('unassigned SD-I0001');
    const again = await cli('unassign', 'SD-I0001');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('NOT_ASSIGNED');
  });

  it('prints the compliance summary and writes the CSV', async () => {
    const file = path.join(dir, 'compliance.csv');
    const out = await cli('compliance', '--csv', file, '--json');
    expect(out.code).toBe(0);
    const summary = JSON.parse(out.stdout);
    const online = Object.values(summary.online as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(online).toBe(summary.fleet);
    const csv = readFileSync(file);
    expect(csv.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(parse(csv, { bom: true, columns: true })).toHaveLength(summary.fleet);
    const human = await cli('compliance', '--township', '620725101');
    expect(human.stdout).toMatch(/^fleet \d+ handsets in 620725101/);
    expect(human.stdout).toContain('online: <1 h');
  });
});
