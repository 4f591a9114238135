import type { EntityManager } from '@mikro-orm/postgresql';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allComplianceRows,
  COMPLIANCE_CSV_COLUMNS,
  ComplianceFinding,
  type ComplianceRow,
  complianceCsv,
  complianceRows,
  complianceSummary,
  exportComplianceCsv,
  OnlineBucket,
  VersionState,
} from '../../../fleet/compliance.service';
import { HandsetStatus } from '../../../fleet/inventory.entity';
import { searchHandsets, searchSims, searchWorkers } from '../../../fleet/search';
import { runSql } from '../../../schema/common/rows';
import { type MikroORM, migrate } from '../../../schema/db/orm';
import { luhnCheckDigit } from '../../../schema/identifiers/luhn';
import { demoCountyRegions } from '../../../schema/regions/demo-county';
import { loadRegionTree } from '../../../schema/regions/region.service';
import { testOrm } from '../../support/orm';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../../support/services';

/**
 * The compliance view against real PostgreSQL, on a fleet seeded by SQL so that every case sits exactly where
 * the definitions put it (fleet/compliance.service.ts): each online bucket's boundaries, version states,
 * certificates, SIM mismatches, missing SIMs and workers, lost handsets still checking in, the retired
 * handset left out, a township's share, and the CSV export. Its own database, so that no other test's
 * handsets change the counts.
 */

const DB = scratchDatabaseName('fleetcompliance');
const NOW = new Date('2026-06-01T04:00:00.000Z');
const H = 3_600_000;
const D = 24 * H;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);

const withLuhn = (body: string) => body + luhnCheckDigit(body);
const imei = (n: number) => withLuhn(`86123499${String(n).padStart(6, '0')}`);
const iccid = (n: number) => withLuhn(`8986001299${String(n).padStart(9, '0')}`);
const msisdn = (n: number) => `1390000${String(n).padStart(4, '0')}`;

let orm: MikroORM;
const em = () => orm.em.fork() as EntityManager;
const sql = (text: string, params: unknown[] = []) => runSql(em(), text, params);

/** Grid codes of two townships of the demo county. */
let grids101: string[];
let grids102: string[];
const ids = new Map<string, string>();

interface SeedHandset {
  deviceId: string;
  status: HandsetStatus;
  lastSeen: Date | null;
  code: number | null;
  iccidSeen?: string | null;
  imeiChanged?: boolean;
}

async function handset(n: number, h: SeedHandset): Promise<string> {
  const [row] = await sql(
    `insert into handset (device_id, imei1, model, status, last_seen_at, app_version, app_version_code, iccid_seen,
       imei_changed_at, created_at)
     values (?, ?, ?, ?::handset_status, ?, ?, ?, ?, ?, ?) returning id::text`,
    [
      h.deviceId,
      imei(n),
      n % 2 ? '华为 畅享 50' : 'vivo Y77',
      h.status,
      h.lastSeen,
      h.code == null ? null : `3.${h.code / 10 - 30}.0`,
      h.code,
      h.iccidSeen ?? null,
      h.imeiChanged ? at(-D) : null,
      at(-400 * D),
    ],
  );
  ids.set(h.deviceId, (row as { id: string }).id);
  if (h.lastSeen)
    await sql(
      `insert into checkin (handset_id, at, cert_serial, app_version_code, iccid) values (?, ?, 'aa01', ?, ?)`,
      [ids.get(h.deviceId), h.lastSeen, h.code, h.iccidSeen ?? null],
    );
  return ids.get(h.deviceId)!;
}

async function worker(code: string, name: string, grid: string): Promise<string> {
  const [row] = await sql(
    `insert into fleet_worker (code, name, phone, grid_code, kind) values (?, ?, '13812345678', ?, 'full_time')
     returning id::text`,
    [code, name, grid],
  );
  return (row as { id: string }).id;
}

async function sim(n: number): Promise<string> {
  const [row] = await sql(
    `insert into sim_card (iccid, msisdn, carrier, plan, monthly_fee_fen, status) values (?, ?, 'cmcc', '政务网格通 30元', 3000, 'active')
     returning id::text`,
    [iccid(n), msisdn(n)],
  );
  return (row as { id: string }).id;
}

