import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CA_KEY_BITS,
  configureDeviceCa,
  type DeviceAuthority,
  type DeviceCaSettings,
  ensureDeviceCa,
  exportCaCertificate,
  loadCaPassphrase,
  loadDeviceCa,
} from '../../../fleet/ca';
import { RevocationReason } from '../../../fleet/ca.entity';
import {
  buildCertificate,
  handsetCertificateSpec,
  normaliseSerial,
  parseCsr,
  randomSerial,
} from '../../../fleet/certificates';
import { buildCrl } from '../../../fleet/crl';
import { runSql } from '../../../schema/common/rows';
import { initORM, type MikroORM, migrate } from '../../../schema/db/orm';
import { HUB_ENTITIES } from '../../../workers/entities';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../../support/services';
import { makeCsr, tool } from './ca-fixture';

/**
 * The device CA against real openssl: created once (also when two hubs start at once), its key encrypted at
 * rest, its certificate exported with the fingerprint openssl prints; certificates built by node-forge and
 * signed by node:crypto that `openssl verify -x509_strict -purpose sslclient` accepts, with the subject from
 * the inventory; CSRs refused by rule; CRLs that `openssl crl -verify` accepts.
 */

const DB = scratchDatabaseName('fleet_ca');
const SETTINGS: DeviceCaSettings = {
  passphrase: 'correct horse battery staple',
  publicUrl: 'https://hub.example.gov.cn',
  certDays: 365,
};

let orm: MikroORM;
let dir: string;
let ca: DeviceAuthority;
const em = () => orm.em.fork() as EntityManager;

beforeAll(async () => {
  orm = await initORM({
    url: await recreateDatabase(DB),
    poolMax: 4,
    statementTimeoutMs: 30_000,
    entities: HUB_ENTITIES,
  });
  await migrate(orm);
  configureDeviceCa(SETTINGS);
  dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-ca-'));
});

