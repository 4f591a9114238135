import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql, shapeRows } from '../schema/common/rows';
import { inTransaction, type Tx } from '../schema/db/tx';
import { DomainError, NotFoundError } from '../schema/runtime/errors';
import { recordFleetAudit } from './audit';
import { type DeviceAuthority, ensureDeviceCa, loadDeviceCa } from './ca';
import { CertificateStatus, DeviceCertificate, RevocationReason } from './ca.entity';
import {
  type BuiltCertificate,
  buildCertificate,
  type CertificateRequest,
  type DeviceIdentity,
  handsetCertificateSpec,
  normaliseSerial,
  parseCsr,
  subjectText,
} from './certificates';
import { announceCrl, type BuiltCrl, publishCrl } from './crl';
import { HandsetStatus } from './inventory.entity';

/**
 * Enrollment, renewal and revocation of handsets' certificates, and the fleet audit they write.
 *
 * A one-time token, bound to one registered handset and shown once (only its SHA-256 is stored), lets that
 * handset post a CSR; the hub checks the token and the request, builds the certificate from the inventory
 * (never from the CSR), and records token use, certificate and handset status in one transaction. Every
 * refusal is audited with the rule it broke and leaves nothing enrolled. Renewal happens over mutual TLS with
 * the current certificate; revocation publishes a new CRL in the same transaction.
 */

const TOKEN_PATTERN = /^ghe_[A-Za-z0-9_-]{43}$/;
const MAX_TTL_MINUTES = 7 * 24 * 60;
/** Statuses a handset may (re-)enroll or renew from; lost, retired and under-repair handsets may not. */
const ENROLLABLE: readonly HandsetStatus[] = [
  HandsetStatus.IN_STOCK,
  HandsetStatus.ASSIGNED,
  HandsetStatus.ACTIVE,
];

export const REVOCATION_REASONS = Object.values(RevocationReason);

/** A handset by device id (asset tag), or `{ id }` by primary key. */
export type HandsetRef = string | { id: string } | { deviceId: string };

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A refused enrollment or renewal: `code` is the rule, audited as `<action>.refused`. */
export class EnrollmentRefused extends DomainError {
  constructor(rule: string, message: string, field?: string) {
    super(rule, message, { rule, ...(field ? { field } : {}) });
    this.name = 'EnrollmentRefused';
  }
}

interface HandsetRow {
  id: string;
  device_id: string;
  imei1: string;
  imei2: string | null;
  status: HandsetStatus;
}

async function findHandset(em: EntityManager, ref: HandsetRef): Promise<HandsetRow> {
  const [sql, value] =
    typeof ref === 'string'
      ? ['device_id = ?', ref]
      : 'id' in ref
        ? ['id = ?::bigint', ref.id]
        : ['device_id = ?', ref.deviceId];
  if (typeof ref !== 'string' && 'id' in ref && !/^\d{1,18}$/.test(ref.id)) {
    throw new NotFoundError('Handset', ref.id);
  }
  const [row] = await runSql<HandsetRow>(
    em,
    `select id::text, device_id, imei1, imei2, status from handset where ${sql}`,
    [value],
  );
  if (!row) throw new NotFoundError('Handset', String(value));
  return row;
}

function assertEnrollable(status: HandsetStatus, deviceId: string): void {
  if (!ENROLLABLE.includes(status)) {
    throw new EnrollmentRefused(
      'HANDSET_NOT_ENROLLABLE',
      `handset ${deviceId} is ${status}; only a handset in stock, assigned or active may enroll`,
      'deviceId',
    );
  }
}

export interface IssuedEnrollmentToken {
  /** The secret: shown once, stored only as its SHA-256. */
  token: string;
  tokenId: string;
  handsetId: string;
  deviceId: string;
  expiresAt: Date;
  caFingerprint: string;
  hubUrl: string;
  /** What the QR code holds: JSON { v, hub, token, caFingerprint, deviceId }. */
  qrPayload: string;
}

/**
 * A one-time enrollment token for a registered handset, valid `ttlMinutes` (default 60, at most a week). The
 * QR payload carries the hub's address and the CA fingerprint, so the handset can pin the CA it enrolls with.
 */
