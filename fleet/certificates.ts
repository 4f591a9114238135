import { createHash, createPublicKey, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';
import { DomainError } from '../schema/runtime/errors';

/**
 * Certificates of the device CA: reading handsets' PKCS#10 requests and building X.509 certificates.
 *
 * node-forge builds each certificate (subject, extensions, the to-be-signed structure); `node:crypto` signs
 * the TBS bytes with the CA key, asynchronously on the thread pool. forge's own RSA signing is pure
 * JavaScript, ≈ 29 ms a certificate on the event loop; OpenSSL's is ≈ 20× faster (tests/bench/RESULTS.md).
 * Nothing of a request reaches a certificate but its public key: subject and SAN come from the inventory.
 */

const { asn1, pki } = forge;

/** The organisation in every certificate's subject: the county platform that operates the CA. */
export const PLATFORM_ORGANIZATION = 'gridhub county platform';
/** Handsets' keys: at least this many bits (NIST SP 800-57: RSA-2048 is 112-bit security). */
export const MIN_RSA_BITS = 2048;
/** Larger keys are refused: a 16k-bit request only costs the hub time. */
export const MAX_RSA_BITS = 8192;

export type SubjectAttributes = forge.pki.CertificateField[];

/** One RDN per attribute, UTF8String values (what OpenSSL writes), so issuer and CA subject match byte for byte. */
export function subjectAttributes(
  commonName: string,
  organization = PLATFORM_ORGANIZATION,
): SubjectAttributes {
  return [
    { shortName: 'CN', value: commonName, valueTagClass: asn1.Type.UTF8 },
    { shortName: 'O', value: organization, valueTagClass: asn1.Type.UTF8 },
  ] as unknown as SubjectAttributes;
}

/** `CN=…,O=…` as stored in device_certificate.subject. */
export function subjectText(commonName: string, organization = PLATFORM_ORGANIZATION): string {
  const esc = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');
  return `CN=${esc(commonName)},O=${esc(organization)}`;
}

/**
 * A random positive serial of 128 bits, as lower-case hex the way it is encoded: with a leading 00 when the
 * high bit is set (otherwise the DER INTEGER would be negative), never with a redundant leading zero octet.
 */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  if (bytes[0] === 0) bytes[0] = 1;
  const hex = bytes.toString('hex');
  return bytes[0]! & 0x80 ? `00${hex}` : hex;
}

/**
 * The stored form of a serial as another tool prints it (Node's TLS `serialNumber` is upper-case hex without
 * the sign octet; openssl prints colons).
 */
export function normaliseSerial(serial: string): string {
  let hex = serial.replace(/[\s:]/g, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex)) return hex;
  hex = hex.replace(/^(00)+/, '');
  if (hex.length % 2) hex = `0${hex}`;
  if (!hex) return '00';
  return /^[89a-f]/.test(hex) ? `00${hex}` : hex;
}

/** SHA-256 of DER, upper-case hex with colons: what `openssl x509 -fingerprint -sha256` prints. */
export function fingerprintOf(der: Buffer): string {
  return createHash('sha256')
    .update(der)
    .digest('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1:');
}