afterAll(async () => {
  await orm?.close();
  await dropDatabase(DB);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the device CA', () => {
  it('is created once, even by two hubs starting at the same moment', async () => {
    const [a, b] = await Promise.all([ensureDeviceCa(em(), SETTINGS), ensureDeviceCa(em(), SETTINGS)]);
    expect(a.ca.fingerprint).toBe(b.ca.fingerprint);
    expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
    const again = await ensureDeviceCa(em(), SETTINGS);
    expect(again.created).toBe(false);
    expect(again.ca.fingerprint).toBe(a.ca.fingerprint);
    const rows = await runSql<{ n: number }>(em(), 'select count(*)::int as n from device_ca');
    expect(rows[0]!.n).toBe(1);
    const audits = await runSql<{ detail: Record<string, unknown> }>(
      em(),
      `select detail from fleet_audit where action = 'ca.init'`,
    );
    expect(audits).toHaveLength(1);
    expect(audits[0]!.detail).toMatchObject({ fingerprint: a.ca.fingerprint, keyBits: CA_KEY_BITS });
    ca = again.ca;
  });

  it('keeps its key only as encrypted PKCS#8, readable with the passphrase and nothing else', async () => {
    const [row] = await runSql<{ encrypted_key_pem: string }>(
      em(),
      'select encrypted_key_pem from device_ca',
    );
    expect(row!.encrypted_key_pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(row!.encrypted_key_pem).not.toMatch(/BEGIN (RSA )?PRIVATE KEY/);
    const keyFile = path.join(dir, 'ca-key.pem');
    writeFileSync(keyFile, row!.encrypted_key_pem);
    const right = await tool('openssl', [
      'pkey',
      '-in',
      keyFile,
      '-passin',
      `pass:${SETTINGS.passphrase}`,
      '-noout',
      '-text',
    ]);
    expect(right.code).toBe(0);
    expect(right.stdout).toContain(`Private-Key: (${CA_KEY_BITS} bit`);
    const wrong = await tool('openssl', [
      'pkey',
      '-in',
      keyFile,
      '-passin',
      'pass:not the passphrase',
      '-noout',
    ]);
    expect(wrong.code).not.toBe(0);

    await expect(
      loadDeviceCa(em(), { ...SETTINGS, passphrase: 'not the passphrase at all' }),
    ).rejects.toMatchObject({
      code: 'CA_PASSPHRASE_WRONG',
      message: expect.stringContaining('GRIDHUB_CA_PASSPHRASE'),
    });
    // Nothing of the key in the audit.
    const [audit] = await runSql<{ detail: unknown }>(
      em(),
      `select detail from fleet_audit where action = 'ca.init'`,
    );
    expect(JSON.stringify(audit!.detail)).not.toMatch(/PRIVATE KEY|passphrase/i);
  });

  it('exports its certificate with the SHA-256 fingerprint openssl prints, as a CA for certificates and CRLs', async () => {
    const exported = (await exportCaCertificate(em()))!;
    expect(exported.fingerprint).toBe(ca.fingerprint);
    const caFile = path.join(dir, 'ca.pem');
    writeFileSync(caFile, exported.pem);
    const fp = await tool('openssl', ['x509', '-in', caFile, '-noout', '-fingerprint', '-sha256']);
    expect(fp.stdout.trim()).toBe(`sha256 Fingerprint=${exported.fingerprint}`);
    const text = (await tool('openssl', ['x509', '-in', caFile, '-noout', '-text'])).stdout;
    expect(text).toContain(`Public-Key: (${CA_KEY_BITS} bit)`);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toContain('Subject: CN = gridhub device CA, O = gridhub county platform');
    expect((await tool('openssl', ['verify', '-x509_strict', '-CAfile', caFile, caFile])).code).toBe(0);
  });
});

describe('the CA passphrase file', () => {
  it('is created once, readable by its owner only, and a configured passphrase wins', () => {
    const dataDir = path.join(dir, 'data');
    const first = loadCaPassphrase(undefined, dataDir);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(statSync(path.join(dataDir, 'ca-passphrase')).mode & 0o777).toBe(0o600);
    expect(loadCaPassphrase(undefined, dataDir)).toBe(first);
    expect(loadCaPassphrase('from the environment', dataDir)).toBe('from the environment');
  });
});

describe('issuing from an openssl CSR', () => {
  const device = { deviceId: 'GZ-620725-0042', imei1: '867530012345674', imei2: '867530012345682' };

  it('gives a certificate openssl verifies as an sslclient, with subject and SAN from the inventory', async () => {
    const { csrPem } = await makeCsr(dir, 'handset');
    const csr = parseCsr(csrPem);
    expect(csr.keyBits).toBe(2048);
    const cert = await buildCertificate(
      handsetCertificateSpec(ca, device, csr.publicKey, {
        days: 365,
        crlUrl: `${SETTINGS.publicUrl}/devices/crl`,
      }),
      ca.key,
    );
    const certFile = path.join(dir, 'handset.pem');
    writeFileSync(certFile, cert.pem);
    writeFileSync(path.join(dir, 'ca.pem'), ca.certPem);
    const verified = await tool('openssl', [
      'verify',
      '-x509_strict',
      '-purpose',
      'sslclient',
      '-CAfile',
      path.join(dir, 'ca.pem'),
      certFile,
    ]);
    expect(verified.stderr).toBe('');
    expect(verified.stdout.trim()).toBe(`${certFile}: OK`);

    const text = (await tool('openssl', ['x509', '-in', certFile, '-noout', '-text'])).stdout;
    expect(text).toContain('Subject: CN = GZ-620725-0042, O = gridhub county platform');
    expect(text).not.toContain('ignored');
    expect(text).not.toContain('Evil Corp');
    expect(text).toContain(
      'URI:urn:gridhub:device:GZ-620725-0042, URI:urn:imei:867530012345674, URI:urn:imei:867530012345682',
    );
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication\n/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(text).toContain('X509v3 Authority Key Identifier');
    expect(text).toContain('X509v3 Subject Key Identifier');
    expect(text).toMatch(
      /CRL Distribution Points:\s+Full Name:\s+URI:https:\/\/hub\.example\.gov\.cn\/devices\/crl/,
    );
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
    const days = (cert.notAfter.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(364.9);
    expect(days).toBeLessThan(365.1);

    const serialLine = (await tool('openssl', ['x509', '-in', certFile, '-noout', '-serial'])).stdout.trim();
    expect(normaliseSerial(serialLine.replace('serial=', ''))).toBe(cert.serial);
    const fingerprint = (
      await tool('openssl', ['x509', '-in', certFile, '-noout', '-fingerprint', '-sha256'])
    ).stdout;
    expect(fingerprint.trim()).toBe(`sha256 Fingerprint=${cert.fingerprint}`);
  });

  it('refuses an EC key saying RSA ≥ 2048 is required, a 1024-bit key, garbage and a forged signature', async () => {
    const ec = await makeCsr(dir, 'ec', 'ec');
    expect(() => parseCsr(ec.csrPem)).toThrow(
      expect.objectContaining({
        code: 'CSR_KEY_NOT_RSA',
        message: expect.stringMatching(/EC \(prime256v1\).*RSA key of at least 2048 bits/),
      }),
    );
    const small = await makeCsr(dir, 'small', 'rsa1024');
    expect(() => parseCsr(small.csrPem)).toThrow(
      expect.objectContaining({
        code: 'CSR_KEY_TOO_SMALL',
        message: 'csr: the RSA key has 1024 bits; at least 2048 are required',
      }),
    );
    for (const garbage of [
      '',
      'hello',
      '-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgY3Ny\n-----END CERTIFICATE REQUEST-----\n',
      ca.certPem,
    ]) {
      expect(() => parseCsr(garbage)).toThrow(expect.objectContaining({ code: 'CSR_INVALID' }));
    }
    // The CSR's own subject changed after signing: the signature no longer verifies (no proof of possession).
    const good = await makeCsr(dir, 'forged');
    const der = Buffer.from(good.csrPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const at = der.indexOf(Buffer.from('ignored'));
    der[at] = 'I'.charCodeAt(0);
    const forged = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(() => parseCsr(forged)).toThrow(expect.objectContaining({ code: 'CSR_SIGNATURE_INVALID' }));
  });
});

describe('serial numbers', () => {
  it('are random, positive, 128 bits, with a leading 00 exactly when the high bit is set', () => {
    const serials = Array.from({ length: 2_000 }, randomSerial);
    expect(new Set(serials).size).toBe(serials.length);
    for (const s of serials) {
      const high = Number.parseInt(s.slice(0, 2), 16) >= 0x80;
      if (s.startsWith('00')) {
        expect(s).toHaveLength(34);
        expect(Number.parseInt(s.slice(2, 4), 16)).toBeGreaterThanOrEqual(0x80);
      } else {
        expect(high).toBe(false);
        expect(s).toHaveLength(32);
        expect(s.slice(0, 2)).not.toBe('00');
      }
      // Node's TLS and openssl print them without the sign octet, in upper case: the same serial.
      expect(normaliseSerial(s.replace(/^00/, '').toUpperCase())).toBe(s);
    }
    expect(serials.some((s) => s.startsWith('00'))).toBe(true);
  });
});

describe('CRLs', () => {
  it('are accepted by openssl crl -verify and list serials with their reasons, number and AKI', async () => {
    const revokedAt = new Date('2026-11-01T08:00:00Z');
    const one = randomSerial();
    const two = `00${'f'.repeat(32)}`;
    const crl = await buildCrl(ca, {
      number: 42n,
      entries: [
        { serial: one, revokedAt, reason: RevocationReason.KEY_COMPROMISE },
        { serial: two, revokedAt, reason: RevocationReason.CESSATION_OF_OPERATION },
      ],
    });
    expect(crl.pem).toMatch(/^-----BEGIN X509 CRL-----\n/);
    const crlFile = path.join(dir, 'crl.pem');
    writeFileSync(crlFile, crl.pem);
    writeFileSync(path.join(dir, 'ca.pem'), ca.certPem);
    const verified = await tool('openssl', [
      'crl',
      '-in',
      crlFile,
      '-noout',
      '-verify',
      '-CAfile',
      path.join(dir, 'ca.pem'),
    ]);
    expect(verified.code).toBe(0);
    expect(`${verified.stdout}${verified.stderr}`).toContain('verify OK');
    const text = (await tool('openssl', ['crl', '-in', crlFile, '-noout', '-text'])).stdout;
    expect(text).toMatch(/X509v3 CRL Number:\s+42/);
    expect(text).toContain('X509v3 Authority Key Identifier');
    expect(text).toContain(`Serial Number: ${one.replace(/^00/, '').toUpperCase()}`);
    expect(text).toMatch(/Key Compromise/);
    expect(text).toMatch(/Cessation Of Operation/);
    expect(text).toContain('Issuer: CN = gridhub device CA, O = gridhub county platform');
    expect(crl.nextUpdate.getTime() - crl.thisUpdate.getTime()).toBe(48 * 3_600_000);
    // DER and PEM are the same CRL.
    const der = Buffer.from(
      readFileSync(crlFile, 'utf8')
        .replace(/-----[^-]+-----/g, '')
        .replace(/\s+/g, ''),
      'base64',
    );
    expect(createHash('sha256').update(der).digest('hex')).toBe(
      createHash('sha256').update(crl.der).digest('hex'),
    );
  });
});