export async function createEnrollmentToken(
  em: EntityManager,
  actor: string,
  handsetRef: HandsetRef,
  { ttlMinutes = 60, hubUrl }: { ttlMinutes?: number; hubUrl?: string } = {},
): Promise<IssuedEnrollmentToken> {
  if (!Number.isInteger(ttlMinutes) || ttlMinutes < 1 || ttlMinutes > MAX_TTL_MINUTES) {
    throw new DomainError(
      'INVALID_TOKEN_TTL',
      `ttlMinutes: must be a whole number of minutes from 1 to ${MAX_TTL_MINUTES}`,
      { field: 'ttlMinutes', rule: 'INVALID_TOKEN_TTL' },
    );
  }
  const handset = await findHandset(em, handsetRef);
  assertEnrollable(handset.status, handset.device_id);
  const { ca } = await ensureDeviceCa(em);
  const hub = (hubUrl ?? ca.settings.publicUrl).replace(/\/+$/, '');
  const token = `ghe_${randomBytes(32).toString('base64url')}`;
  const row = await inTransaction(em, async (tx) => {
    const [inserted] = await tx.query<{ id: string; expires_at: string | Date }>(
      `insert into enrollment_token (token_hash, handset_id, created_by, expires_at)
       values ($1, $2, $3, now() + make_interval(mins => $4)) returning id::text, expires_at`,
      [hashToken(token), handset.id, actor, ttlMinutes],
    );
    await recordFleetAudit(tx, {
      actor,
      action: 'token.create',
      handsetId: handset.id,
      detail: { tokenId: inserted!.id, ttlMinutes, expiresAt: new Date(inserted!.expires_at) },
    });
    return inserted!;
  });
  const qr = { v: 1, hub, token, caFingerprint: ca.fingerprint, deviceId: handset.device_id };
  return {
    token,
    tokenId: row.id,
    handsetId: handset.id,
    deviceId: handset.device_id,
    expiresAt: new Date(row.expires_at),
    caFingerprint: ca.fingerprint,
    hubUrl: hub,
    qrPayload: JSON.stringify(qr),
  };
}

export interface EnrollmentRequest {
  /** The token from the QR code. */
  token: string;
  /** PKCS#10 request (PEM) made on the handset; only its public key is used. */
  csrPem: string;
  /** The device id the handset believes it is (from the QR code); must be the token's handset. */
  deviceId: string;
}

export interface IssuedCertificate {
  deviceId: string;
  serial: string;
  fingerprint: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** When the handset should renew: after two-thirds of the lifetime. */
  renewAfter: Date;
  certificatePem: string;
  caCertificatePem: string;
  /** Certificate then CA certificate, PEM. */
  chainPem: string;
}

function renewAfterOf(notBefore: Date, notAfter: Date): Date {
  return new Date(notBefore.getTime() + ((notAfter.getTime() - notBefore.getTime()) * 2) / 3);
}

function issuedFrom(ca: DeviceAuthority, deviceId: string, cert: BuiltCertificate): IssuedCertificate {
  return {
    deviceId,
    serial: cert.serial,
    fingerprint: cert.fingerprint,
    subject: subjectText(deviceId),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    renewAfter: renewAfterOf(cert.notBefore, cert.notAfter),
    certificatePem: cert.pem,
    caCertificatePem: ca.certPem,
    chainPem: `${cert.pem}${ca.certPem}`,
  };
}

async function issueFor(ca: DeviceAuthority, device: DeviceIdentity, csr: CertificateRequest) {
  return buildCertificate(
    handsetCertificateSpec(ca, device, csr.publicKey, {
      days: ca.settings.certDays,
      crlUrl: ca.crlUrl,
      keyIdentifier: csr.keyIdentifier,
    }),
    ca.key,
  );
}

