import { generateKeyPairSync } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import forge from 'node-forge';
import { runSql } from '../schema/common/rows';
import { inTransaction } from '../schema/db/tx';
import { Random } from '../schema/demo/random';
import type { Logger } from '../schema/runtime/logger';
import { RevocationReason } from './ca.entity';
import { DEMO_RELEASES, deviceIdOf, iccidOf, imeiOf, msisdnOf, workerCodeOf } from './demo-numbers';
import { createEnrollmentToken, enroll, revoke } from './enrollment.service';
import { demoFleetYear, demoYearCheckins } from './fees-demo';
import { type ImportKind, type ImportReport, importInventory } from './import';
import { HandsetStatus } from './inventory.entity';
import { setHandsetStatus } from './inventory.service';

/**
 * The demo county's handset fleet, loaded the way the IT office would: its spreadsheets (generated here as
 * CSV) through `importInventory`, then the state a year of use leaves behind — app releases, handsets'
 * check-ins spread over the online buckets, a few lost handsets (some still checking in), SIMs seen in the
 * wrong handset, a replaced board. Deterministic for a seed; the check-in times are relative to `now`, so a
 * freshly started demo shows a live fleet.
 *
 * At full scale: 1,490 workers (the 345 grid workers of the population data, full-time and auxiliary, plus
 * 1,145 part-time workers drawn from the grids' adult residents), one handset and one SIM each, and spare,
 * repaired, lost and retired handsets beside them.
 */

export const DEMO_WORKERS = 1_490;
const ACTOR = 'demo';

export interface DemoFleetSummary {
  workers: number;
  handsets: number;
  sims: number;
  checkins: number;
  certificates: number;
  reports: Record<ImportKind, Pick<ImportReport, 'rows' | 'inserted' | 'errors'>>;
}

const MODELS = [
  ['华为 畅享 50', 'HarmonyOS 3.0'],
  ['荣耀 X40', 'MagicOS 7.0'],
  ['vivo Y77', 'Android 13'],
  ['OPPO A58', 'Android 13'],
  ['华为 nova 9', 'HarmonyOS 2.0'],
] as const;

