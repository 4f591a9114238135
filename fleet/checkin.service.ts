import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { runSql } from '../schema/common/rows';
import { inTransaction } from '../schema/db/tx';
import { validateIccid } from '../schema/identifiers/iccid';
import { validateImei } from '../schema/identifiers/imei';
import { DomainError } from '../schema/runtime/errors';
import { recordFleetAudit } from './audit';
import { CertificateStatus } from './ca.entity';
import { normaliseSerial } from './certificates';
import { HandsetStatus } from './inventory.entity';

/**
 * Check-ins of handsets over mutual TLS. The handset is whoever holds the certificate it presented (the TLS
 * handshake has already verified it against the CA and the CRL). Each check-in is stored, the handset keeps
 * the latest values, and the report is compared with the inventory: a SIM in the wrong handset (机卡分离),
 * IMEIs that are not the handset's, a lost handset that is still in use.
 */

export type CheckinFinding =
  /** The SIM in the slot is not the one assigned with the handset (or belongs to another handset's assignment). */
  | 'SIM_MISMATCH'
  /** The SIM in the slot is not in the inventory at all. */
  | 'SIM_UNKNOWN'
  /** The handset has a SIM assigned but reported an empty slot. */
  | 'SIM_ABSENT'
  /** The handset reported IMEIs other than the inventory's (a swapped board, a cloned certificate). */
  | 'IMEI_CHANGED'
  /** The handset is recorded as lost and is checking in. */
  | 'LOST_DEVICE_SEEN';

const text = (max: number) => z.string().trim().min(1, { message: 'must not be empty' }).max(max);

const ReportSchema = z.object({
  appVersion: text(40),
  appVersionCode: z.number().int().min(0).max(2_100_000_000),
  osVersion: text(40),
  battery: z.number().int().min(0).max(100),
  /** The ICCID of the SIM in the slot; null for an empty slot. */
  iccid: z.string().max(40).nullable().optional(),
  imei: z
    .union([z.string().max(40), z.array(z.string().max(40)).max(2)])
    .nullable()
    .optional(),
  imeis: z.array(z.string().max(40)).max(2).nullable().optional(),
  location: z
    .object({
      lat: z.number().min(-90).max(90),
      lng: z.number().min(-180).max(180),
      accuracy: z.number().min(0).max(100_000).optional(),
    })
    .nullable()
    .optional(),
});

export interface CheckinReport {
  appVersion: string;
  appVersionCode: number;
  osVersion: string;
  battery: number;
  /** Normalised and validated; null for an empty slot or when not reported. */
  iccid: string | null;
  /** Normalised IMEIs (an IMEISV converted); empty when the app cannot read them. */
  imeis: string[];
  location: { lat: number; lng: number; accuracy?: number } | null;
}

function ruleOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return (issue as { input?: unknown }).input === undefined ? 'REQUIRED' : 'TYPE';
    case 'too_small':
    case 'too_big':
      return 'RANGE';
    case 'invalid_union':
      return 'TYPE';
    default:
      return 'FORMAT';
  }
}

function invalid(field: string, rule: string, message: string, problems?: unknown[]): DomainError {
  return new DomainError('CHECKIN_INVALID', `${field}: ${message}`, {
    field,
    rule,
    ...(problems ? { problems } : {}),
  });
}

/**
 * Validates a check-in body; throws CHECKIN_INVALID naming the (first) field and the rule, with every
 * problem listed in `problems`.
 */