export function toPem(label: string, der: Buffer): string {
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${body}${body.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

/** The DER inside the first PEM block with `label`; null when there is none. */
export function fromPem(pem: string, label: string): Buffer | null {
  const m = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+?)-----END ${label}-----`).exec(pem);
  return m ? Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64') : null;
}

/** What enrollment keeps of a verified request. */
export interface CertificateRequest {
  /** The request's public key, for forge to put in the certificate. */
  publicKey: forge.pki.rsa.PublicKey;
  keyBits: number;
  /**
   * SHA-1 of the RSAPublicKey (RFC 5280 §4.2.1.2 method 1) as a forge binary string: the certificate's subject
   * key identifier, computed by node:crypto rather than by forge's JavaScript SHA-1.
   */
  keyIdentifier: string;
}

export class CsrError extends DomainError {
  constructor(rule: string, message: string) {
    super(rule, message, { field: 'csr', rule });
    this.name = 'CsrError';
  }
}

const KEY_ALGORITHMS: Record<string, string> = {
  '1.2.840.10045.2.1': 'EC',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
  '1.2.840.10040.4.1': 'DSA',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
};
const CURVES: Record<string, string> = {
  '1.2.840.10045.3.1.7': 'prime256v1',
  '1.3.132.0.34': 'secp384r1',
  '1.3.132.0.35': 'secp521r1',
  '1.2.156.10197.1.301': 'SM2',
};
const SIGNATURE_HASHES: Record<string, string> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};
const WEAK_SIGNATURES: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'SHA-1',
  '1.2.840.113549.1.1.4': 'MD5',
};

function oidOf(node: forge.asn1.Asn1 | undefined): string | null {
  if (!node || node.type !== asn1.Type.OID || typeof node.value !== 'string') return null;
  return asn1.derToOid(node.value);
}

function child(node: forge.asn1.Asn1 | undefined, i: number): forge.asn1.Asn1 | undefined {
  return node && Array.isArray(node.value) ? (node.value[i] as forge.asn1.Asn1 | undefined) : undefined;
}

/**
 * Reads a handset's certificate request and checks it: a PEM PKCS#10 request, an RSA key of 2048 to 8192
 * bits, signed with SHA-256/384/512 by that key (proof of possession). Each failure names its rule:
 * CSR_INVALID, CSR_KEY_NOT_RSA, CSR_KEY_TOO_SMALL, CSR_KEY_TOO_LARGE, CSR_SIGNATURE_ALGORITHM,
 * CSR_SIGNATURE_INVALID.
 */
export function parseCsr(pem: unknown): CertificateRequest {
  if (typeof pem !== 'string' || !pem.trim()) {
    throw new CsrError('CSR_INVALID', 'csr: a PEM certificate request (PKCS#10) is required');
  }
  if (pem.length > 64 * 1024) throw new CsrError('CSR_INVALID', 'csr: longer than 64 KiB; not a request');
  const der =
    fromPem(pem, 'CERTIFICATE REQUEST') ??
    fromPem(pem, 'NEW CERTIFICATE REQUEST') ??
    (() => {
      throw new CsrError(
        'CSR_INVALID',
        'csr: not a PEM certificate request (expected -----BEGIN CERTIFICATE REQUEST-----)',
      );
    })();
  let root: forge.asn1.Asn1;
  try {
    root = asn1.fromDer(forge.util.createBuffer(der.toString('binary')), true);
  } catch {
    throw new CsrError(
      'CSR_INVALID',
      'csr: the PEM block does not hold DER-encoded ASN.1 (damaged request?)',
    );
  }
  const info = child(root, 0);
  const spki = child(info, 2);
  const keyOid = oidOf(child(child(spki, 0), 0));
  if (!info || !spki || !keyOid) {
    throw new CsrError('CSR_INVALID', 'csr: the PEM block is not a PKCS#10 CertificationRequest');
  }
  if (keyOid !== pki.oids.rsaEncryption) {
    const name = KEY_ALGORITHMS[keyOid] ?? `OID ${keyOid}`;
    const curve = name === 'EC' ? oidOf(child(child(spki, 0), 1)) : null;
    throw new CsrError(
      'CSR_KEY_NOT_RSA',
      `csr: the key is ${name}${curve ? ` (${CURVES[curve] ?? curve})` : ''}; the device CA requires an RSA key ` +
        `of at least ${MIN_RSA_BITS} bits (node-forge, which issues the certificates, cannot handle EC keys)`,
    );
  }
  const sigOid = oidOf(child(child(root, 1), 0));
  const signature = child(root, 2) as (forge.asn1.Asn1 & { bitStringContents?: string }) | undefined;
  // forge decodes a BIT STRING that happens to parse as ASN.1 and keeps the raw contents beside it.
  const sigContents =
    signature?.bitStringContents ?? (typeof signature?.value === 'string' ? signature.value : null);
  if (!sigOid || !signature || signature.type !== asn1.Type.BITSTRING || !sigContents) {
    throw new CsrError('CSR_INVALID', 'csr: the PEM block is not a PKCS#10 CertificationRequest');
  }
  // The RSAPublicKey inside the SubjectPublicKeyInfo's BIT STRING: OpenSSL 3 reads it as PKCS#1 in ≈ 4 µs,
  // where decoding the whole SPKI costs ≈ 100 µs (its generic decoders), a tenth of an enrollment's CPU.
  const keyBitString = child(spki, 1) as (forge.asn1.Asn1 & { bitStringContents?: string }) | undefined;
  const rsaPublicKey =
    keyBitString?.bitStringContents ?? (typeof keyBitString?.value === 'string' ? keyBitString.value : '');
  let key: KeyObject;
  try {
    key = createPublicKey({
      key: Buffer.from(rsaPublicKey.slice(1), 'binary'),
      format: 'der',
      type: 'pkcs1',
    });
  } catch {
    throw new CsrError('CSR_INVALID', 'csr: the RSA public key in the request cannot be read');
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) {
    throw new CsrError(
      'CSR_KEY_TOO_SMALL',
      `csr: the RSA key has ${bits} bits; at least ${MIN_RSA_BITS} are required`,
    );
  }
  if (bits > MAX_RSA_BITS) {
    throw new CsrError('CSR_KEY_TOO_LARGE', `csr: the RSA key has ${bits} bits; at most ${MAX_RSA_BITS}`);
  }
  const hash = SIGNATURE_HASHES[sigOid];
  if (!hash) {
    throw new CsrError(
      'CSR_SIGNATURE_ALGORITHM',
      `csr: signed with ${WEAK_SIGNATURES[sigOid] ?? `OID ${sigOid}`}; sign it with SHA-256 (RSA PKCS#1 v1.5)`,
    );
  }
  // A BIT STRING's first octet counts unused bits (0 for a signature).
  const sigBytes = Buffer.from(sigContents.slice(1), 'binary');
  const infoDer = Buffer.from(asn1.toDer(info).getBytes(), 'binary');
  if (!verify(hash, infoDer, key, sigBytes)) {
    throw new CsrError(
      'CSR_SIGNATURE_INVALID',
      "csr: the request's signature does not verify with its own key (no proof of possession)",
    );
  }
  return {
    publicKey: pki.publicKeyFromAsn1(spki) as forge.pki.rsa.PublicKey,
    keyBits: bits,
    keyIdentifier: createHash('sha1')
      .update(Buffer.from(rsaPublicKey.slice(1), 'binary'))
      .digest('binary'),
  };
}