function csv(rows: (string | number | null)[][]): Buffer {
  const cell = (v: string | number | null) => {
    const s = v == null ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return Buffer.from(rows.map((r) => r.map(cell).join(',')).join('\r\n'));
}

interface DemoWorker {
  code: string;
  name: string;
  idNumber: string;
  phone: string | null;
  gridCode: string;
  kind: string;
}

/** The grid workers of the population data, then part-time workers from grids' residents, round-robin. */
async function demoWorkers(em: EntityManager, count: number): Promise<DemoWorker[]> {
  const recorded = await runSql<{
    name: string;
    id_number: string;
    phone: string | null;
    grid: string;
    full: boolean;
  }>(
    em,
    `select p.name, p.id_number, p.phone, r.attributes->>'gridCode' as grid, (r.attributes->>'fullTime')::boolean as full
     from person_record r join person p on p.id = r.person_id
     where r.kind = 'grid_worker' and p.id_number is not null order by p.id_number`,
  );
  const workers: DemoWorker[] = recorded.slice(0, count).map((w, i) => ({
    code: workerCodeOf(i + 1),
    name: w.name,
    idNumber: w.id_number,
    phone: w.phone,
    gridCode: w.grid,
    kind: w.full ? '专职' : '辅助',
  }));
  if (workers.length >= count) return workers;
  const taken = new Set(workers.map((w) => w.idNumber));
  const residents = await runSql<{ name: string; id_number: string; phone: string | null; grid: string }>(
    em,
    `select p.name, p.id_number, p.phone, p.region_code as grid
     from person p join region g on g.code = p.region_code and g.level = 'grid'
     where p.id_number is not null and p.birth_date between '1965-01-01' and '2000-12-31'
     order by p.region_code, p.id_number`,
  );
  const byGrid = new Map<string, typeof residents>();
  for (const p of residents) {
    if (taken.has(p.id_number)) continue;
    const list = byGrid.get(p.grid) ?? [];
    list.push(p);
    byGrid.set(p.grid, list);
  }
  const queues = [...byGrid.values()];
  for (let round = 0; workers.length < count && queues.some((q) => q.length > round); round++) {
    for (const q of queues) {
      const p = q[round];
      if (!p || workers.length >= count) continue;
      workers.push({
        code: workerCodeOf(workers.length + 1),
        name: p.name,
        idNumber: p.id_number,
        phone: p.phone,
        gridCode: p.grid,
        kind: '兼职',
      });
    }
  }
  return workers;
}

/** Loads the demo fleet unless handsets exist already. */
export async function seedDemoFleet(
  em: EntityManager,
  {
    scale,
    seed = 1,
    now = new Date(),
    logger,
  }: { scale: number; seed?: number; now?: Date; logger?: Logger },
): Promise<DemoFleetSummary | null> {
  const [present] = await runSql(em, 'select 1 from handset limit 1');
  if (present) {
    logger?.info('demo fleet already present; not loaded again');
    return null;
  }
  const r = new Random(`fleet/${seed}`);
  const workers = await demoWorkers(em, Math.max(10, Math.round(DEMO_WORKERS * scale)));
  const spare = Math.max(4, Math.round(workers.length * 0.04));
  const handsetCount = workers.length + spare;
  const handsetRows: (string | number | null)[][] = [
    ['资产编号', 'IMEI1', 'IMEI2', '序列号', '型号', '系统版本', '购置日期', '状态'],
  ];
  const simRows: (string | number | null)[][] = [
    ['ICCID', '手机号', '运营商', '套餐', '月租', '开通日期', '状态'],
  ];
  for (let n = 1; n <= handsetCount; n++) {
    const [model, os] = r.pick(MODELS);
    const dual = r.chance(0.6);
    handsetRows.push([
      deviceIdOf(n),
      imeiOf(2 * n),
      dual ? imeiOf(2 * n + 1) : null,
      `SN${seed}${String(n * 7919).padStart(8, '0')}`,
      model,
      os,
      `${r.pick(['2021', '2022', '2022', '2023'])}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`,
      '在库',
    ]);
  }
  const simCount = workers.length + Math.max(3, Math.round(workers.length * 0.02));
  for (let n = 1; n <= simCount; n++) {
    const telecom = n % 3 === 2;
    // Plans of the county's framework agreements: most at 30 yuan, team leaders' at 58.
    const [plan, fee] = r.chance(0.9) ? ['政务网格通 30元', '30.00'] : ['政务网格通 58元', '58.00'];
    simRows.push([
      iccidOf(n),
      msisdnOf(n),
      telecom ? '中国电信' : '中国移动',
      plan,
      fee,
      n <= workers.length ? `2023-01-${String(r.int(3, 20)).padStart(2, '0')}` : null,
      n <= workers.length ? '在用' : '在库',
    ]);
  }
  const workerRows = [
    ['工号', '姓名', '身份证号', '联系电话', '所属网格', '类别'],
    ...workers.map((w) => [w.code, w.name, w.idNumber, w.phone, w.gridCode, w.kind]),
  ];
  const assignmentRows = [
    ['资产编号', '工号', 'ICCID', '领用日期'],
    ...workers.map((w, i) => [
      deviceIdOf(i + 1),
      w.code,
      iccidOf(i + 1),
      `2023-01-${String(r.int(21, 31)).padStart(2, '0')}`,
    ]),
  ];
  const reports = {} as DemoFleetSummary['reports'];
  for (const [kind, rows] of [
    ['handsets', handsetRows],
    ['sims', simRows],
    ['workers', workerRows],
    ['assignments', assignmentRows],
  ] as const) {
    const report = await importInventory(em, ACTOR, {
      kind,
      file: { name: `县综治中心-${kind}.csv`, content: csv(rows as (string | number | null)[][]) },
    });
    if (!report.applied) {
      throw new Error(
        `the demo fleet's ${kind} sheet did not import: ${JSON.stringify(report.errors.slice(0, 3))}`,
      );
    }
    reports[kind] = { rows: report.rows, inserted: report.inserted, errors: report.errors };
  }

  // The reference year's events the carriers' bills reflect (see fees-demo.ts).
  await demoFleetYear(em, { workers: workers.length });
  const simOf = new Map(
    (
      await runSql<{ device_id: string; iccid: string }>(
        em,
        `select h.device_id, s.iccid from assignment a join handset h on h.id = a.handset_id
           join sim_card s on s.id = a.sim_id where a.until is null`,
      )
    ).map((x) => [x.device_id, x.iccid]),
  );

  // Spare handsets: most in stock, one in ten under repair, one in ten retired.
  for (let n = workers.length + 1; n <= handsetCount; n++) {
    const roll = r.float();
    const deviceId = deviceIdOf(n);
    if (roll < 0.1) await setHandsetStatus(em, ACTOR, deviceId, HandsetStatus.UNDER_REPAIR, '屏幕损坏送修');
    else if (roll < 0.2) await setHandsetStatus(em, ACTOR, deviceId, HandsetStatus.RETIRED, '电池老化报废');
  }
  const { checkins, lostReports } = await demoUse(
    em,
    r,
    workers.length,
    now,
    (n) => simOf.get(deviceIdOf(n))!,
  );
  const certificates = await demoEnrollments(em);
  await demoLosses(em, lostReports, new Set(lostReports.filter((l) => l.seenSince).map((l) => l.n)));
  // Written after the current use, whose handset rows keep what the latest check-in said.
  const yearCheckins = await demoYearCheckins(em, { seed });
  logger?.info(
    { workers: workers.length, handsets: handsetCount, sims: simCount, checkins, yearCheckins, certificates },
    'demo fleet loaded through the inventory import',
  );
  return {
    workers: workers.length,
    handsets: handsetCount,
    sims: simCount,
    checkins: checkins + yearCheckins,
    certificates,
    reports,
  };
}

/**
 * A year of use: releases; each held handset's check-ins (the latest one spread over the online buckets,
 * some never); lost handsets (a third still checking in after being reported lost); SIM swaps between
 * handset pairs (机卡分离); a replaced board with new IMEIs.
 */
async function demoUse(
  em: EntityManager,
  r: Random,
  held: number,
  now: Date,
  simOf: (n: number) => string,
): Promise<{ checkins: number; lostReports: LostReport[] }> {
  const hour = 3_600_000;
  const day = 24 * hour;
  const lost = new Set(r.sample(range(1, held), Math.max(2, Math.round(held * 0.006))));
  const swapped = r.sample(
    range(1, held).filter((n) => !lost.has(n)),
    Math.max(2, Math.round(held * 0.004)) * 2,
  );
  const reboarded = r.sample(
    range(1, held).filter((n) => !lost.has(n) && !swapped.includes(n)),
    2,
  );
  const iccidSeen = new Map<number, string>();
  for (let i = 0; i + 1 < swapped.length; i += 2) {
    iccidSeen.set(swapped[i]!, simOf(swapped[i + 1]!));
    iccidSeen.set(swapped[i + 1]!, simOf(swapped[i]!));
  }
  const rows: unknown[][] = [];
  const lostReports: LostReport[] = [];
  for (let n = 1; n <= held; n++) {
    // Online bucket of the latest check-in: < 1 h 70 %, 1–24 h 15 %, 1–30 d 8 %, > 30 d 4 %, never 3 %.
    const bucket = r.weighted([
      ['hour', 70],
      ['day', 15],
      ['month', 8],
      ['stale', 4],
      ['never', 3],
    ] as const);
    const lostAt = lost.has(n) ? new Date(now.getTime() - r.int(3, 20) * day) : null;
    const lostSeen = lostAt !== null && r.chance(0.34);
    if (bucket === 'never' && !lostAt) continue;
    const ago = lostAt
      ? lostSeen
        ? r.int(60_000, hour - 60_000)
        : now.getTime() - lostAt.getTime() + r.int(hour, 48 * hour)
      : bucket === 'hour'
        ? r.int(60_000, hour - 60_000)
        : bucket === 'day'
          ? r.int(hour + 60_000, day - 60_000)
          : bucket === 'month'
            ? r.int(day + hour, 30 * day - hour)
            : r.int(31 * day, 200 * day);
    const at = new Date(now.getTime() - ago);
    const code = r.weighted([
      [330, 80],
      [320, 12],
      [310, 8],
    ] as const);
    // Two earlier check-ins a day apart, then the latest.
    for (const [k, when] of [
      [2, new Date(at.getTime() - 2 * day)],
      [1, new Date(at.getTime() - day)],
      [0, at],
    ] as const) {
      rows.push([
        deviceIdOf(n),
        when,
        k === 0 ? code : Math.min(code, 320),
        iccidSeen.get(n) ?? simOf(n),
        r.int(15, 100),
        reboarded.includes(n) && k === 0 ? imeiOf(900_000 + n) : null,
      ]);
    }
    if (lostAt) lostReports.push({ n, lostAt, seenSince: lostSeen });
  }
  await inTransaction(em, async (tx) => {
    for (const rel of DEMO_RELEASES) {
      await tx.query(
        `insert into app_release (version, version_code, min_version_code, sha256, notes, released_at, released_by)
         values ($1::text, $2, $3, encode(sha256(convert_to($1::text, 'UTF8')), 'hex'), $4, $5, $6)`,
        [rel.version, rel.versionCode, rel.minVersionCode, `网格通 ${rel.version}`, rel.releasedAt, ACTOR],
      );
    }
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = rows.slice(i, i + 1000);
      await tx.query(
        `insert into checkin (handset_id, at, cert_serial, app_version, app_version_code, os_version, battery, iccid, imei, findings)
         select h.id, c.at, 'demo', v.version, c.code, h.os_version, c.battery, c.iccid, c.imei,
           case when c.iccid <> s.iccid then '["SIM_MISMATCH"]'::jsonb
                when c.imei is not null then '["IMEI_CHANGED"]'::jsonb else '[]'::jsonb end
         from unnest($1::text[], $2::timestamptz[], $3::int[], $4::text[], $5::int[], $6::text[])
           as c(device_id, at, code, iccid, battery, imei)
         join handset h on h.device_id = c.device_id
         join app_release v on v.version_code = c.code
         left join assignment a on a.handset_id = h.id and a.until is null
         left join sim_card s on s.id = a.sim_id`,
        [0, 1, 2, 3, 4, 5].map((k) => chunk.map((row) => row[k])),
      );
    }
    // The handset rows keep what the latest check-in said.
    await tx.query(
      `update handset h set last_seen_at = c.at, app_version = c.app_version, app_version_code = c.app_version_code,
         battery = c.battery, iccid_seen = c.iccid,
         imei_changed_at = case when c.imei is not null then c.at end, reported_imei = c.imei,
         status = case when h.status = 'assigned' then 'active'::handset_status else h.status end,
         enrolled_at = coalesce(h.enrolled_at, c.at - interval '200 days')
       from (select distinct on (handset_id) * from checkin order by handset_id, at desc) c
       where c.handset_id = h.id`,
    );
  });
  return { checkins: rows.length, lostReports };
}

