import { Entity, Index, ManyToOne, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Handset } from './inventory.entity';

/** One check-in of a handset over mutual TLS, as reported. The handset row keeps the latest values. */
@ObjectType({ simpleResolvers: true, description: 'One check-in of a handset' })
@Entity({ tableName: 'checkin' })
@Index({ name: 'checkin_handset_idx', properties: ['handset', 'at'] })
// The fee reconciliation reads a month's check-ins (which SIM each handset reported, which handsets reported
// at all) from this index alone, without visiting the table.
@Index({
  name: 'checkin_at_idx',
  expression: 'create index "checkin_at_idx" on "checkin" ("at") include ("handset_id", "iccid")',
})
export class Checkin {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Handset, { fieldName: 'handset_id', deleteRule: 'cascade' })
  handset!: Handset;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  at: Opt<Date> = new Date();

  /** The serial of the client certificate the handset presented. */
  @Field(() => String)
  @Property({ type: 'string', length: 64 })
  certSerial!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 40, nullable: true })
  appVersion?: string | null;

  @Field(() => Int, { nullable: true })
  @Property({ type: 'integer', nullable: true })
  appVersionCode?: number | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 40, nullable: true })
  osVersion?: string | null;

  @Field(() => Int, { nullable: true })
  @Property({ type: 'smallint', nullable: true })
  battery?: number | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 20, nullable: true })
  iccid?: string | null;

  /** IMEIs the handset reported, when it could read them (device-owner app). */
  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 40, nullable: true })
  imei?: string | null;

  @Property({ type: 'jsonb', nullable: true })
  location?: { lat: number; lng: number; accuracy?: number } | null;

  /** What the check-in found: SIM_MISMATCH, IMEI_CHANGED, LOST_DEVICE_SEEN… */
  @Field(() => [String])
  @Property({ type: 'jsonb', default: '[]' })
  findings: Opt<string[]> = [];
}

/** A release of the grid app. The release with the highest version code is the one handsets should run. */
@ObjectType({ simpleResolvers: true, description: 'A release of the grid app' })
@Entity({ tableName: 'app_release' })
export class AppRelease {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Field(() => String, { description: 'e.g. 3.2.1' })
  @Property({ type: 'string', length: 40 })
  version!: string;

  @Field(() => Int)
  @Property({ type: 'integer', unique: true })
  versionCode!: number;

  /** Handsets below this version code must update before they may report. */
  @Field(() => Int)
  @Property({ type: 'integer' })
  minVersionCode!: number;

  @Field(() => String, { description: 'SHA-256 of the APK, hex' })
  @Property({ type: 'string', length: 64 })
  sha256!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  notes?: string | null;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  releasedAt: Opt<Date> = new Date();

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  releasedBy!: string;
}