async function insertCertificate(
  tx: Tx,
  handsetId: string,
  deviceId: string,
  cert: BuiltCertificate,
  renewedFrom: string | null,
): Promise<void> {
  await tx.query(
    `insert into device_certificate (serial, handset_id, subject, fingerprint, not_before, not_after, status, renewed_from, pem)
     values ($1, $2, $3, $4, $5, $6, 'active', $7, $8)`,
    [
      cert.serial,
      handsetId,
      subjectText(deviceId),
      cert.fingerprint,
      cert.notBefore,
      cert.notAfter,
      renewedFrom,
      cert.pem,
    ],
  );
}

interface TokenRow {
  id: string;
  expires_at: string | Date;
  used_at: string | Date | null;
  handset_id: string;
  device_id: string;
  imei1: string;
  imei2: string | null;
  status: HandsetStatus;
}

function tokenProblem(t: TokenRow, deviceId: string | undefined, now = Date.now()): EnrollmentRefused | null {
  if (t.used_at) {
    return new EnrollmentRefused(
      'TOKEN_USED',
      `token already used (at ${new Date(t.used_at).toISOString()}); ask the IT office for a new one`,
      'token',
    );
  }
  if (new Date(t.expires_at).getTime() <= now) {
    return new EnrollmentRefused(
      'TOKEN_EXPIRED',
      `token expired at ${new Date(t.expires_at).toISOString()}; ask the IT office for a new one`,
      'token',
    );
  }
  if (deviceId !== t.device_id) {
    return new EnrollmentRefused(
      'TOKEN_WRONG_DEVICE',
      `token was issued for another handset, not ${JSON.stringify(deviceId)}`,
      'deviceId',
    );
  }
  return null;
}

interface PooledConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * A named prepared statement on a pooled connection of the ORM's pool: PostgreSQL plans it once per
 * connection. Re-planning the enrollment statement took ≈ 1 ms of PostgreSQL's CPU per enrollment, as much as
 * executing it.
 */
async function runPrepared<R>(
  em: EntityManager,
  name: string,
  text: string,
  values: unknown[],
): Promise<R[]> {
  const { client } = em.getKnex() as unknown as {
    client: {
      acquireConnection(): Promise<PooledConnection>;
      releaseConnection(c: PooledConnection): Promise<unknown>;
    };
  };
  const connection = await client.acquireConnection();
  try {
    return (await connection.query({ name, text, values })).rows as R[];
  } finally {
    await client.releaseConnection(connection);
  }
}

const TOKEN_SQL = `
  select t.id::text, t.expires_at, t.used_at, h.id::text as handset_id, h.device_id, h.imei1, h.imei2, h.status
    from enrollment_token t join handset h on h.id = t.handset_id where t.token_hash = $1`;

/**
 * Everything an enrollment records, as one statement (atomic on its own, two round trips per enrollment with
 * the token's lookup): the token is taken only if it is unused, unexpired and its handset may enroll (under
 * the handset's and the token's row locks, so of two requests racing with one token one wins); every other
 * write hangs off the taken token, so when it is not taken nothing is written. The handset's earlier active
 * certificate becomes superseded; a status change goes to fleet_change; the audit entry lists what was
 * superseded. $1 token id, $2 serial, $3 subject, $4 fingerprint, $5 not before, $6 not after, $7 PEM,
 * $8 actor, $9 audit detail.
 */
const ENROLL_SQL = `
  with h as (
    select h.id, h.status from enrollment_token t join handset h on h.id = t.handset_id
     where t.id = $1::bigint and h.status in ('in_stock', 'assigned', 'active')
       for update of h
  ), taken as (
    update enrollment_token t set used_at = now(), used_for_serial = $2
      from h where t.id = $1::bigint and t.handset_id = h.id and t.used_at is null and t.expires_at > now()
    returning h.id, h.status
  ), superseded as (
    update device_certificate c set status = 'superseded'
      from taken where c.handset_id = taken.id and c.status = 'active'
    returning c.serial
  ), certificate as (
    insert into device_certificate (serial, handset_id, subject, fingerprint, not_before, not_after, status, pem)
    select $2, taken.id, $3, $4, $5, $6, 'active', $7 from taken
  ), handset_update as (
    update handset set status = 'active', enrolled_at = now(), updated_at = now()
      from taken where handset.id = taken.id
  ), change as (
    insert into fleet_change (subject, subject_id, changes, reason, actor)
    select 'handset', taken.id, jsonb_build_object('status', jsonb_build_array(taken.status::text, 'active')),
           'enrolled', $8
      from taken where taken.status <> 'active'
  ), audit as (
    insert into fleet_audit (actor, action, handset_id, serial, detail)
    select $8, 'enroll', taken.id, $2,
           $9::jsonb || coalesce((select jsonb_build_object('superseded', jsonb_agg(serial)) from superseded having count(*) > 0), '{}')
      from taken
  )
  select exists (select 1 from taken) as enrolled`;