export function parseCheckinReport(body: unknown): CheckinReport {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid('body', 'TYPE', 'a JSON object is required');
  }
  const parsed = ReportSchema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({
      field: i.path.join('.') || 'body',
      rule: ruleOf(i),
      message: i.message,
    }));
    const first = problems[0]!;
    throw invalid(first.field, first.rule, first.message, problems);
  }
  const r = parsed.data;
  let iccid: string | null = null;
  if (r.iccid != null && r.iccid.trim() !== '') {
    const checked = validateIccid(r.iccid);
    if (!checked.ok) throw invalid('iccid', checked.rule, checked.message);
    iccid = checked.value;
  }
  const raw = [...(Array.isArray(r.imei) ? r.imei : r.imei ? r.imei.split(/[,;]/) : []), ...(r.imeis ?? [])]
    .map((i) => i.trim())
    .filter(Boolean);
  const imeis: string[] = [];
  for (const [n, value] of raw.entries()) {
    // Test IMEIs (TAC 00…) are compared like any other: the inventory decides what belongs.
    const checked = validateImei(value, { allowTest: true });
    if (!checked.ok) throw invalid(raw.length > 1 ? `imei.${n}` : 'imei', checked.rule, checked.message);
    if (!imeis.includes(checked.value)) imeis.push(checked.value);
  }
  if (imeis.length > 2) throw invalid('imei', 'RANGE', 'at most two IMEIs (a dual-SIM handset)');
  return {
    appVersion: r.appVersion,
    appVersionCode: r.appVersionCode,
    osVersion: r.osVersion,
    battery: r.battery,
    iccid,
    imeis,
    location: r.location ?? null,
  };
}

export interface DesiredApp {
  version: string;
  versionCode: number;
  minVersionCode: number;
  sha256: string;
}

export interface CheckinAnswer {
  deviceId: string;
  at: Date;
  findings: CheckinFinding[];
  /** The release every handset should run (the highest version code); null before any release. */
  app: (DesiredApp & { updateAvailable: boolean; mustUpdate: boolean }) | null;
  certificate: {
    serial: string;
    status: CertificateStatus;
    notAfter: Date;
    /** After two-thirds of the lifetime the handset should renew (POST /devices/renew). */
    renewAfter: Date;
    renewDue: boolean;
  };
}

/** The highest-versionCode release. */
export async function desiredAppRelease(em: EntityManager): Promise<DesiredApp | null> {
  const [row] = await runSql<{
    version: string;
    version_code: number;
    min_version_code: number;
    sha256: string;
  }>(
    em,
    'select version, version_code, min_version_code, sha256 from app_release order by version_code desc limit 1',
  );
  return row
    ? {
        version: row.version,
        versionCode: row.version_code,
        minVersionCode: row.min_version_code,
        sha256: row.sha256,
      }
    : null;
}

interface Holder {
  id: string;
  device_id: string;
  status: HandsetStatus;
  imei1: string;
  imei2: string | null;
  reported_imei: string | null;
  cert_status: CertificateStatus;
  not_before: string | Date;
  not_after: string | Date;
  expected_iccid: string | null;
}

/** The refusal of a check-in whose certificate the hub does not honour (403 at the endpoint). */
export class CheckinRefused extends DomainError {
  constructor(rule: string, message: string) {
    super(rule, message, { rule, field: 'certificate' });
    this.name = 'CheckinRefused';
  }
}

/**
 * Records a check-in by the holder of certificate `serial`: a checkin row, the handset's latest values, and
 * what differs from the inventory (findings, fleet_change for a changed IMEI, an audit entry for a lost
 * handset seen). Answers with the findings, the app the handset should run and when to renew.
 */
