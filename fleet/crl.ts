// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import { type KeyObject, webcrypto } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { EntityManager } from '@mikro-orm/postgresql';
import * as x509 from '@peculiar/x509';
import { runSql } from '../schema/common/rows';
import type { Tx } from '../schema/db/tx';
import { RevocationReason } from './ca.entity';
import { fromPem, toPem } from './certificates';

/**
 * The device CA's certificate revocation list. node-forge cannot build CRLs, so @peculiar/x509 does (through
 * WebCrypto, with the CA key imported once). A new CRL is published with every revocation, inside the
 * revocation's transaction, and hourly by the upkeep worker; its number only grows, and the handsets'
 * endpoints reload it when the number changes.
 */

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** How long a CRL is valid: refreshed hourly, so a day of worker outage still leaves a day of margin. */
export const CRL_LIFETIME_MS = 48 * 3_600_000;

const REASON_CODES: Record<RevocationReason, x509.X509CrlReason> = {
  [RevocationReason.UNSPECIFIED]: x509.X509CrlReason.unspecified,
  [RevocationReason.KEY_COMPROMISE]: x509.X509CrlReason.keyCompromise,
  [RevocationReason.AFFILIATION_CHANGED]: x509.X509CrlReason.affiliationChanged,
  [RevocationReason.SUPERSEDED]: x509.X509CrlReason.superseded,
  [RevocationReason.CESSATION_OF_OPERATION]: x509.X509CrlReason.cessationOfOperation,
  [RevocationReason.CERTIFICATE_HOLD]: x509.X509CrlReason.certificateHold,
};

/** What building a CRL needs of the CA. */
export interface CrlSigner {
  certDer: Buffer;
  key: KeyObject;
}

export interface RevokedEntry {
  serial: string;
  revokedAt: Date;
  reason: RevocationReason;
}

export interface BuiltCrl {
  number: string;
  pem: string;
  der: Buffer;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: number;
}

const signingKeys = new WeakMap<KeyObject, Promise<CryptoKey>>();
const issuers = new WeakMap<Buffer, { name: x509.Name; aki: x509.Extension }>();

function signingKeyOf(key: KeyObject): Promise<CryptoKey> {
  let imported = signingKeys.get(key);
  if (!imported) {
    imported = webcrypto.subtle.importKey(
      'pkcs8',
      key.export({ type: 'pkcs8', format: 'der' }),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    ) as Promise<CryptoKey>;
    signingKeys.set(key, imported);
  }
  return imported;
}

function issuerOf(certDer: Buffer): { name: x509.Name; aki: x509.Extension } {
  let issuer = issuers.get(certDer);
  if (!issuer) {
    const cert = new x509.X509Certificate(arrayBufferOf(certDer));
    const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
    if (!ski) throw new Error('the device CA certificate has no subject key identifier');
    // The CA's subject exactly as encoded in its certificate, so OpenSSL matches the CRL to it.
    issuer = { name: cert.subjectName, aki: new x509.AuthorityKeyIdentifierExtension(ski.keyId) };
    issuers.set(certDer, issuer);
  }
  return issuer;
}

