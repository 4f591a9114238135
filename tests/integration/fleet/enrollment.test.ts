import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  configureDeviceCa,
  type DeviceAuthority,
  type DeviceCaSettings,
  ensureDeviceCa,
} from '../../../fleet/ca';
import { parseCheckinReport, recordCheckin } from '../../../fleet/checkin.service';
import { crlVersion, currentCrl, onCrlPublished, type StoredCrl } from '../../../fleet/crl';
import {
  createEnrollmentToken,
  enroll,
  expiringCertificates,
  refreshCrl,
  renew,
  revoke,
  sweepExpiringCertificates,
} from '../../../fleet/enrollment.service';
import { runSql } from '../../../schema/common/rows';
import { initORM, type MikroORM, migrate } from '../../../schema/db/orm';
import { HUB_ENTITIES } from '../../../workers/entities';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../../support/services';
import {
  auditOf,
  certificateCount,
  freshIccid,
  freshImei,
  handsetRow,
  insertHandset,
  makeCsr,
  type TestHandset,
  tool,
} from './ca-fixture';

/**
 * Enrollment, renewal, revocation and check-ins through the fleet services against real PostgreSQL, with CSRs
 * from real openssl. Each refusal names its rule and leaves nothing enrolled: no certificate, the token
 * unused, the handset's status unchanged, and an `enroll.refused` audit entry with the rule.
 */

const DB = scratchDatabaseName('fleet_enroll');
const SETTINGS: DeviceCaSettings = {
  passphrase: 'enrollment test passphrase',
  publicUrl: 'http://127.0.0.1:4000',
  certDays: 365,
};

let orm: MikroORM;
let dir: string;
let ca: DeviceAuthority;
let csrs: Record<'rsa' | 'rsa2' | 'ec' | 'small', { csrPem: string; keyFile: string }>;
const em = () => orm.em.fork() as EntityManager;

beforeAll(async () => {
  orm = await initORM({
    url: await recreateDatabase(DB),
    poolMax: 6,
    statementTimeoutMs: 30_000,
    entities: HUB_ENTITIES,
  });
  await migrate(orm);
  configureDeviceCa(SETTINGS);
  ca = (await ensureDeviceCa(em())).ca;
  dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-enroll-'));
  const [rsa, rsa2, ec, small] = await Promise.all([
    makeCsr(dir, 'rsa'),
    makeCsr(dir, 'rsa2'),
    makeCsr(dir, 'ec', 'ec'),
    makeCsr(dir, 'small', 'rsa1024'),
  ]);
  csrs = { rsa: rsa!, rsa2: rsa2!, ec: ec!, small: small! };
  writeFileSync(path.join(dir, 'ca.pem'), ca.certPem);
});