async function assignment(deviceId: string, workerId: string, simId: string | null): Promise<void> {
  await sql(
    `insert into assignment (handset_id, sim_id, worker_id, since, assigned_by) values (?, ?, ?, ?, 'test')`,
    [ids.get(deviceId), simId, workerId, at(-300 * D)],
  );
}

let certs = 0;
async function cert(deviceId: string, notAfter: Date, status = 'active'): Promise<void> {
  certs++;
  await sql(
    `insert into device_certificate (serial, handset_id, subject, fingerprint, not_before, not_after, status,
       revoked_at, revocation_reason, pem)
     values (?, ?, ?, ?, ?, ?, ?::certificate_status, ?, ?::revocation_reason, 'PEM')`,
    [
      `0a${String(certs).padStart(14, '0')}`,
      ids.get(deviceId),
      `CN=${deviceId}`,
      `FP:${certs}`,
      at(-300 * D),
      notAfter,
      status,
      status === 'revoked' ? at(-D) : null,
      status === 'revoked' ? 'keyCompromise' : null,
    ],
  );
}

async function change(
  deviceId: string,
  changes: Record<string, [unknown, unknown]>,
  when: Date,
): Promise<void> {
  await sql(
    `insert into fleet_change (subject, subject_id, changes, actor, at) values ('handset', ?, ?, 'test', ?)`,
    [ids.get(deviceId), JSON.stringify(changes), when],
  );
}