/**
 * Enrolls a handset: checks the token (known, unused, unexpired, this device's), the handset's status and the
 * CSR, issues the certificate, and in one transaction marks the token used, stores the certificate (the
 * handset's earlier active one becomes superseded), makes the handset active and records the change.
 * Refusals are audited as `enroll.refused` with the rule, and nothing else is written.
 */
export async function enroll(em: EntityManager, request: EnrollmentRequest): Promise<IssuedCertificate> {
  const deviceId = typeof request?.deviceId === 'string' ? request.deviceId.trim() : '';
  let token: TokenRow | undefined;
  try {
    if (!deviceId)
      throw new EnrollmentRefused(
        'DEVICE_ID_REQUIRED',
        'deviceId: the handset’s device id is required',
        'deviceId',
      );
    const presented = typeof request.token === 'string' ? request.token.trim() : '';
    if (!TOKEN_PATTERN.test(presented)) {
      throw new EnrollmentRefused('TOKEN_INVALID', 'token: not an enrollment token (ghe_…)', 'token');
    }
    [token] = await runPrepared<TokenRow>(em, 'fleet_enroll_token', TOKEN_SQL, [hashToken(presented)]);
    if (!token) throw new EnrollmentRefused('TOKEN_INVALID', 'token: unknown enrollment token', 'token');
    const problem = tokenProblem(token, deviceId);
    if (problem) throw problem;
    assertEnrollable(token.status, token.device_id);
    const csr = parseCsr(request.csrPem);

    const ca = await loadDeviceCa(em);
    const t = token;
    const cert = await issueFor(ca, { deviceId: t.device_id, imei1: t.imei1, imei2: t.imei2 }, csr);
    const [done] = await runPrepared<{ enrolled: boolean }>(em, 'fleet_enroll', ENROLL_SQL, [
      t.id,
      cert.serial,
      subjectText(t.device_id),
      cert.fingerprint,
      cert.notBefore,
      cert.notAfter,
      cert.pem,
      `handset:${t.device_id}`,
      JSON.stringify({
        tokenId: t.id,
        fingerprint: cert.fingerprint,
        notAfter: cert.notAfter,
        keyBits: csr.keyBits,
      }),
    ]);
    if (!done?.enrolled) {
      // Another request took the token, it expired meanwhile, or the handset was marked lost: say which.
      const [now] = await runSql<TokenRow>(
        em,
        `select t.id::text, t.expires_at, t.used_at, h.status
           from enrollment_token t join handset h on h.id = t.handset_id where t.id = ?`,
        [t.id],
      );
      const latest = { ...t, ...now! };
      const problem = tokenProblem(latest, deviceId);
      if (problem) throw problem;
      assertEnrollable(latest.status, t.device_id);
      throw new EnrollmentRefused('TOKEN_USED', 'token already used', 'token');
    }
    return issuedFrom(ca, t.device_id, cert);
  } catch (error) {
    if (
      error instanceof DomainError &&
      (error instanceof EnrollmentRefused || error.details.field === 'csr')
    ) {
      await recordFleetAudit(em, {
        actor: deviceId ? `handset:${deviceId}` : 'handset:unknown',
        action: 'enroll.refused',
        handsetId: token?.handset_id ?? null,
        detail: { rule: error.code, message: error.message, ...(token ? { tokenId: token.id } : {}) },
      });
    }
    throw error;
  }
}

/**
 * Renews over mutual TLS: the handset presents its current certificate (`serial`) and a CSR, possibly for a
 * new key. Only an active certificate that is neither revoked nor expired may renew, for a handset that may
 * still enroll; the old certificate becomes superseded (still valid until it expires).
 */