afterAll(async () => {
  await orm?.close();
  await dropDatabase(DB);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function tokenRow(id: string) {
  const [row] = await runSql<{ used_at: unknown; used_for_serial: string | null; token_hash: string }>(
    em(),
    'select used_at, used_for_serial, token_hash from enrollment_token where id = ?',
    [id],
  );
  return row!;
}

/** Asserts that nothing was enrolled for `h`: no certificate, status as before, token (if given) unused. */
async function nothingEnrolled(h: TestHandset, status: string, tokenId?: string) {
  expect(await certificateCount(em(), h.id)).toBe(0);
  const row = await handsetRow(em(), h.id);
  expect(row.status).toBe(status);
  expect(row.enrolled_at).toBeNull();
  if (tokenId) expect((await tokenRow(tokenId)).used_at).toBeNull();
}

async function lastRefusal(h: TestHandset) {
  const audit = await auditOf(em(), h.id);
  return audit.filter((a) => a.action === 'enroll.refused').at(-1);
}

describe('enrollment tokens', () => {
  it('are shown once, stored as their SHA-256, expire after an hour by default, with a JSON QR payload', async () => {
    const h = await insertHandset(em());
    const before = Date.now();
    const issued = await createEnrollmentToken(em(), 'it-office-zhang', h.deviceId, {
      hubUrl: 'https://hub.county.gov.cn/',
    });
    expect(issued.token).toMatch(/^ghe_[A-Za-z0-9_-]{43}$/);
    const row = await tokenRow(issued.tokenId);
    expect(row.token_hash).toBe(createHash('sha256').update(issued.token).digest('hex'));
    const [{ n }] = (await runSql<{ n: number }>(
      em(),
      `select count(*)::int as n from enrollment_token where token_hash = ?`,
      [issued.token],
    )) as [{ n: number }];
    expect(n).toBe(0);
    expect(issued.expiresAt.getTime() - before).toBeGreaterThan(59 * 60_000);
    expect(issued.expiresAt.getTime() - before).toBeLessThan(61 * 60_000);
    expect(JSON.parse(issued.qrPayload)).toEqual({
      v: 1,
      hub: 'https://hub.county.gov.cn',
      token: issued.token,
      caFingerprint: ca.fingerprint,
      deviceId: h.deviceId,
    });
    const audit = await auditOf(em(), h.id);
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'token.create',
        actor: 'it-office-zhang',
        detail: expect.objectContaining({ tokenId: issued.tokenId, ttlMinutes: 60 }),
      }),
    ]);
    expect(JSON.stringify(audit)).not.toContain(issued.token);
  });

  it('are refused for a lost handset, an unknown one and a bad lifetime', async () => {
    const lost = await insertHandset(em(), { status: 'lost' });
    await expect(createEnrollmentToken(em(), 'it', lost.deviceId)).rejects.toMatchObject({
      code: 'HANDSET_NOT_ENROLLABLE',
    });
    await expect(createEnrollmentToken(em(), 'it', 'NO-SUCH-HANDSET')).rejects.toMatchObject({
      code: 'HANDSET_NOT_FOUND',
    });
    const h = await insertHandset(em());
    await expect(createEnrollmentToken(em(), 'it', h.deviceId, { ttlMinutes: 0 })).rejects.toMatchObject({
      code: 'INVALID_TOKEN_TTL',
      details: { field: 'ttlMinutes' },
    });
  });
});

