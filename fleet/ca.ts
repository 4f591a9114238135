import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import forge from 'node-forge';
import { runSql } from '../schema/common/rows';
import { type Config, loadConfig } from '../schema/runtime/config';
import { DomainError } from '../schema/runtime/errors';
import {
  buildCertificate,
  caCertificateSpec,
  forgePublicKey,
  fromPem,
  type Issuer,
  PLATFORM_ORGANIZATION,
  type SubjectAttributes,
  subjectKeyIdentifierOf,
} from './certificates';
import { buildCrl } from './crl';

/**
 * The hub's device CA: one RSA-3072 key and self-signed certificate, made once per database and shared by
 * every gateway and worker. The key is stored only as encrypted PKCS#8 (AES-256-CBC under a passphrase from
 * config or from a file in the data directory); each process decrypts it once into a KeyObject.
 *
 * Why 3072 bits: the CA lives ten years, past 2030, after which NIST SP 800-57 no longer accepts RSA-2048's
 * 112-bit strength; 3072 bits is 128-bit strength. 4096 would cost ≈ 2.4× as much per signature (≈ 170
 * signatures/s per core here against ≈ 410 for 3072), which would put the 1,000-enrollments-in-3-seconds goal
 * out of reach, for a strength margin no standard asks of a private CA.
 */

export const CA_KEY_BITS = 3072;
export const CA_LIFETIME_YEARS = 10;
export const CA_COMMON_NAME = 'gridhub device CA';

export interface DeviceCaSettings {
  /** Passphrase of the encrypted CA key. */
  passphrase: string;
  /** Where handsets reach the gateway: the CRL distribution point and the QR payload's hub address. */
  publicUrl: string;
  /** Lifetime of handset certificates. */
  certDays: number;
}

/** The loaded CA: what issuing certificates and CRLs needs. */
export interface DeviceAuthority extends Issuer {
  certPem: string;
  certDer: Buffer;
  /** SHA-256 of the certificate, upper-case hex with colons. */
  fingerprint: string;
  subject: SubjectAttributes;
  notAfter: Date;
  settings: DeviceCaSettings;
  crlUrl: string;
}

/**
 * The passphrase from config, or from `<dataDir>/ca-passphrase` (created once, readable by the owner only).
 * Hubs that share a database must share the passphrase: set GRIDHUB_CA_PASSPHRASE on all of them.
 */
export function loadCaPassphrase(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'ca-passphrase');
  try {
    return readPassphraseFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  // Written whole under another name, then linked into place: two hubs starting at once both end up with the
  // file that won, never with a half-written one.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
  chmodSync(temp, 0o600);
  try {
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temp, { force: true });
  }
  return readPassphraseFile(file);
}

function readPassphraseFile(file: string): string {
  const text = readFileSync(file, 'utf8').trim();
  if (text.length < 12) throw new Error(`${file}: the CA passphrase in it is shorter than 12 characters`);
  return text;
}

/** The device CA's settings from the hub's config; `publicUrl` defaults to the gateway's own address. */
export function caSettingsFromConfig(config: Config, publicUrl?: string): DeviceCaSettings {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    passphrase: loadCaPassphrase(config.caPassphrase, config.dataDir),
    publicUrl: (config.publicUrl ?? publicUrl ?? `http://${host}:${config.port}`).replace(/\/+$/, ''),
    certDays: config.devices.certDays,
  };
}

let configured: DeviceCaSettings | undefined;

/**
 * Sets this process's CA settings (the hub does at start). Service calls that need the CA key (enroll,
 * renew, revoke, CRL refresh) use them; a process that never configured them (a CLI command) reads them from
 * the environment, like the hub would.
 */
export function configureDeviceCa(settings: DeviceCaSettings): void {
  configured = settings;
}

export function deviceCaSettings(): DeviceCaSettings {
  configured ??= caSettingsFromConfig(loadConfig());
  return configured;
}

interface CaRow {
  cert_pem: string;
  encrypted_key_pem: string;
  fingerprint: string;
}

async function readCaRow(em: EntityManager): Promise<CaRow | null> {
  const [row] = await runSql<CaRow>(
    em,
    'select cert_pem, encrypted_key_pem, fingerprint from device_ca where id = 1',
  );
  return row ?? null;
}

const loaded = new Map<string, { encrypted: string; passphrase: string; key: KeyObject }>();

function decryptKey(row: CaRow, passphrase: string): KeyObject {
  const hit = loaded.get(row.fingerprint);
  if (hit && hit.encrypted === row.encrypted_key_pem && hit.passphrase === passphrase) return hit.key;
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: row.encrypted_key_pem, format: 'pem', passphrase });
  } catch {
    throw new DomainError(
      'CA_PASSPHRASE_WRONG',
      'The device CA key cannot be decrypted: GRIDHUB_CA_PASSPHRASE (or <data>/ca-passphrase) is not the ' +
        'passphrase it was stored with; hubs sharing a database must share the passphrase',
    );
  }
  loaded.set(row.fingerprint, { encrypted: row.encrypted_key_pem, passphrase, key });
  return key;
}