export async function renew(em: EntityManager, serial: string, csrPem: string): Promise<IssuedCertificate> {
  const current = normaliseSerial(serial);
  let row:
    | (HandsetRow & { handset_id: string; cert_status: CertificateStatus; not_after: string | Date })
    | undefined;
  try {
    [row] = await runSql(
      em,
      `select c.status as cert_status, c.not_after, h.id::text as handset_id, h.id::text, h.device_id, h.imei1, h.imei2, h.status
         from device_certificate c join handset h on h.id = c.handset_id where c.serial = ?`,
      [current],
    );
    if (!row)
      throw new EnrollmentRefused(
        'CERT_UNKNOWN',
        `certificate ${current} was not issued by this hub`,
        'serial',
      );
    if (row.cert_status === CertificateStatus.REVOKED) {
      throw new EnrollmentRefused(
        'CERT_REVOKED',
        `certificate ${current} is revoked; a revoked certificate cannot renew`,
        'serial',
      );
    }
    if (row.cert_status === CertificateStatus.SUPERSEDED) {
      throw new EnrollmentRefused(
        'CERT_SUPERSEDED',
        `certificate ${current} was already renewed; renew with the handset's current certificate`,
        'serial',
      );
    }
    if (new Date(row.not_after).getTime() <= Date.now()) {
      throw new EnrollmentRefused(
        'CERT_EXPIRED',
        `certificate ${current} has expired; enroll again with a new token`,
        'serial',
      );
    }
    assertEnrollable(row.status, row.device_id);
    const csr = parseCsr(csrPem);
    const ca = await loadDeviceCa(em);
    const r = row;
    const cert = await issueFor(ca, { deviceId: r.device_id, imei1: r.imei1, imei2: r.imei2 }, csr);
    await inTransaction(em, async (tx) => {
      const [old] = await tx.query(
        `update device_certificate set status = 'superseded' where serial = $1 and status = 'active' and not_after > now() returning serial`,
        [current],
      );
      if (!old) {
        throw new EnrollmentRefused(
          'CERT_NOT_ACTIVE',
          `certificate ${current} is no longer active (revoked or renewed meanwhile)`,
          'serial',
        );
      }
      await insertCertificate(tx, r.handset_id, r.device_id, cert, current);
      await tx.query('update handset set updated_at = now() where id = $1', [r.handset_id]);
      await recordFleetAudit(tx, {
        actor: `handset:${r.device_id}`,
        action: 'renew',
        handsetId: r.handset_id,
        serial: cert.serial,
        detail: {
          renewedFrom: current,
          fingerprint: cert.fingerprint,
          notAfter: cert.notAfter,
          keyBits: csr.keyBits,
        },
      });
    });
    return issuedFrom(ca, r.device_id, cert);
  } catch (error) {
    if (
      error instanceof DomainError &&
      (error instanceof EnrollmentRefused || error.details.field === 'csr')
    ) {
      await recordFleetAudit(em, {
        actor: row ? `handset:${row.device_id}` : 'handset:unknown',
        action: 'renew.refused',
        handsetId: row?.handset_id ?? null,
        serial: current,
        detail: { rule: error.code, message: error.message },
      });
    }
    throw error;
  }
}

/** One certificate by serial, or every unexpired certificate (active or superseded) of a handset. */
export type RevokeTarget = { serial: string } | { handset: HandsetRef };

export interface RevocationResult {
  revoked: DeviceCertificate[];
  /** The CRL published with the revocation; null when nothing was revoked. */
  crl: { number: string; thisUpdate: Date; nextUpdate: Date; entries: number } | null;
}

function checkReason(reason: string): RevocationReason {
  if (!(REVOCATION_REASONS as string[]).includes(reason)) {
    throw new DomainError(
      'INVALID_REVOCATION_REASON',
      `reason: "${reason}" is not an RFC 5280 reason; one of ${REVOCATION_REASONS.join(', ')}`,
      { field: 'reason', rule: 'INVALID_REVOCATION_REASON' },
    );
  }
  return reason as RevocationReason;
}