describe('enroll', () => {
  it('issues from an openssl CSR: subject from the inventory, openssl verifies it, everything recorded together', async () => {
    const h = await insertHandset(em(), { withSim: true });
    const { token, tokenId } = await createEnrollmentToken(em(), 'it', { id: h.id });
    const issued = await enroll(em(), { token, csrPem: csrs.rsa.csrPem, deviceId: h.deviceId });
    expect(issued.deviceId).toBe(h.deviceId);
    expect(issued.subject).toBe(`CN=${h.deviceId},O=gridhub county platform`);
    expect(issued.chainPem).toBe(`${issued.certificatePem}${ca.certPem}`);
    expect(issued.renewAfter.getTime()).toBeGreaterThan(issued.notBefore.getTime());
    expect(issued.renewAfter.getTime()).toBeLessThan(issued.notAfter.getTime());

    const certFile = path.join(dir, `${h.deviceId}.pem`);
    writeFileSync(certFile, issued.certificatePem);
    const verified = await tool('openssl', [
      'verify',
      '-x509_strict',
      '-purpose',
      'sslclient',
      '-CAfile',
      path.join(dir, 'ca.pem'),
      certFile,
    ]);
    expect(verified.stdout.trim()).toBe(`${certFile}: OK`);
    const subject = (
      await tool('openssl', ['x509', '-in', certFile, '-noout', '-subject', '-ext', 'subjectAltName'])
    ).stdout;
    expect(subject).toContain(`subject=CN = ${h.deviceId}, O = gridhub county platform`);
    expect(subject).toContain(`URI:urn:imei:${h.imei1}`);
    expect(subject).not.toContain('ignored');
    // The subject key identifier (computed by node:crypto) is RFC 5280's method 1, as forge computes it.
    const parsed = forge.pki.certificateFromPem(issued.certificatePem);
    const ski = parsed.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier: string };
    expect(ski.subjectKeyIdentifier).toBe(parsed.generateSubjectKeyIdentifier().toHex());

    const [cert] = await runSql<Record<string, unknown>>(
      em(),
      'select * from device_certificate where handset_id = ?',
      [h.id],
    );
    expect(cert).toMatchObject({
      serial: issued.serial,
      status: 'active',
      fingerprint: issued.fingerprint,
      renewed_from: null,
    });
    expect(await tokenRow(tokenId)).toMatchObject({
      used_for_serial: issued.serial,
      used_at: expect.anything(),
    });
    const row = await handsetRow(em(), h.id);
    expect(row.status).toBe('active');
    expect(row.enrolled_at).not.toBeNull();
    const [change] = await runSql<{ changes: unknown; actor: string; reason: string }>(
      em(),
      `select changes, actor, reason from fleet_change where subject = 'handset' and subject_id = ?`,
      [h.id],
    );
    expect(change).toEqual({
      changes: { status: ['assigned', 'active'] },
      actor: `handset:${h.deviceId}`,
      reason: 'enrolled',
    });
    const audit = await auditOf(em(), h.id);
    expect(audit.map((a) => a.action)).toEqual(['token.create', 'enroll']);
    expect(audit[1]).toMatchObject({
      serial: issued.serial,
      detail: expect.objectContaining({ tokenId, keyBits: 2048 }),
    });
    expect(JSON.stringify(audit)).not.toContain(token);
  });

  it('answers a reused token with "token already used" and records nothing more', async () => {
    const h = await insertHandset(em());
    const { token } = await createEnrollmentToken(em(), 'it', h.deviceId);
    const first = await enroll(em(), { token, csrPem: csrs.rsa.csrPem, deviceId: h.deviceId });
    await expect(
      enroll(em(), { token, csrPem: csrs.rsa2.csrPem, deviceId: h.deviceId }),
    ).rejects.toMatchObject({
      code: 'TOKEN_USED',
      message: expect.stringContaining('token already used'),
    });
    expect(await certificateCount(em(), h.id)).toBe(1);
    const [cert] = await runSql<{ serial: string; status: string }>(
      em(),
      'select serial, status from device_certificate where handset_id = ?',
      [h.id],
    );
    expect(cert).toEqual({ serial: first.serial, status: 'active' });
    expect(await lastRefusal(h)).toMatchObject({
      actor: `handset:${h.deviceId}`,
      detail: expect.objectContaining({ rule: 'TOKEN_USED' }),
    });
  });

  it('re-enrolls an active handset (a wiped phone): the earlier certificate is superseded, the status kept', async () => {
    const h = await insertHandset(em());
    const first = await enroll(em(), {
      token: (await createEnrollmentToken(em(), 'it', h.deviceId)).token,
      csrPem: csrs.rsa.csrPem,
      deviceId: h.deviceId,
    });
    const second = await enroll(em(), {
      token: (await createEnrollmentToken(em(), 'it', h.deviceId)).token,
      csrPem: csrs.rsa2.csrPem,
      deviceId: h.deviceId,
    });
    const rows = await runSql<{ serial: string; status: string }>(
      em(),
      'select serial, status from device_certificate where handset_id = ? order by issued_at, status',
      [h.id],
    );
    expect(rows).toEqual([
      { serial: first.serial, status: 'superseded' },
      { serial: second.serial, status: 'active' },
    ]);
    const enrolls = (await auditOf(em(), h.id)).filter((a) => a.action === 'enroll');
    expect(enrolls[0]!.detail.superseded).toBeUndefined();
    expect(enrolls[1]!.detail.superseded).toEqual([first.serial]);
    const changes = await runSql(
      em(),
      `select 1 from fleet_change where subject = 'handset' and subject_id = ?`,
      [h.id],
    );
    expect(changes).toHaveLength(1);
  });

  it('lets only one of two simultaneous enrollments with one token through', async () => {
    const h = await insertHandset(em());
    const { token } = await createEnrollmentToken(em(), 'it', h.deviceId);
    const results = await Promise.allSettled([
      enroll(em(), { token, csrPem: csrs.rsa.csrPem, deviceId: h.deviceId }),
      enroll(em(), { token, csrPem: csrs.rsa2.csrPem, deviceId: h.deviceId }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'TOKEN_USED' } });
    expect(await certificateCount(em(), h.id)).toBe(1);
  });

  it('refuses an expired token', async () => {
    const h = await insertHandset(em());
    const { token, tokenId } = await createEnrollmentToken(em(), 'it', h.deviceId, { ttlMinutes: 5 });
    await runSql(em(), `update enrollment_token set expires_at = now() - interval '1 minute' where id = ?`, [
      tokenId,
    ]);
    await expect(
      enroll(em(), { token, csrPem: csrs.rsa.csrPem, deviceId: h.deviceId }),
    ).rejects.toMatchObject({
      code: 'TOKEN_EXPIRED',
      message: expect.stringMatching(/^token expired at /),
    });
    await nothingEnrolled(h, 'assigned', tokenId);
    expect(await lastRefusal(h)).toMatchObject({
      detail: expect.objectContaining({ rule: 'TOKEN_EXPIRED', tokenId }),
    });
  });

  it('refuses a token presented for another handset', async () => {
    const mine = await insertHandset(em());
    const other = await insertHandset(em(), { status: 'in_stock' });
    const { token, tokenId } = await createEnrollmentToken(em(), 'it', mine.deviceId);
    await expect(
      enroll(em(), { token, csrPem: csrs.rsa.csrPem, deviceId: other.deviceId }),
    ).rejects.toMatchObject({
      code: 'TOKEN_WRONG_DEVICE',
      message: `token was issued for another handset, not "${other.deviceId}"`,
    });
    await nothingEnrolled(mine, 'assigned', tokenId);
    await nothingEnrolled(other, 'in_stock');
    expect(await lastRefusal(mine)).toMatchObject({
      detail: expect.objectContaining({ rule: 'TOKEN_WRONG_DEVICE' }),
    });
  });

  it.each([
    [
      'an EC key',
      'ec',
      'CSR_KEY_NOT_RSA',
      /EC \(prime256v1\); the device CA requires an RSA key of at least 2048 bits/,
    ],
    ['a 1024-bit key', 'small', 'CSR_KEY_TOO_SMALL', /1024 bits; at least 2048 are required/],
    ['garbage PEM', 'garbage', 'CSR_INVALID', /not a PEM certificate request/],
  ] as const)(
    'refuses %s naming the rule, and leaves the token for a proper request',
    async (_what, which, rule, message) => {
      const h = await insertHandset(em());
      const { token, tokenId } = await createEnrollmentToken(em(), 'it', h.deviceId);
      const csrPem = which === 'garbage' ? 'this is not a CSR' : csrs[which].csrPem;
      await expect(enroll(em(), { token, csrPem, deviceId: h.deviceId })).rejects.toMatchObject({
        code: rule,
        message: expect.stringMatching(message),
        details: { field: 'csr', rule },
      });
      await nothingEnrolled(h, 'assigned', tokenId);
      expect(await lastRefusal(h)).toMatchObject({ detail: expect.objectContaining({ rule, tokenId }) });
      // The same token still enrolls the handset with an RSA-2048 request.
      await enroll(em(), { token, csrPem: csrs.rsa.csrPem, deviceId: h.deviceId });
      expect(await certificateCount(em(), h.id)).toBe(1);
    },
  );

  it('refuses an unknown or malformed token, and a lost handset', async () => {
    const h = await insertHandset(em());
    await expect(
      enroll(em(), { token: `ghe_${'A'.repeat(43)}`, csrPem: csrs.rsa.csrPem, deviceId: h.deviceId }),
    ).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    await expect(
      enroll(em(), { token: 'let me in', csrPem: csrs.rsa.csrPem, deviceId: h.deviceId }),
    ).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    const { token, tokenId } = await createEnrollmentToken(em(), 'it', h.deviceId);
    await runSql(em(), `update handset set status = 'lost' where id = ?`, [h.id]);
    await expect(
      enroll(em(), { token, csrPem: csrs.rsa.csrPem, deviceId: h.deviceId }),
    ).rejects.toMatchObject({
      code: 'HANDSET_NOT_ENROLLABLE',
    });
    await nothingEnrolled(h, 'lost', tokenId);
  });
});