function arrayBufferOf(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/** The DER of a non-negative INTEGER (the CRL Number extension's value). */
function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/** A v2 CRL signed with SHA-256/RSA: CRL Number and AKI extensions, a reason code per entry. */
export async function buildCrl(
  ca: CrlSigner,
  {
    number,
    entries,
    thisUpdate = new Date(),
    nextUpdate = new Date(thisUpdate.getTime() + CRL_LIFETIME_MS),
  }: { number: string | bigint; entries: RevokedEntry[]; thisUpdate?: Date; nextUpdate?: Date },
): Promise<BuiltCrl> {
  const issuer = issuerOf(ca.certDer);
  const crl = await x509.X509CrlGenerator.create({
    issuer: issuer.name,
    thisUpdate,
    nextUpdate,
    signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as Algorithm,
    signingKey: await signingKeyOf(ca.key),
    extensions: [
      issuer.aki,
      new x509.Extension('2.5.29.20', false, arrayBufferOf(derInteger(BigInt(number)))),
    ],
    entries: entries.map((e) => ({
      serialNumber: e.serial,
      revocationDate: e.revokedAt,
      reason: REASON_CODES[e.reason],
    })),
  });
  const der = Buffer.from(crl.rawData);
  // OpenSSL reads CRLs under the `X509 CRL` label.
  return {
    number: String(number),
    pem: toPem('X509 CRL', der),
    der,
    thisUpdate,
    nextUpdate,
    entries: entries.length,
  };
}

/** The DER of a stored CRL PEM. */
export function crlDer(pem: string): Buffer {
  const der = fromPem(pem, 'X509 CRL');
  if (!der) throw new Error('the stored CRL is not a PEM `X509 CRL`');
  return der;
}

/**
 * Takes the next CRL number (the row lock serialises publishers, so every number is used once and the highest
 * always lists every revocation committed before it), builds the CRL from the revoked certificates that have
 * not expired (an expired certificate fails on its dates anyway), and stores it. Runs inside the caller's
 * transaction: a revocation and the CRL that lists it commit together.
 */
export async function publishCrl(tx: Tx, ca: CrlSigner, now = new Date()): Promise<BuiltCrl> {
  const [row] = await tx.query<{ crl_number: string }>(
    'update device_ca set crl_number = crl_number + 1 where id = 1 returning crl_number::text',
  );
  if (!row) throw new Error('the device CA is not initialised');
  const revoked = await tx.query<{ serial: string; revoked_at: Date; revocation_reason: RevocationReason }>(
    `select serial, revoked_at, revocation_reason from device_certificate
      where status = 'revoked' and not_after > $1 order by revoked_at, serial`,
    [now],
  );
  const crl = await buildCrl(ca, {
    number: row.crl_number,
    thisUpdate: now,
    entries: revoked.map((r) => ({
      serial: r.serial,
      revokedAt: new Date(r.revoked_at),
      reason: r.revocation_reason ?? RevocationReason.UNSPECIFIED,
    })),
  });
  await tx.query(
    'update device_ca set crl_pem = $1, crl_this_update = $2, crl_next_update = $3 where id = 1',
    [crl.pem, crl.thisUpdate, crl.nextUpdate],
  );
  return crl;
}

export interface StoredCrl {
  number: string;
  pem: string;
  thisUpdate: Date;
  nextUpdate: Date;
}

/** The CRL as last published; null before the CA exists. */
export async function currentCrl(em: EntityManager): Promise<StoredCrl | null> {
  const [row] = await runSql<{
    crl_number: string;
    crl_pem: string | null;
    crl_this_update: string | Date | null;
    crl_next_update: string | Date | null;
  }>(em, 'select crl_number::text, crl_pem, crl_this_update, crl_next_update from device_ca where id = 1');
  if (!row?.crl_pem) return null;
  return {
    number: row.crl_number,
    pem: row.crl_pem,
    thisUpdate: new Date(row.crl_this_update!),
    nextUpdate: new Date(row.crl_next_update!),
  };
}

/** The CRL number and its next update, cheaply: what the endpoints poll. */
export async function crlVersion(
  em: EntityManager,
): Promise<{ number: string; nextUpdate: Date | null } | null> {
  const [row] = await runSql<{ crl_number: string; crl_next_update: string | Date | null }>(
    em,
    'select crl_number::text, crl_next_update from device_ca where id = 1',
  );
  if (!row) return null;
  return { number: row.crl_number, nextUpdate: row.crl_next_update ? new Date(row.crl_next_update) : null };
}

const published = new EventEmitter();
published.setMaxListeners(100);

/** Tells this process's listeners (the handsets' endpoint) that a CRL was committed. */
export function announceCrl(crl: StoredCrl): void {
  published.emit('crl', crl);
}

/** Subscribes to CRLs published in this process; returns the unsubscribe. */
export function onCrlPublished(listener: (crl: StoredCrl) => void): () => void {
  published.on('crl', listener);
  return () => published.off('crl', listener);
}