beforeAll(async () => {
  const url = await recreateDatabase(DB);
  orm = await testOrm(url, 3);
  await migrate(orm);
  await loadRegionTree(em(), demoCountyRegions());
  const grid = async (township: string) =>
    (
      await sql(`select code from region where level = 'grid' and path like ? order by code limit 4`, [
        `/620725/${township}/%`,
      ])
    ).map((r) => (r as { code: string }).code);
  grids101 = await grid('620725101');
  grids102 = await grid('620725102');

  await sql(
    `insert into app_release (version, version_code, min_version_code, sha256, released_by, released_at) values
    ('3.2.0', 320, 300, repeat('a', 64), 'test', ?), ('3.3.0', 330, 310, repeat('b', 64), 'test', ?)`,
    [at(-200 * D), at(-20 * D)],
  );

  const w = {
    w1: await worker('W1', '张三, "小张"', grids101[0]!),
    w2: await worker('W2', '李四', grids101[1]!),
    w3: await worker('W3', '王五', grids101[2]!),
    w4: await worker('W4', '=赵六', grids101[0]!),
    w5: await worker('W5', '钱七', grids102[0]!),
    w6: await worker('W6', '孙八', grids102[1]!),
    w7: await worker('W7', '周九', grids101[3] ?? grids101[0]!),
    w8: await worker('W8', '吴十', grids101[1]!),
  };
  const s: Record<number, string> = {};
  for (const n of [1, 2, 4, 5, 6, 7, 8, 9]) s[n] = await sim(n);

  // In service, each at an online-bucket boundary.
  await handset(1, {
    deviceId: 'H01',
    status: HandsetStatus.ACTIVE,
    lastSeen: NOW,
    code: 330,
    iccidSeen: iccid(1),
  });
  await handset(2, {
    deviceId: 'H02',
    status: HandsetStatus.ACTIVE,
    lastSeen: at(-H + 1_000),
    code: 320,
    iccidSeen: iccid(9),
  });
  await handset(3, {
    deviceId: 'H03',
    status: HandsetStatus.ACTIVE,
    lastSeen: at(-H),
    code: null,
    iccidSeen: iccid(9),
  });
  await handset(4, { deviceId: 'H04', status: HandsetStatus.ASSIGNED, lastSeen: at(-D + 1_000), code: 300 });
  await handset(5, { deviceId: 'H05', status: HandsetStatus.ACTIVE, lastSeen: at(-D), code: 330 });
  await handset(6, {
    deviceId: 'H06',
    status: HandsetStatus.ACTIVE,
    lastSeen: at(-30 * D + 1_000),
    code: 330,
  });
  await handset(7, { deviceId: 'H07', status: HandsetStatus.ACTIVE, lastSeen: at(-30 * D), code: 330 });
  // Lost: one seen after it was marked lost, one not since; one recorded as lost from the start and seen since.
  await handset(8, {
    deviceId: 'H08',
    status: HandsetStatus.LOST,
    lastSeen: at(-2 * H),
    code: 330,
    iccidSeen: iccid(7),
  });
  await handset(9, { deviceId: 'H09', status: HandsetStatus.LOST, lastSeen: at(-5 * H), code: null });
  await handset(13, {
    deviceId: 'H13',
    status: HandsetStatus.LOST,
    lastSeen: at(-D),
    code: null,
    imeiChanged: true,
  });
  // Out of workers' hands: never seen.
  await handset(10, { deviceId: 'H10', status: HandsetStatus.IN_STOCK, lastSeen: null, code: null });
  await handset(11, { deviceId: 'H11', status: HandsetStatus.UNDER_REPAIR, lastSeen: null, code: null });
  // Retired: not counted, although it checked in a minute ago.
  await handset(12, { deviceId: 'H12', status: HandsetStatus.RETIRED, lastSeen: at(-60_000), code: 330 });
  // A check-in stamped after `now` (the handset's clock runs fast): online.
  await handset(14, { deviceId: 'H14', status: HandsetStatus.ACTIVE, lastSeen: at(5 * 60_000), code: 330 });

  await assignment('H01', w.w1, s[1]!);
  await assignment('H02', w.w2, s[2]!);
  await assignment('H03', w.w3, null);
  await assignment('H04', w.w4, s[4]!);
  await assignment('H06', w.w5, s[5]!);
  await assignment('H07', w.w6, s[6]!);
  await assignment('H08', w.w7, s[7]!);
  await assignment('H14', w.w8, s[8]!);
  // A closed assignment does not count: H05 was held by W5's predecessor and taken back.
  await sql(
    `insert into assignment (handset_id, sim_id, worker_id, since, until, assigned_by) values (?, null, ?, ?, ?, 'test')`,
    [ids.get('H05'), w.w5, at(-400 * D), at(-350 * D)],
  );

  await cert('H01', at(365 * D));
  await cert('H02', at(30 * D)); // exactly 30 days: expiring
  await cert('H03', at(30 * D + 1_000)); // a second later: not yet
  await cert('H05', at(-D)); // expired, never renewed
  await cert('H06', at(10 * D), 'revoked'); // revoked: neither expiring nor current
  await cert('H07', at(5 * D), 'superseded'); // renewed: the new one counts
  await cert('H07', at(200 * D));
  await cert('H14', at(100 * D));

  await change('H08', { status: ['active', 'lost'] }, at(-3 * H));
  await change('H09', { status: ['active', 'lost'] }, at(-3 * H));
  await change('H13', { created: [null, 'lost'] }, at(-10 * D));
});

afterAll(async () => {
  await orm?.close();
  await dropDatabase(DB);
});

const byDevice = (rows: ComplianceRow[]) => new Map(rows.map((r) => [r.deviceId, r]));