describe('renewal and revocation', () => {
  it('renews an active certificate with a new key; the old one is superseded; a superseded one cannot renew', async () => {
    const h = await insertHandset(em());
    const { token } = await createEnrollmentToken(em(), 'it', h.deviceId);
    const first = await enroll(em(), { token, csrPem: csrs.rsa.csrPem, deviceId: h.deviceId });
    const second = await renew(em(), first.serial.replace(/^00/, '').toUpperCase(), csrs.rsa2.csrPem);
    expect(second.serial).not.toBe(first.serial);
    expect(second.subject).toBe(`CN=${h.deviceId},O=gridhub county platform`);
    const rows = await runSql<{ serial: string; status: string; renewed_from: string | null }>(
      em(),
      'select serial, status, renewed_from from device_certificate where handset_id = ? order by issued_at',
      [h.id],
    );
    expect(rows).toEqual([
      { serial: first.serial, status: 'superseded', renewed_from: null },
      { serial: second.serial, status: 'active', renewed_from: first.serial },
    ]);
    await expect(renew(em(), first.serial, csrs.rsa.csrPem)).rejects.toMatchObject({
      code: 'CERT_SUPERSEDED',
    });
    await expect(renew(em(), second.serial, csrs.ec.csrPem)).rejects.toMatchObject({
      code: 'CSR_KEY_NOT_RSA',
    });
    const audit = await auditOf(em(), h.id);
    expect(audit.map((a) => a.action)).toEqual([
      'token.create',
      'enroll',
      'renew',
      'renew.refused',
      'renew.refused',
    ]);
    expect(audit[2]).toMatchObject({
      serial: second.serial,
      detail: expect.objectContaining({ renewedFrom: first.serial }),
    });
  });

  it('revokes a handset: its active and superseded certificates, a new CRL in the same transaction, no renewal after', async () => {
    const h = await insertHandset(em(), { withSim: true });
    const { token } = await createEnrollmentToken(em(), 'it', h.deviceId);
    const first = await enroll(em(), { token, csrPem: csrs.rsa.csrPem, deviceId: h.deviceId });
    const second = await renew(em(), first.serial, csrs.rsa2.csrPem);
    const before = (await crlVersion(em()))!.number;
    const seen: StoredCrl[] = [];
    const stop = onCrlPublished((crl) => seen.push(crl));
    const result = await revoke(em(), 'it-office-li', h.deviceId, 'keyCompromise', { note: 'reported lost' });
    stop();
    expect(result.revoked.map((c) => c.serial).sort()).toEqual([first.serial, second.serial].sort());
    expect(
      result.revoked.every((c) => c.status === 'revoked' && c.revocationReason === 'keyCompromise'),
    ).toBe(true);
    expect(BigInt(result.crl!.number)).toBe(BigInt(before) + 1n);
    expect(seen.map((c) => c.number)).toEqual([result.crl!.number]);

    const stored = (await currentCrl(em()))!;
    expect(stored.number).toBe(result.crl!.number);
    const crlFile = path.join(dir, `crl-${stored.number}.pem`);
    writeFileSync(crlFile, stored.pem);
    expect(
      (
        await tool('openssl', [
          'crl',
          '-in',
          crlFile,
          '-noout',
          '-verify',
          '-CAfile',
          path.join(dir, 'ca.pem'),
        ])
      ).code,
    ).toBe(0);
    const text = (await tool('openssl', ['crl', '-in', crlFile, '-noout', '-text'])).stdout;
    for (const s of [first.serial, second.serial])
      expect(text).toContain(`Serial Number: ${s.replace(/^00/, '').toUpperCase()}`);
    expect(text).toContain('Key Compromise');

    // Still held by its worker: back to assigned, with the change recorded.
    expect((await handsetRow(em(), h.id)).status).toBe('assigned');
    const audit = await auditOf(em(), h.id);
    expect(audit.filter((a) => a.action === 'revoke')).toEqual([
      expect.objectContaining({
        actor: 'it-office-li',
        detail: { reason: 'keyCompromise', note: 'reported lost' },
      }),
      expect.objectContaining({
        actor: 'it-office-li',
        detail: { reason: 'keyCompromise', note: 'reported lost' },
      }),
    ]);
    const [publish] = await runSql<{ detail: Record<string, unknown> }>(
      em(),
      `select detail from fleet_audit where action = 'crl.publish' order by id desc limit 1`,
    );
    expect(publish!.detail).toMatchObject({ crlNumber: stored.number, trigger: 'revoke' });

    await expect(renew(em(), second.serial, csrs.rsa.csrPem)).rejects.toMatchObject({
      code: 'CERT_REVOKED',
      message: expect.stringContaining('a revoked certificate cannot renew'),
    });
    await expect(revoke(em(), 'it', { serial: second.serial }, 'keyCompromise')).rejects.toMatchObject({
      code: 'CERTIFICATE_ALREADY_REVOKED',
    });
    await expect(revoke(em(), 'it', { serial: second.serial }, 'lost')).rejects.toMatchObject({
      code: 'INVALID_REVOCATION_REASON',
      message: expect.stringContaining('keyCompromise'),
    });
    // Nothing left to revoke: no error, no new CRL.
    const again = await revoke(em(), 'it', { handset: h.deviceId }, 'cessationOfOperation');
    expect(again).toEqual({ revoked: [], crl: null });
  });

  it('refreshes the CRL with a higher number, only when due if asked', async () => {
    const before = (await crlVersion(em()))!;
    const fresh = await refreshCrl(em());
    expect(BigInt(fresh!.number)).toBe(BigInt(before.number) + 1n);
    expect(await refreshCrl(em(), { ifDueWithinMs: 3_600_000 })).toBeNull();
    await runSql(em(), `update device_ca set crl_next_update = now() + interval '10 minutes'`);
    const due = await refreshCrl(em(), { ifDueWithinMs: 3_600_000 });
    expect(BigInt(due!.number)).toBe(BigInt(fresh!.number) + 1n);
  });

  it('finds certificates expiring within 30 days and audits the sweep', async () => {
    const h = await insertHandset(em());
    const { token } = await createEnrollmentToken(em(), 'it', h.deviceId);
    const issued = await enroll(em(), { token, csrPem: csrs.rsa.csrPem, deviceId: h.deviceId });
    expect((await expiringCertificates(em())).map((c) => c.serial)).not.toContain(issued.serial);
    await runSql(
      em(),
      `update device_certificate set not_after = now() + interval '10 days' where serial = ?`,
      [issued.serial],
    );
    const sweep = await sweepExpiringCertificates(em());
    expect(sweep.certificates).toContainEqual(
      expect.objectContaining({ serial: issued.serial, deviceId: h.deviceId, daysLeft: 9 }),
    );
    const [audit] = await runSql<{ detail: Record<string, unknown> }>(
      em(),
      `select detail from fleet_audit where action = 'cert.expiry-sweep' order by id desc limit 1`,
    );
    expect(audit!.detail).toMatchObject({ withinDays: 30, expiring: sweep.expiring });
  });
});

