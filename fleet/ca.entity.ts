import { Check, Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Handset } from './inventory.entity';

/**
 * The device CA's tables. The CA itself is one row: its certificate, its private key encrypted with the
 * configured passphrase (PKCS#8, never stored in clear), and the current CRL with its number.
 */
@Entity({ tableName: 'device_ca' })
@Check({ name: 'device_ca_single', expression: 'id = 1' })
export class DeviceCa {
  /** Always 1: the hub has one device CA. */
  @PrimaryKey({ type: 'smallint', autoincrement: false })
  id!: number;

  @Property({ type: 'text' })
  certPem!: string;

  /** PKCS#8 PEM encrypted with AES-256 under the passphrase (`ENCRYPTED PRIVATE KEY`). */
  @Property({ type: 'text' })
  encryptedKeyPem!: string;

  /** SHA-256 of the CA certificate's DER, hex upper-case with colons (what `openssl x509 -fingerprint` prints). */
  @Property({ type: 'string', length: 100 })
  fingerprint!: string;

  @Property({ type: 'bigint', default: 0 })
  crlNumber: Opt<string> = '0';

  @Property({ type: 'text', nullable: true })
  crlPem?: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  crlThisUpdate?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  crlNextUpdate?: Date | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();
}

export enum CertificateStatus {
  ACTIVE = 'active',
  /** Replaced by a renewal; still valid until it expires, so a handset may finish what it was doing. */
  SUPERSEDED = 'superseded',
  REVOKED = 'revoked',
}
registerEnumType(CertificateStatus, { name: 'CertificateStatus' });

/** RFC 5280 §5.3.1 reason codes (the subset the IT office uses, with their numbers). */
export enum RevocationReason {
  UNSPECIFIED = 'unspecified',
  KEY_COMPROMISE = 'keyCompromise',
  AFFILIATION_CHANGED = 'affiliationChanged',
  SUPERSEDED = 'superseded',
  CESSATION_OF_OPERATION = 'cessationOfOperation',
  CERTIFICATE_HOLD = 'certificateHold',
}
registerEnumType(RevocationReason, {
  name: 'RevocationReason',
  description:
    'RFC 5280 reason: a lost handset is keyCompromise, a retired one cessationOfOperation, a worker who left affiliationChanged',
});

/** A certificate the device CA issued to a handset. */
@ObjectType({ simpleResolvers: true, description: 'A client certificate issued to a handset' })
@Entity({ tableName: 'device_certificate' })
@Index({ name: 'device_certificate_handset_idx', properties: ['handset', 'notAfter'] })
@Index({ name: 'device_certificate_expiry_idx', properties: ['status', 'notAfter'] })
export class DeviceCertificate {
  /** Hex, lower-case, as in the certificate (with a leading 00 where the high bit is set). */
  @Field(() => ID, { description: 'Serial number, hex' })
  @PrimaryKey({ type: 'string', length: 64 })
  serial!: string;

  @ManyToOne(() => Handset, { fieldName: 'handset_id', deleteRule: 'restrict' })
  handset!: Handset;

  @Field(() => String)
  @Property({ type: 'string', length: 300 })
  subject!: string;

  /** SHA-256 of the certificate's DER, hex upper-case with colons. */
  @Field(() => String)
  @Property({ type: 'string', length: 100, unique: true })
  fingerprint!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  notBefore!: Date;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  notAfter!: Date;

  @Field(() => CertificateStatus)
  @Enum({ items: () => CertificateStatus, nativeEnumName: 'certificate_status' })
  status!: CertificateStatus;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date | null;

  @Field(() => RevocationReason, { nullable: true })
  @Enum({ items: () => RevocationReason, nativeEnumName: 'revocation_reason', nullable: true })
  revocationReason?: RevocationReason | null;

  /** The certificate this one renewed, if any. */
  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 64, nullable: true })
  renewedFrom?: string | null;

  @Property({ type: 'text' })
  pem!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  issuedAt: Opt<Date> = new Date();
}

/**
 * A one-time enrollment token bound to one handset. Only its SHA-256 is stored: the token itself is shown
 * once (in the QR payload) and cannot be read back.
 */
@ObjectType({ simpleResolvers: true, description: 'A one-time enrollment token (its secret is shown once)' })
@Entity({ tableName: 'enrollment_token' })
@Index({ name: 'enrollment_token_handset_idx', properties: ['handset', 'createdAt'] })
export class EnrollmentToken {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'string', length: 64, unique: true })
  tokenHash!: string;

  @ManyToOne(() => Handset, { fieldName: 'handset_id', deleteRule: 'restrict' })
  handset!: Handset;

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  createdBy!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  usedAt?: Date | null;

  /** The certificate issued with it. */
  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 64, nullable: true })
  usedForSerial?: string | null;
}

/**
 * Every privileged fleet action — token created, certificate issued, renewed or revoked, refused enrollment,
 * import — with who, which handset, which serial, and the details. Append-only (a trigger refuses changes).
 */
@ObjectType({ simpleResolvers: true, description: 'One audited fleet action' })
@Entity({ tableName: 'fleet_audit' })
@Index({ name: 'fleet_audit_handset_idx', properties: ['handsetId', 'at'] })
@Index({ name: 'fleet_audit_at_idx', properties: ['at'] })
export class FleetAudit {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  at: Opt<Date> = new Date();

  /** A principal's name, `handset:<deviceId>` for a handset acting over mTLS, or `system`. */
  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  actor!: string;

  @Field(() => String, {
    description:
      'token.create, enroll, enroll.refused, renew, renew.refused, revoke, crl.publish, import, assign, unassign',
  })
  @Property({ type: 'string', length: 40 })
  action!: string;

  @Field(() => ID, { nullable: true })
  @Property({ type: 'bigint', nullable: true })
  handsetId?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 64, nullable: true })
  serial?: string | null;

  /** Reason, token id, refusal rule, counts — never a token secret or key material. */
  @Property({ type: 'jsonb', default: '{}' })
  detail: Opt<Record<string, unknown>> = {};
}