describe('the compliance summary', () => {
  it('counts every handset but the retired one, and each family of counts sums to the fleet', async () => {
    const s = await complianceSummary(em(), { now: NOW });
    expect(s.fleet).toBe(13);
    expect(s.retired).toBe(1);
    const online = Object.values(s.online).reduce((a, b) => a + b, 0);
    const versions = Object.values(s.versions).reduce((a, b) => a + b, 0);
    const statuses = s.byStatus.reduce((a, b) => a + b.count, 0);
    expect(online).toBe(s.fleet);
    expect(versions).toBe(s.fleet);
    expect(statuses).toBe(s.fleet);
    expect(s.byStatus).toEqual([
      { status: HandsetStatus.IN_STOCK, count: 1 },
      { status: HandsetStatus.ASSIGNED, count: 1 },
      { status: HandsetStatus.ACTIVE, count: 7 },
      { status: HandsetStatus.LOST, count: 3 },
      { status: HandsetStatus.UNDER_REPAIR, count: 1 },
    ]);
  });

  it('puts each handset in exactly one online bucket, boundaries in the older bucket', async () => {
    const s = await complianceSummary(em(), { now: NOW });
    expect(s.online).toEqual({
      [OnlineBucket.UNDER_1H]: 3, // H01 (now), H02 (59:59 ago), H14 (in the future)
      [OnlineBucket.FROM_1H_TO_24H]: 4, // H03 (exactly 1 h), H04 (23:59:59), H08, H09
      [OnlineBucket.FROM_1D_TO_30D]: 3, // H05 (exactly 24 h), H06 (30 d less a second), H13
      [OnlineBucket.OVER_30D]: 1, // H07 (exactly 30 d)
      [OnlineBucket.NEVER]: 2, // H10, H11
    });
    const rows = byDevice(await allComplianceRows(em(), { now: NOW }));
    expect(rows.get('H01')!.onlineBucket).toBe(OnlineBucket.UNDER_1H);
    expect(rows.get('H02')!.onlineBucket).toBe(OnlineBucket.UNDER_1H);
    expect(rows.get('H03')!.onlineBucket).toBe(OnlineBucket.FROM_1H_TO_24H);
    expect(rows.get('H04')!.onlineBucket).toBe(OnlineBucket.FROM_1H_TO_24H);
    expect(rows.get('H05')!.onlineBucket).toBe(OnlineBucket.FROM_1D_TO_30D);
    expect(rows.get('H06')!.onlineBucket).toBe(OnlineBucket.FROM_1D_TO_30D);
    expect(rows.get('H07')!.onlineBucket).toBe(OnlineBucket.OVER_30D);
    expect(rows.get('H10')!.onlineBucket).toBe(OnlineBucket.NEVER);
    expect(rows.get('H14')!.onlineBucket).toBe(OnlineBucket.UNDER_1H);
    expect(rows.has('H12')).toBe(false);
  });

  it('moves handsets between buckets as `now` moves, still summing to the fleet', async () => {
    const later = await complianceSummary(em(), { now: new Date(NOW.getTime() + 1) });
    // A millisecond later, the handsets at a boundary stay where they are: H02 is still under an hour old.
    expect(later.online[OnlineBucket.UNDER_1H]).toBe(3);
    expect(Object.values(later.online).reduce((a, b) => a + b, 0)).toBe(13);
    const muchLater = await complianceSummary(em(), { now: new Date(NOW.getTime() + 60 * D) });
    expect(muchLater.online).toEqual({
      [OnlineBucket.UNDER_1H]: 0,
      [OnlineBucket.FROM_1H_TO_24H]: 0,
      [OnlineBucket.FROM_1D_TO_30D]: 0,
      [OnlineBucket.OVER_30D]: 11,
      [OnlineBucket.NEVER]: 2,
    });
  });

  it('compares reported versions with the highest release', async () => {
    const s = await complianceSummary(em(), { now: NOW });
    expect(s.release).toEqual({ version: '3.3.0', versionCode: 330, minVersionCode: 310 });
    expect(s.versions).toEqual({
      [VersionState.UP_TO_DATE]: 6, // H01, H05, H06, H07, H08, H14
      [VersionState.VERSION_MISMATCH]: 2, // H02 (320), H04 (300)
      [VersionState.MISSING]: 5, // H03, H09, H10, H11, H13: never reported
    });
    expect(s.belowMinVersion).toBe(1); // H04: 300 < 310
    const rows = byDevice(await allComplianceRows(em(), { now: NOW }));
    expect(rows.get('H04')!.findings).toEqual(
      expect.arrayContaining(['VERSION_MISMATCH', 'BELOW_MIN_VERSION']),
    );
    expect(rows.get('H02')!.findings).not.toContain('BELOW_MIN_VERSION');
  });

  it('finds expiring and expired certificates, ignoring revoked and superseded ones', async () => {
    const s = await complianceSummary(em(), { now: NOW });
    expect(s.certExpiring).toBe(1); // H02, exactly 30 days left
    expect(s.certExpired).toBe(1); // H05
    expect(s.noCertificate).toBe(1); // H06: active, only a revoked certificate
    const rows = byDevice(await allComplianceRows(em(), { now: NOW }));
    expect(rows.get('H02')!.findings).toContain('CERT_EXPIRING');
    expect(rows.get('H03')!.findings).not.toContain('CERT_EXPIRING');
    expect(rows.get('H07')!.certNotAfter).toEqual(at(200 * D));
    expect(rows.get('H07')!.findings).not.toContain('CERT_EXPIRING');
    expect(rows.get('H06')!.findings).toContain('NO_CERTIFICATE');
    expect(rows.get('H06')!.certSerial).toBeNull();
  });

  it('finds SIM mismatches, and in-service handsets without a SIM or a worker', async () => {
    const s = await complianceSummary(em(), { now: NOW });
    expect(s.simMismatch).toBe(1); // H02 reports SIM 9 but holds SIM 2; H03 has no SIM assigned: NO_SIM
    expect(s.inService).toBe(8);
    expect(s.withoutSim).toBe(1); // H03
    expect(s.withoutWorker).toBe(1); // H05: its only assignment is closed
    const rows = byDevice(await allComplianceRows(em(), { now: NOW }));
    expect(rows.get('H02')!.findings).toEqual(['SIM_MISMATCH', 'VERSION_MISMATCH', 'CERT_EXPIRING']);
    expect(rows.get('H02')!.simIccid).toBe(iccid(2));
    expect(rows.get('H02')!.iccidSeen).toBe(iccid(9));
    expect(rows.get('H03')!.findings).toEqual(['NO_SIM', 'VERSION_MISSING']);
    expect(rows.get('H05')!.findings).toEqual(['NO_WORKER', 'CERT_EXPIRED']);
    // Out of workers' hands on purpose: no NO_WORKER for stock, repair or lost handsets.
    for (const d of ['H09', 'H10', 'H11']) expect(rows.get(d)!.findings).not.toContain('NO_WORKER');
    expect(rows.get('H01')!.findings).toEqual([]);
  });

  it('finds lost handsets still checking in after they were marked lost', async () => {
    const s = await complianceSummary(em(), { now: NOW });
    expect(s.lostStillCheckingIn).toBe(2);
    const rows = byDevice(await allComplianceRows(em(), { now: NOW }));
    expect(rows.get('H08')!.findings).toContain('LOST_STILL_CHECKING_IN');
    expect(rows.get('H08')!.lostAt).toEqual(at(-3 * H));
    expect(rows.get('H09')!.findings).not.toContain('LOST_STILL_CHECKING_IN'); // last seen before
    expect(rows.get('H13')!.findings).toEqual(
      expect.arrayContaining(['LOST_STILL_CHECKING_IN', 'IMEI_CHANGED']),
    );
    expect(s.imeiChanged).toBe(1);
  });

  it('limits the view to a township: the handsets its workers hold', async () => {
    const s = await complianceSummary(em(), { townshipCode: '620725101', now: NOW });
    expect(s.townshipCode).toBe('620725101');
    expect(s.fleet).toBe(6); // H01, H02, H03, H04, H08, H14
    expect(s.retired).toBe(0);
    expect(Object.values(s.online).reduce((a, b) => a + b, 0)).toBe(6);
    expect(s.online[OnlineBucket.UNDER_1H]).toBe(3);
    expect(s.online[OnlineBucket.FROM_1H_TO_24H]).toBe(3);
    const rows = await allComplianceRows(em(), { townshipCode: '620725101', now: NOW });
    expect(rows.map((r) => r.deviceId)).toEqual(['H01', 'H02', 'H03', 'H04', 'H08', 'H14']);
    expect(new Set(rows.map((r) => r.townshipCode))).toEqual(new Set(['620725101']));
    expect(rows[0]!.townshipName).toBeTruthy();
    const other = await complianceSummary(em(), { townshipCode: '620725102', now: NOW });
    expect(other.fleet).toBe(2); // H06, H07
    // A grid is a unit too.
    const grid = await complianceSummary(em(), { townshipCode: grids102[0]!, now: NOW });
    expect(grid.fleet).toBe(1);
    await expect(complianceSummary(em(), { townshipCode: '620725999', now: NOW })).rejects.toMatchObject({
      code: 'REGION_NOT_FOUND',
    });
  });
});