/** Signs on the thread pool, so the event loop keeps serving while a certificate is signed. */
export function signAsync(data: Buffer, key: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    sign('sha256', data, key, (error, signature) => (error ? reject(error) : resolve(signature))),
  );
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function derTlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

/** AlgorithmIdentifier sha256WithRSAEncryption with NULL parameters. */
const SHA256_WITH_RSA = Buffer.from('300d06092a864886f70d01010b0500', 'hex');

/** forge's TBSCertificate builder (exported by forge, missing from its type definitions). */
const getTBSCertificate = (pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 })
  .getTBSCertificate;

export interface CertificateSpec {
  serial: string;
  subject: SubjectAttributes;
  issuer: SubjectAttributes;
  publicKey: forge.pki.rsa.PublicKey;
  notBefore: Date;
  notAfter: Date;
  /** forge extension descriptors (`{ name: 'keyUsage', … }`). */
  extensions: object[];
}

export interface BuiltCertificate {
  serial: string;
  der: Buffer;
  pem: string;
  fingerprint: string;
  notBefore: Date;
  notAfter: Date;
}

/** forge builds the TBSCertificate; the signer (the CA's key, or the subject's own for a root) signs it. */
export async function buildCertificate(spec: CertificateSpec, signer: KeyObject): Promise<BuiltCertificate> {
  const cert = pki.createCertificate();
  cert.serialNumber = spec.serial;
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  cert.setSubject(spec.subject);
  cert.setIssuer(spec.issuer);
  cert.publicKey = spec.publicKey;
  cert.setExtensions(spec.extensions);
  const withSiginfo = cert as unknown as { signatureOid: string; siginfo: { algorithmOid: string } };
  withSiginfo.signatureOid = withSiginfo.siginfo.algorithmOid = pki.oids.sha256WithRSAEncryption!;
  const tbs = Buffer.from(asn1.toDer(getTBSCertificate(cert)).getBytes(), 'binary');
  const signature = await signAsync(tbs, signer);
  const der = derTlv(
    0x30,
    Buffer.concat([tbs, SHA256_WITH_RSA, derTlv(0x03, Buffer.concat([Buffer.from([0]), signature]))]),
  );
  return {
    serial: spec.serial,
    der,
    pem: toPem('CERTIFICATE', der),
    fingerprint: fingerprintOf(der),
    notBefore: spec.notBefore,
    notAfter: spec.notAfter,
  };
}

/**
 * The same certificate signed by forge's own pure-JavaScript RSA: only the benchmark uses it, to show what
 * the thread-pool signing saves.
 */