/**
 * Every handset that has checked in enrolls through the real path: a one-time token, then the enrollment
 * with a CSR. The demo's handsets share one key pair (made once here; a real handset makes its own), so that
 * a demo start does not spend minutes generating 1,500 RSA keys.
 */
async function demoEnrollments(em: EntityManager): Promise<number> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  csr.setSubject([{ name: 'commonName', value: 'gridhub demo handset' }]);
  csr.sign(
    forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    forge.md.sha256.create(),
  );
  const csrPem = forge.pki.certificationRequestToPem(csr);
  const devices = await runSql<{ device_id: string }>(
    em,
    `select device_id from handset where status = 'active' order by device_id`,
  );
  // Four at a time: signing runs on libuv's thread pool while the database does the rest.
  let next = 0;
  const lane = async () => {
    while (next < devices.length) {
      const deviceId = devices[next++]!.device_id;
      const { token } = await createEnrollmentToken(em, ACTOR, { deviceId }, { ttlMinutes: 5 });
      await enroll(em, { token, csrPem, deviceId });
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
  return devices.length;
}

/**
 * Lost handsets, reported days ago. The IT office revoked the certificates of those not seen since; a third
 * of them have checked in after the report (someone is using them) and are not revoked yet: the compliance
 * view lists them.
 */
async function demoLosses(em: EntityManager, reports: LostReport[], stillSeen: Set<number>): Promise<void> {
  await inTransaction(em, async (tx) => {
    for (const { n, lostAt } of reports) {
      const [h] = await tx.query<{ id: string; status: string }>(
        'select id, status from handset where device_id = $1',
        [deviceIdOf(n)],
      );
      await tx.query(`update handset set status = 'lost' where id = $1`, [h!.id]);
      await tx.query(
        `insert into fleet_change (subject, subject_id, changes, reason, actor, at) values ('handset', $1, $2, $3, $4, $5)`,
        [h!.id, JSON.stringify({ status: [h!.status, 'lost'] }), '网格员报告手机遗失', ACTOR, lostAt],
      );
    }
  });
  for (const { n } of reports) {
    if (stillSeen.has(n)) continue;
    await revoke(em, ACTOR, { handset: { deviceId: deviceIdOf(n) } }, RevocationReason.KEY_COMPROMISE, {
      note: '网格员报告手机遗失',
    });
  }
}

interface LostReport {
  n: number;
  lostAt: Date;
  seenSince: boolean;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