describe('the per-handset rows', () => {
  it('pages through the counted fleet in id order with a keyset cursor', async () => {
    const seen: string[] = [];
    let afterId: string | null = null;
    for (let i = 0; i < 10; i++) {
      const page = await complianceRows(em(), { now: NOW }, {}, { first: 5, afterId });
      seen.push(...page.nodes.map((r) => r.deviceId));
      expect(await page.count()).toBe(13);
      if (!page.hasNextPage) break;
      afterId = page.nodes.at(-1)!.id;
    }
    expect(seen).toHaveLength(13);
    expect(new Set(seen).size).toBe(13);
  });

  it('filters rows by bucket, version state, finding and status', async () => {
    const rows = async (filter: Parameters<typeof complianceRows>[2]) =>
      (await complianceRows(em(), { now: NOW }, filter, { first: 100, afterId: null })).nodes.map(
        (r) => r.deviceId,
      );
    expect(await rows({ buckets: [OnlineBucket.NEVER] })).toEqual(['H10', 'H11']);
    expect(await rows({ versionStates: [VersionState.VERSION_MISMATCH] })).toEqual(['H02', 'H04']);
    expect(await rows({ findings: [ComplianceFinding.SIM_MISMATCH, ComplianceFinding.NO_WORKER] })).toEqual([
      'H02',
      'H05',
    ]);
    expect(await rows({ statuses: [HandsetStatus.LOST] })).toEqual(['H08', 'H09', 'H13']);
    expect(await rows({ withFindings: false })).toEqual(['H01', 'H14']);
  });
});