/**
 * Revokes with an RFC 5280 reason and publishes the new CRL in the same transaction; this process's
 * handsets' endpoint reloads it at once, others within their poll interval. A string target is a device id
 * when such a handset exists, otherwise a serial. A handset left without a valid certificate goes from
 * active back to assigned (or in stock when no worker holds it).
 */
export async function revoke(
  em: EntityManager,
  actor: string,
  target: RevokeTarget | string,
  reason: RevocationReason | string,
  { note }: { note?: string } = {},
): Promise<RevocationResult> {
  const why = checkReason(reason);
  let resolved: RevokeTarget = typeof target === 'string' ? { serial: target } : target;
  if (typeof target === 'string') {
    const [h] = await runSql<{ id: string }>(em, 'select id::text from handset where device_id = ?', [
      target,
    ]);
    if (h) resolved = { handset: { id: h.id } };
  }
  const handset = 'handset' in resolved ? await findHandset(em, resolved.handset) : null;
  const ca = await loadDeviceCa(em);
  const result = await inTransaction(em, async (tx) => {
    let serials: string[];
    if ('serial' in resolved) {
      const serial = normaliseSerial(resolved.serial);
      const [c] = await tx.query<{ status: CertificateStatus; revoked_at: string | Date | null }>(
        'select status, revoked_at from device_certificate where serial = $1 for update',
        [serial],
      );
      if (!c) throw new NotFoundError('Certificate', serial, 'CERTIFICATE_NOT_FOUND');
      if (c.status === CertificateStatus.REVOKED) {
        throw new DomainError(
          'CERTIFICATE_ALREADY_REVOKED',
          `certificate ${serial} was revoked at ${new Date(c.revoked_at!).toISOString()}`,
          { field: 'serial', rule: 'CERTIFICATE_ALREADY_REVOKED' },
        );
      }
      serials = [serial];
    } else {
      const rows = await tx.query<{ serial: string }>(
        `select serial from device_certificate where handset_id = $1 and status in ('active', 'superseded')
           and not_after > now() order by serial for update`,
        [handset!.id],
      );
      serials = rows.map((r) => r.serial);
    }
    if (!serials.length) return { rows: [], crl: null };
    const rows = await tx.query(
      `update device_certificate set status = 'revoked', revoked_at = now(), revocation_reason = $2
        where serial = any($1::text[]) returning *`,
      [serials, why],
    );
    for (const r of rows as Array<{ serial: string; handset_id: string }>) {
      await recordFleetAudit(tx, {
        actor,
        action: 'revoke',
        handsetId: r.handset_id,
        serial: r.serial,
        detail: { reason: why, ...(note ? { note } : {}) },
      });
    }
    for (const handsetId of new Set(
      (rows as Array<{ handset_id: string }>).map((r) => String(r.handset_id)),
    )) {
      await settleHandsetAfterRevocation(tx, handsetId, actor, why);
    }
    const crl = await publishCrl(tx, ca);
    await recordFleetAudit(tx, {
      actor,
      action: 'crl.publish',
      detail: { crlNumber: crl.number, entries: crl.entries, trigger: 'revoke' },
    });
    return { rows, crl };
  });
  if (result.crl) announceCrl(stored(result.crl));
  return {
    revoked: shapeRows(em, DeviceCertificate, result.rows),
    crl: result.crl
      ? {
          number: result.crl.number,
          thisUpdate: result.crl.thisUpdate,
          nextUpdate: result.crl.nextUpdate,
          entries: result.crl.entries,
        }
      : null,
  };
}