describe('check-ins', () => {
  async function enrolled(options: { withSim?: boolean; status?: string } = {}) {
    const h = await insertHandset(em(), options);
    const { token } = await createEnrollmentToken(em(), 'it', h.deviceId);
    const cert = await enroll(em(), { token, csrPem: csrs.rsa.csrPem, deviceId: h.deviceId });
    return { h, serial: cert.serial };
  }
  const report = (over: Record<string, unknown> = {}) =>
    parseCheckinReport({
      appVersion: '3.2.0',
      appVersionCode: 320,
      osVersion: 'Android 13',
      battery: 81,
      ...over,
    });

  it('stores the check-in, updates the handset and finds nothing when the SIM and IMEIs are the inventory’s', async () => {
    const { h, serial } = await enrolled({ withSim: true });
    const answer = await recordCheckin(
      em(),
      serial,
      report({
        iccid: h.iccid,
        imeis: [h.imei1, h.imei2],
        location: { lat: 38.78, lng: 101.08, accuracy: 12 },
      }),
    );
    expect(answer.findings).toEqual([]);
    expect(answer.deviceId).toBe(h.deviceId);
    expect(answer.certificate).toMatchObject({ serial, status: 'active', renewDue: false });
    const row = await handsetRow(em(), h.id);
    expect(row).toMatchObject({
      app_version: '3.2.0',
      app_version_code: 320,
      os_version: 'Android 13',
      battery: 81,
      iccid_seen: h.iccid,
      reported_imei: null,
      imei_changed_at: null,
      location: { lat: 38.78, lng: 101.08, accuracy: 12 },
    });
    expect(new Date(row.last_seen_at as string).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const [checkin] = await runSql<Record<string, unknown>>(
      em(),
      'select * from checkin where handset_id = ?',
      [h.id],
    );
    expect(checkin).toMatchObject({ cert_serial: serial, battery: 81, iccid: h.iccid, findings: [] });
  });

  it('detects a SIM in the wrong handset (机卡分离), an unknown SIM and an empty slot', async () => {
    const a = await enrolled({ withSim: true });
    const b = await enrolled({ withSim: true });
    const swapped = await recordCheckin(em(), a.serial, report({ iccid: b.h.iccid }));
    expect(swapped.findings).toEqual(['SIM_MISMATCH']);
    const unknown = await recordCheckin(em(), a.serial, report({ iccid: freshIccid() }));
    expect(unknown.findings).toEqual(['SIM_MISMATCH', 'SIM_UNKNOWN']);
    const empty = await recordCheckin(em(), a.serial, report({ iccid: null }));
    expect(empty.findings).toEqual(['SIM_ABSENT']);
    // A handset without an assigned SIM reporting one is a mismatch too.
    const c = await enrolled();
    expect((await recordCheckin(em(), c.serial, report({ iccid: a.h.iccid }))).findings).toEqual([
      'SIM_MISMATCH',
    ]);
    const rows = await runSql<{ findings: string[] }>(
      em(),
      'select findings from checkin where handset_id = ? order by id',
      [a.h.id],
    );
    expect(rows.map((r) => r.findings)).toEqual([
      ['SIM_MISMATCH'],
      ['SIM_MISMATCH', 'SIM_UNKNOWN'],
      ['SIM_ABSENT'],
    ]);
  });

  it('detects a changed IMEI: marks the handset, records the change once, and clears it when the IMEIs match again', async () => {
    const { h, serial } = await enrolled();
    const foreign = freshImei();
    const first = await recordCheckin(em(), serial, report({ imei: `${h.imei1},${foreign}` }));
    expect(first.findings).toEqual(['IMEI_CHANGED']);
    const row = await handsetRow(em(), h.id);
    expect(row.reported_imei).toBe(`${h.imei1},${foreign}`);
    expect(row.imei_changed_at).not.toBeNull();
    await recordCheckin(em(), serial, report({ imeis: [h.imei1, foreign] }));
    const changes = await runSql<{ changes: Record<string, unknown> }>(
      em(),
      `select changes from fleet_change where subject = 'handset' and subject_id = ? and jsonb_exists(changes, 'reportedImei') order by id`,
      [h.id],
    );
    expect(changes).toEqual([{ changes: { reportedImei: [null, `${h.imei1},${foreign}`] } }]);
    expect((await auditOf(em(), h.id)).filter((a) => a.action === 'imei.changed')).toHaveLength(1);
    // Not reading the IMEIs says nothing; reading the inventory's again clears the report.
    expect((await recordCheckin(em(), serial, report())).findings).toEqual([]);
    expect((await handsetRow(em(), h.id)).reported_imei).toBe(`${h.imei1},${foreign}`);
    expect((await recordCheckin(em(), serial, report({ imei: h.imei2 }))).findings).toEqual([]);
    expect((await handsetRow(em(), h.id)).reported_imei).toBeNull();
  });

  it('flags and audits a lost handset that checks in, and tells each handset the app it should run', async () => {
    const { h, serial } = await enrolled();
    await runSql(em(), `update handset set status = 'lost' where id = ?`, [h.id]);
    await runSql(
      em(),
      `insert into app_release (version, version_code, min_version_code, sha256, released_by)
       values ('3.3.0', 330, 321, ?, 'test') on conflict do nothing`,
      ['a'.repeat(64)],
    );
    const answer = await recordCheckin(em(), serial, report({ location: { lat: 38.8, lng: 101.1 } }));
    expect(answer.findings).toEqual(['LOST_DEVICE_SEEN']);
    expect(answer.app).toEqual({
      version: '3.3.0',
      versionCode: 330,
      minVersionCode: 321,
      sha256: 'a'.repeat(64),
      updateAvailable: true,
      mustUpdate: true,
    });
    const seen = (await auditOf(em(), h.id)).filter((a) => a.action === 'lost.seen');
    expect(seen).toEqual([
      expect.objectContaining({
        serial,
        detail: expect.objectContaining({ location: { lat: 38.8, lng: 101.1 } }),
      }),
    ]);
    const current = await recordCheckin(em(), serial, report({ appVersionCode: 330 }));
    expect(current.app).toMatchObject({ updateAvailable: false, mustUpdate: false });
  });

  it('refuses a revoked certificate, and bad reports name the field and the rule', async () => {
    const { h, serial } = await enrolled();
    await revoke(em(), 'it', { serial }, 'keyCompromise');
    await expect(recordCheckin(em(), serial, report())).rejects.toMatchObject({ code: 'CERT_REVOKED' });
    expect(() => report({ battery: 150 })).toThrow(
      expect.objectContaining({
        code: 'CHECKIN_INVALID',
        details: expect.objectContaining({ field: 'battery', rule: 'RANGE' }),
      }),
    );
    expect(() => parseCheckinReport({ battery: 50 })).toThrow(
      expect.objectContaining({
        details: expect.objectContaining({ field: 'appVersion', rule: 'REQUIRED' }),
      }),
    );
    expect(() => report({ iccid: '89860012990000000001' })).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ field: 'iccid', rule: 'ICCID_CHECK' }) }),
    );
    expect(() => report({ imei: '86555501000001' })).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ field: 'imei', rule: 'IMEI_LENGTH' }) }),
    );
    expect(() => report({ location: { lat: 200, lng: 0 } })).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ field: 'location.lat', rule: 'RANGE' }) }),
    );
    expect(await runSql(em(), 'select 1 from checkin where handset_id = ?', [h.id])).toEqual([]);
  });
});