describe('the CSV export', () => {
  it('is UTF-8 with a BOM, CRLF lines, a header, one quoted row per counted handset', async () => {
    const { csv, rows } = await exportComplianceCsv(em(), { now: NOW });
    expect(rows).toBe(13);
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(Buffer.from(csv, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = csv.slice(1).split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines).toHaveLength(13 + 2);
    expect(lines[0]).toBe(COMPLIANCE_CSV_COLUMNS.join(','));
    // A name with a comma and quotes is quoted, its quotes doubled.
    expect(csv).toContain('"张三, ""小张"""');

    const records = parse(csv, { bom: true, columns: true }) as Record<string, string>[];
    expect(records).toHaveLength(13);
    const h02 = records.find((r) => r.deviceId === 'H02')!;
    expect(h02).toMatchObject({
      status: 'active',
      workerCode: 'W2',
      workerName: '李四',
      townshipCode: '620725101',
      simIccid: iccid(2),
      iccidSeen: iccid(9),
      onlineBucket: 'UNDER_1H',
      appVersionCode: '320',
      versionState: 'VERSION_MISMATCH',
      certNotAfter: at(30 * D).toISOString(),
      findings: 'SIM_MISMATCH;VERSION_MISMATCH;CERT_EXPIRING',
    });
    expect(records.find((r) => r.deviceId === 'H01')!.workerName).toBe('张三, "小张"');
    // A cell a spreadsheet would run as a formula is defused.
    expect(records.find((r) => r.deviceId === 'H04')!.workerName).toBe("'=赵六");
    expect(records.find((r) => r.deviceId === 'H10')).toMatchObject({
      workerCode: '',
      lastSeenAt: '',
      findings: 'VERSION_MISSING',
    });
  });

  it('writes an empty view as the header alone', () => {
    expect(complianceCsv([])).toBe(`\uFEFF${COMPLIANCE_CSV_COLUMNS.join(',')}\r\n`);
  });
});

describe('searching the fleet', () => {
  const page = { first: 100, afterId: null };
  const devices = async (filter: Parameters<typeof searchHandsets>[1]) =>
    (await searchHandsets(em(), { now: NOW, ...filter }, page)).nodes.map((h) => h.deviceId);

  it('filters handsets by status, model, online bucket and version state', async () => {
    // Id order is insertion order: H01–H09, H13, H10, H11, H12, H14.
    expect(await devices({ statuses: [HandsetStatus.LOST, HandsetStatus.RETIRED] })).toEqual([
      'H08',
      'H09',
      'H13',
      'H12',
    ]);
    expect((await devices({ model: 'VIVO y77' })).length).toBe(7);
    expect(await devices({ online: [OnlineBucket.OVER_30D] })).toEqual(['H07']);
    expect(await devices({ online: [OnlineBucket.NEVER, OnlineBucket.FROM_1D_TO_30D] })).toEqual([
      'H05',
      'H06',
      'H13',
      'H10',
      'H11',
    ]);
    expect(await devices({ versionStates: [VersionState.VERSION_MISMATCH] })).toEqual(['H02', 'H04']);
  });

  it('filters handsets by worker, SIM and region', async () => {
    expect(await devices({ hasWorker: false })).toEqual(['H05', 'H09', 'H13', 'H10', 'H11', 'H12']);
    expect(await devices({ hasWorker: true, hasSim: false })).toEqual(['H03']);
    expect(await devices({ regionCode: '620725102' })).toEqual(['H06', 'H07']);
    expect(await devices({ regionCode: '620725101', statuses: [HandsetStatus.LOST] })).toEqual(['H08']);
  });

  it('finds handsets by device id, IMEI, ICCID, MSISDN and worker', async () => {
    expect(await devices({ search: 'h1' })).toEqual(['H13', 'H10', 'H11', 'H12', 'H14']);
    expect(await devices({ search: imei(4).slice(-6) })).toEqual(['H04']);
    // Typed with spaces, as printed on the box.
    expect(await devices({ search: `${imei(7).slice(0, 2)} ${imei(7).slice(2)}` })).toEqual(['H07']);
    expect(await devices({ search: iccid(5) })).toEqual(['H06']);
    expect(await devices({ search: msisdn(8) })).toEqual(['H14']);
    expect(await devices({ search: '李四' })).toEqual(['H02']);
    expect(await devices({ search: 'w6' })).toEqual(['H07']);
    // ICCID seen in the slot: H02 and H03 report SIM 9, which nobody holds.
    expect(await devices({ search: iccid(9) })).toEqual(['H02', 'H03']);
    expect(await devices({ search: '100%_' })).toEqual([]);
  });

  it('pages handsets with a cursor and counts the matches', async () => {
    const first = await searchHandsets(em(), {}, { first: 4, afterId: null });
    expect(first.hasNextPage).toBe(true);
    expect(await first.count()).toBe(14);
    const next = await searchHandsets(em(), {}, { first: 20, afterId: first.nodes.at(-1)!.id });
    expect(next.nodes).toHaveLength(10);
    expect(next.hasNextPage).toBe(false);
  });

  it('finds SIM cards and workers', async () => {
    const sims = await searchSims(em(), { assigned: false }, page);
    expect(sims.nodes.map((s) => s.iccid)).toEqual([iccid(9)]);
    expect((await searchSims(em(), { search: msisdn(2) }, page)).nodes.map((s) => s.iccid)).toEqual([
      iccid(2),
    ]);
    expect((await searchSims(em(), { regionCode: '620725102' }, page)).nodes.map((s) => s.iccid)).toEqual([
      iccid(5),
      iccid(6),
    ]);
    const workers = await searchWorkers(em(), { regionCode: '620725102' }, page);
    expect(workers.nodes.map((w) => w.code)).toEqual(['W5', 'W6']);
    expect((await searchWorkers(em(), { hasHandset: false }, page)).nodes).toEqual([]);
    expect((await searchWorkers(em(), { hasHandset: true }, page)).nodes).toHaveLength(8);
    expect((await searchWorkers(em(), { search: '赵' }, page)).nodes.map((w) => w.code)).toEqual(['W4']);
  });
});