/** An active handset left without a valid certificate is no longer enrolled. */
async function settleHandsetAfterRevocation(
  tx: Tx,
  handsetId: string,
  actor: string,
  reason: RevocationReason,
): Promise<void> {
  const [h] = await tx.query<{ status: HandsetStatus; valid: boolean; held: boolean }>(
    `select h.status,
            exists (select 1 from device_certificate c where c.handset_id = h.id
                     and c.status in ('active', 'superseded') and c.not_after > now()) as valid,
            exists (select 1 from assignment a where a.handset_id = h.id and a.until is null) as held
       from handset h where h.id = $1 for update`,
    [handsetId],
  );
  if (!h || h.status !== HandsetStatus.ACTIVE || h.valid) return;
  const next = h.held ? HandsetStatus.ASSIGNED : HandsetStatus.IN_STOCK;
  await tx.query('update handset set status = $2, updated_at = now() where id = $1', [handsetId, next]);
  await tx.query(
    'insert into fleet_change (subject, subject_id, changes, reason, actor) values ($1, $2, $3, $4, $5)',
    [
      'handset',
      handsetId,
      JSON.stringify({ status: [h.status, next] }),
      `certificate revoked (${reason})`,
      actor,
    ],
  );
}

function stored(crl: BuiltCrl) {
  return { number: crl.number, pem: crl.pem, thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate };
}

/**
 * Publishes a fresh CRL (the hourly upkeep job, and an endpoint that finds the CRL close to its next update).
 * With `ifDueWithinMs`, publishes only when the stored CRL's next update is nearer than that (checked under
 * the CA row's lock, so several gateways do not all publish). Null when nothing was published or the CA does
 * not exist yet.
 */
export async function refreshCrl(
  em: EntityManager,
  { actor = 'system', ifDueWithinMs }: { actor?: string; ifDueWithinMs?: number } = {},
): Promise<BuiltCrl | null> {
  const [exists] = await runSql(em, 'select 1 from device_ca where id = 1');
  if (!exists) return null;
  const ca = await loadDeviceCa(em);
  const crl = await inTransaction(em, async (tx) => {
    if (ifDueWithinMs !== undefined) {
      const [row] = await tx.query<{ crl_next_update: string | Date | null }>(
        'select crl_next_update from device_ca where id = 1 for update',
      );
      const next = row?.crl_next_update ? new Date(row.crl_next_update).getTime() : 0;
      if (next - Date.now() > ifDueWithinMs) return null;
    }
    const published = await publishCrl(tx, ca);
    await recordFleetAudit(tx, {
      actor,
      action: 'crl.publish',
      detail: { crlNumber: published.number, entries: published.entries, trigger: 'refresh' },
    });
    return published;
  });
  if (crl) announceCrl(stored(crl));
  return crl;
}

export interface ExpiringCertificate {
  serial: string;
  deviceId: string;
  handsetId: string;
  notAfter: Date;
  daysLeft: number;
}

/** Active certificates that expire within `withinDays` (and have not yet), soonest first. */
export async function expiringCertificates(
  em: EntityManager,
  withinDays = 30,
): Promise<ExpiringCertificate[]> {
  const rows = await runSql<{
    serial: string;
    device_id: string;
    handset_id: string;
    not_after: string | Date;
  }>(
    em,
    `select c.serial, h.device_id, h.id::text as handset_id, c.not_after
       from device_certificate c join handset h on h.id = c.handset_id
      where c.status = 'active' and c.not_after > now() and c.not_after <= now() + make_interval(days => ?)
      order by c.not_after, c.serial`,
    [withinDays],
  );
  return rows.map((r) => {
    const notAfter = new Date(r.not_after);
    return {
      serial: r.serial,
      deviceId: r.device_id,
      handsetId: r.handset_id,
      notAfter,
      daysLeft: Math.max(0, Math.floor((notAfter.getTime() - Date.now()) / 86_400_000)),
    };
  });
}

/**
 * The nightly expiry sweep: finds the certificates expiring within 30 days and audits the sweep once (count and
 * the first 200 serials), so the IT office sees which handsets have not renewed.
 */
export async function sweepExpiringCertificates(
  em: EntityManager,
  withinDays = 30,
): Promise<{ expiring: number; certificates: ExpiringCertificate[] }> {
  const certificates = await expiringCertificates(em, withinDays);
  await recordFleetAudit(em, {
    actor: 'system',
    action: 'cert.expiry-sweep',
    detail: {
      withinDays,
      expiring: certificates.length,
      serials: certificates
        .slice(0, 200)
        .map((c) => ({ serial: c.serial, deviceId: c.deviceId, daysLeft: c.daysLeft })),
    },
  });
  return { expiring: certificates.length, certificates };
}