function authorityOf(row: CaRow, key: KeyObject, settings: DeviceCaSettings): DeviceAuthority {
  const certDer = fromPem(row.cert_pem, 'CERTIFICATE')!;
  const cert = forge.pki.certificateFromPem(row.cert_pem);
  return {
    certPem: row.cert_pem,
    certDer,
    fingerprint: row.fingerprint,
    subject: cert.subject.attributes as SubjectAttributes,
    keyIdentifier: subjectKeyIdentifierOf(row.cert_pem),
    key,
    notAfter: cert.validity.notAfter,
    settings,
    crlUrl: `${settings.publicUrl}/devices/crl`,
  };
}

const authorities = new Map<string, DeviceAuthority>();

/**
 * What each database's CA is, per connection pool: the CA row never changes once made (only its CRL columns
 * do), so an enrollment need not read and parse it again. Keyed by the pool, so that two hubs in one process
 * on two databases keep their CAs apart.
 */
const byPool = new WeakMap<object, Map<string, DeviceAuthority>>();

function poolOf(em: EntityManager): object {
  return (em.getKnex() as unknown as { client: object }).client;
}

function settingsKey(settings: DeviceCaSettings): string {
  return `${settings.publicUrl}|${settings.certDays}|${createHash('sha256').update(settings.passphrase).digest('hex')}`;
}

/** The CA with its key decrypted (cached per process); CA_NOT_INITIALISED before the hub first started. */
export async function loadDeviceCa(
  em: EntityManager,
  settings: DeviceCaSettings = deviceCaSettings(),
): Promise<DeviceAuthority> {
  const cached = byPool.get(poolOf(em))?.get(settingsKey(settings));
  if (cached) return cached;
  const row = await readCaRow(em);
  if (!row) {
    throw new DomainError(
      'CA_NOT_INITIALISED',
      'The device CA does not exist yet: start the hub (hub start or hub gateway) once to create it',
    );
  }
  return remember(em, settings, authorityFor(row, settings));
}

function remember(em: EntityManager, settings: DeviceCaSettings, ca: DeviceAuthority): DeviceAuthority {
  const pool = poolOf(em);
  const map = byPool.get(pool) ?? new Map<string, DeviceAuthority>();
  byPool.set(pool, map);
  map.set(settingsKey(settings), ca);
  return ca;
}

function authorityFor(row: CaRow, settings: DeviceCaSettings): DeviceAuthority {
  const cacheKey = `${row.fingerprint}|${settings.publicUrl}|${settings.certDays}`;
  const hit = authorities.get(cacheKey);
  const key = decryptKey(row, settings.passphrase);
  if (hit && hit.key === key) return hit;
  const authority = authorityOf(row, key, settings);
  authorities.set(cacheKey, authority);
  return authority;
}

const generateRsa = (bits: number) =>
  new Promise<KeyObject>((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: bits }, (error, _publicKey, privateKey) =>
      error ? reject(error) : resolve(privateKey),
    ),
  );

/**
 * The CA, created if this database has none. Two hubs starting at once may both make a key; the insert keeps
 * the first and both go on with the stored one. Created with its first (empty) CRL, number 1.
 */
export async function ensureDeviceCa(
  em: EntityManager,
  settings: DeviceCaSettings = deviceCaSettings(),
): Promise<{ ca: DeviceAuthority; created: boolean }> {
  const existing = await readCaRow(em);
  if (existing) return { ca: remember(em, settings, authorityFor(existing, settings)), created: false };

  const key = await generateRsa(CA_KEY_BITS);
  const publicKey = forgePublicKey(createPublicKey(key));
  const cert = await buildCertificate(
    caCertificateSpec(CA_COMMON_NAME, publicKey, { years: CA_LIFETIME_YEARS }),
    key,
  );
  const crl = await buildCrl({ certDer: cert.der, key }, { number: 1n, entries: [] });
  const encrypted = key.export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: settings.passphrase,
  }) as string;
  const inserted = await runSql(
    em,
    `insert into device_ca (id, cert_pem, encrypted_key_pem, fingerprint, crl_number, crl_pem, crl_this_update, crl_next_update)
     values (1, ?, ?, ?, 1, ?, ?, ?) on conflict (id) do nothing returning id`,
    [cert.pem, encrypted, cert.fingerprint, crl.pem, crl.thisUpdate, crl.nextUpdate],
  );
  if (inserted.length) {
    await runSql(
      em,
      `insert into fleet_audit (actor, action, detail) values ('system', 'ca.init', ?::jsonb)`,
      [
        JSON.stringify({
          fingerprint: cert.fingerprint,
          keyBits: CA_KEY_BITS,
          notAfter: cert.notAfter,
          organization: PLATFORM_ORGANIZATION,
        }),
      ],
    );
  }
  const row = await readCaRow(em);
  return { ca: remember(em, settings, authorityFor(row!, settings)), created: inserted.length > 0 };
}

/** The CA certificate (PEM) and its SHA-256 fingerprint, for handsets and for `openssl verify -CAfile`. */
export async function exportCaCertificate(
  em: EntityManager,
): Promise<{ pem: string; fingerprint: string } | null> {
  const [row] = await runSql<{ cert_pem: string; fingerprint: string }>(
    em,
    'select cert_pem, fingerprint from device_ca where id = 1',
  );
  return row ? { pem: row.cert_pem, fingerprint: row.fingerprint } : null;
}