export function buildCertificateWithForge(spec: CertificateSpec, signer: forge.pki.rsa.PrivateKey): string {
  const cert = pki.createCertificate();
  cert.serialNumber = spec.serial;
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  cert.setSubject(spec.subject);
  cert.setIssuer(spec.issuer);
  cert.publicKey = spec.publicKey;
  cert.setExtensions(spec.extensions);
  cert.sign(signer, forge.md.sha256.create());
  return pki.certificateToPem(cert);
}

/** What the CA contributes to every certificate it issues. */
export interface Issuer {
  subject: SubjectAttributes;
  /** The CA's subject key identifier (raw bytes as a forge binary string), for the AKI. */
  keyIdentifier: string;
  key: KeyObject;
}

/** What the inventory says about a handset: the only source of a certificate's subject and SAN. */
export interface DeviceIdentity {
  deviceId: string;
  imei1: string;
  imei2?: string | null;
}

/** Client certificate of a handset: EKU clientAuth only, CA:false, SAN URIs of the device and its IMEIs. */
export function handsetCertificateSpec(
  issuer: Issuer,
  device: DeviceIdentity,
  publicKey: forge.pki.rsa.PublicKey,
  {
    days,
    crlUrl,
    now = new Date(),
    keyIdentifier,
  }: { days: number; crlUrl: string; now?: Date; keyIdentifier?: string },
): CertificateSpec {
  const altNames = [
    { type: 6, value: `urn:gridhub:device:${encodeURIComponent(device.deviceId)}` },
    { type: 6, value: `urn:imei:${device.imei1}` },
    ...(device.imei2 ? [{ type: 6, value: `urn:imei:${device.imei2}` }] : []),
  ];
  return {
    serial: randomSerial(),
    subject: subjectAttributes(device.deviceId),
    issuer: issuer.subject,
    publicKey,
    // A few minutes back, for handsets whose clocks run slow.
    notBefore: new Date(now.getTime() - 5 * 60_000),
    notAfter: new Date(now.getTime() + days * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', clientAuth: true },
      { name: 'subjectAltName', altNames },
      keyIdentifier
        ? {
            name: 'subjectKeyIdentifier',
            value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, keyIdentifier),
          }
        : { name: 'subjectKeyIdentifier' },
      { name: 'authorityKeyIdentifier', keyIdentifier: issuer.keyIdentifier },
      { name: 'cRLDistributionPoints', altNames: [{ type: 6, value: crlUrl }] },
    ],
  };
}

/** The handsets' endpoint's own certificate: EKU serverAuth, SAN the names and addresses it answers on. */
export function serverCertificateSpec(
  issuer: Issuer,
  hostnames: string[],
  publicKey: forge.pki.rsa.PublicKey,
  { days = 30, now = new Date() }: { days?: number; now?: Date } = {},
): CertificateSpec {
  return {
    serial: randomSerial(),
    subject: subjectAttributes(hostnames[0] ?? 'localhost'),
    issuer: issuer.subject,
    publicKey,
    notBefore: new Date(now.getTime() - 5 * 60_000),
    notAfter: new Date(now.getTime() + days * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: hostnames.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })),
      },
      { name: 'subjectKeyIdentifier' },
      { name: 'authorityKeyIdentifier', keyIdentifier: issuer.keyIdentifier },
    ],
  };
}

/** A self-signed CA certificate: CA:true critical with path length 0, keyCertSign and cRLSign. */
export function caCertificateSpec(
  commonName: string,
  publicKey: forge.pki.rsa.PublicKey,
  { years, now = new Date() }: { years: number; now?: Date },
): CertificateSpec {
  const subject = subjectAttributes(commonName);
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + years);
  return {
    serial: randomSerial(),
    subject,
    issuer: subject,
    publicKey,
    notBefore: new Date(now.getTime() - 60 * 60_000),
    notAfter,
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
      { name: 'authorityKeyIdentifier', keyIdentifier: true },
    ],
  };
}

/** forge's view of a node:crypto RSA key's public half. */
export function forgePublicKey(key: KeyObject): forge.pki.rsa.PublicKey {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return pki.publicKeyFromPem(
    publicKey.export({ type: 'spki', format: 'pem' }) as string,
  ) as forge.pki.rsa.PublicKey;
}

/** The subject key identifier forge wrote into a certificate (raw bytes as a binary string). */
export function subjectKeyIdentifierOf(certPem: string): string {
  const cert = pki.certificateFromPem(certPem);
  const ext = cert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
  return ext?.subjectKeyIdentifier
    ? forge.util.hexToBytes(ext.subjectKeyIdentifier)
    : cert.generateSubjectKeyIdentifier().getBytes();
}