export async function recordCheckin(
  em: EntityManager,
  serial: string,
  report: CheckinReport,
): Promise<CheckinAnswer> {
  const certSerial = normaliseSerial(serial);
  const [h] = await runSql<Holder>(
    em,
    `select h.id::text, h.device_id, h.status, h.imei1, h.imei2, h.reported_imei,
            c.status as cert_status, c.not_before, c.not_after,
            (select s.iccid from assignment a join sim_card s on s.id = a.sim_id
              where a.handset_id = h.id and a.until is null) as expected_iccid
       from device_certificate c join handset h on h.id = c.handset_id where c.serial = ?`,
    [certSerial],
  );
  if (!h) throw new CheckinRefused('CERT_UNKNOWN', `certificate ${certSerial} was not issued by this hub`);
  if (h.cert_status === CertificateStatus.REVOKED) {
    // The TLS handshake refuses revoked certificates; this covers the moments before a new CRL is loaded.
    throw new CheckinRefused('CERT_REVOKED', `certificate ${certSerial} is revoked`);
  }
  const notAfter = new Date(h.not_after);
  if (notAfter.getTime() <= Date.now())
    throw new CheckinRefused('CERT_EXPIRED', `certificate ${certSerial} has expired`);

  const findings: CheckinFinding[] = [];
  const detail: Record<string, unknown> = {};
  if (report.iccid) {
    if (report.iccid !== h.expected_iccid) {
      findings.push('SIM_MISMATCH');
      detail.expectedIccid = h.expected_iccid;
      const [sim] = await runSql<{ holder: string | null }>(
        em,
        `select (select hh.device_id from assignment a join handset hh on hh.id = a.handset_id
                  where a.sim_id = s.id and a.until is null) as holder
           from sim_card s where s.iccid = ?`,
        [report.iccid],
      );
      if (!sim) findings.push('SIM_UNKNOWN');
      else if (sim.holder) detail.simHeldBy = sim.holder;
    }
  } else if (h.expected_iccid) {
    findings.push('SIM_ABSENT');
  }
  const inventory = new Set([h.imei1, h.imei2].filter(Boolean));
  const foreign = report.imeis.some((i) => !inventory.has(i));
  const reportedImei = foreign ? report.imeis.join(',') : null;
  if (foreign) findings.push('IMEI_CHANGED');
  const lost = h.status === HandsetStatus.LOST;
  if (lost) findings.push('LOST_DEVICE_SEEN');
  const actor = `handset:${h.device_id}`;

  const at = await inTransaction(em, async (tx) => {
    const [row] = await tx.query<{ at: string | Date }>(
      `insert into checkin (handset_id, cert_serial, app_version, app_version_code, os_version, battery, iccid, imei, location, findings)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning at`,
      [
        h.id,
        certSerial,
        report.appVersion,
        report.appVersionCode,
        report.osVersion,
        report.battery,
        report.iccid,
        report.imeis.length ? report.imeis.join(',') : null,
        report.location ? JSON.stringify(report.location) : null,
        JSON.stringify(findings),
      ],
    );
    // A report that cannot read the IMEIs (no device-owner rights) says nothing about them either way.
    const imeiChanged = report.imeis.length > 0 && reportedImei !== (h.reported_imei ?? null);
    await tx.query(
      `update handset set last_seen_at = $2, app_version = $3, app_version_code = $4, os_version = $5, battery = $6,
              iccid_seen = $7, location = coalesce($8::jsonb, location),
              reported_imei = case when $9 then $10 else reported_imei end,
              imei_changed_at = case when $9 and $10::text is not null then $2 else imei_changed_at end
        where id = $1`,
      [
        h.id,
        row!.at,
        report.appVersion,
        report.appVersionCode,
        report.osVersion,
        report.battery,
        report.iccid,
        report.location ? JSON.stringify(report.location) : null,
        imeiChanged,
        reportedImei,
      ],
    );
    if (imeiChanged) {
      await tx.query(
        'insert into fleet_change (subject, subject_id, changes, reason, actor) values ($1, $2, $3, $4, $5)',
        [
          'handset',
          h.id,
          JSON.stringify({ reportedImei: [h.reported_imei ?? null, reportedImei] }),
          reportedImei
            ? `check-in reported IMEIs not in the inventory (${[...inventory].join(', ')})`
            : 'check-in reported the inventory IMEIs again',
          actor,
        ],
      );
    }
    if (lost) {
      await recordFleetAudit(tx, {
        actor,
        action: 'lost.seen',
        handsetId: h.id,
        serial: certSerial,
        detail: { iccid: report.iccid, location: report.location, findings },
      });
    } else if (foreign && imeiChanged) {
      await recordFleetAudit(tx, {
        actor,
        action: 'imei.changed',
        handsetId: h.id,
        serial: certSerial,
        detail: { reported: report.imeis, inventory: [...inventory] },
      });
    }
    return new Date(row!.at);
  });

  const release = await desiredAppRelease(em);
  const notBefore = new Date(h.not_before);
  const renewAfter = new Date(notBefore.getTime() + ((notAfter.getTime() - notBefore.getTime()) * 2) / 3);
  return {
    deviceId: h.device_id,
    at,
    findings,
    app: release
      ? {
          ...release,
          updateAvailable: report.appVersionCode < release.versionCode,
          mustUpdate: report.appVersionCode < release.minVersionCode,
        }
      : null,
    certificate: {
      serial: certSerial,
      status: h.cert_status,
      notAfter,
      renewAfter,
      renewDue: h.cert_status === CertificateStatus.ACTIVE && Date.now() >= renewAfter.getTime(),
    },
  };
}
