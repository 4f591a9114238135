import { Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

/**
 * The IT office's inventory: grid workers, handsets, SIM cards and which handset and SIM each worker held
 * when. Status changes of handsets and SIMs are kept in `fleet_change`, one row per change, so a handset's
 * whole history (and a SIM's as of any billing month) can be read back.
 */

export enum WorkerKind {
  FULL_TIME = 'full_time',
  AUXILIARY = 'auxiliary',
  PART_TIME = 'part_time',
}
registerEnumType(WorkerKind, {
  name: 'WorkerKind',
  description: '专职 full-time, 辅助 auxiliary, or 兼职 part-time grid worker',
});

export enum WorkerStatus {
  ACTIVE = 'active',
  LEFT = 'left',
}
registerEnumType(WorkerStatus, { name: 'WorkerStatus' });

export enum HandsetStatus {
  IN_STOCK = 'in_stock',
  ASSIGNED = 'assigned',
  ACTIVE = 'active',
  LOST = 'lost',
  UNDER_REPAIR = 'under_repair',
  RETIRED = 'retired',
}
registerEnumType(HandsetStatus, {
  name: 'HandsetStatus',
  description: 'assigned: handed to a worker, not yet enrolled; active: enrolled with a valid certificate',
});

export enum SimStatus {
  STOCK = 'stock',
  ACTIVE = 'active',
  SUSPENDED = 'suspended',
  CANCELLED = 'cancelled',
}
registerEnumType(SimStatus, { name: 'SimStatus' });

/** A grid worker who may hold a handset: a person of the six-category database, serving one grid. */
@ObjectType({ simpleResolvers: true, description: 'A grid worker (网格员) who may hold a handset' })
@Entity({ tableName: 'fleet_worker' })
@Index({ name: 'fleet_worker_grid_idx', properties: ['gridCode', 'id'] })
export class Worker {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  /** 工号: the worker number the IT office's spreadsheets use. */
  @Field(() => String, { description: '工号, the worker number in the IT office’s sheets' })
  @Property({ type: 'string', length: 40, unique: true })
  code!: string;

  /** The person record (by ID number at import); null when the person is not (yet) in the database. */
  @Property({ type: 'bigint', nullable: true, index: 'fleet_worker_person_idx' })
  personId?: string | null;

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  name!: string;

  /** Normalised mobile number (the worker's own, not the SIM's). */
  @Property({ type: 'string', length: 20, nullable: true })
  phone?: string | null;

  /** The grid served; also the worker's owning region for scoping. */
  @Field(() => String)
  @Property({ type: 'string', length: 20 })
  gridCode!: string;

  @Field(() => WorkerKind)
  @Enum({ items: () => WorkerKind, nativeEnumName: 'worker_kind' })
  kind!: WorkerKind;

  @Field(() => WorkerStatus)
  @Enum({ items: () => WorkerStatus, nativeEnumName: 'worker_status', default: WorkerStatus.ACTIVE })
  status: Opt<WorkerStatus> = WorkerStatus.ACTIVE;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt: Opt<Date> = new Date();
}

/** A government handset: its identity, its status, and what its last check-in reported. */
@ObjectType({ simpleResolvers: true, description: 'A government handset' })
@Entity({ tableName: 'handset' })
@Index({ name: 'handset_status_idx', properties: ['status', 'id'] })
@Index({ name: 'handset_last_seen_idx', properties: ['lastSeenAt'] })
export class Handset {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  /** The asset tag (资产编号); the certificate's subject CN. */
  @Field(() => String, { description: 'Asset tag (资产编号); the certificate subject CN' })
  @Property({ type: 'string', length: 40, unique: true })
  deviceId!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 15, unique: true })
  imei1!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 15, nullable: true, unique: true })
  imei2?: string | null;

  /** When a check-in last reported IMEIs other than the inventory's (a swapped board or a cloned device). */
  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  imeiChangedAt?: Date | null;

  /** The IMEIs that check-in reported, when they differ from the inventory's. */
  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 40, nullable: true })
  reportedImei?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 60, nullable: true })
  serial?: string | null;

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  model!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 40, nullable: true })
  osVersion?: string | null;

  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' })
  @Property({ type: 'date', nullable: true })
  purchaseDate?: string | null;

  @Field(() => HandsetStatus)
  @Enum({ items: () => HandsetStatus, nativeEnumName: 'handset_status' })
  status!: HandsetStatus;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  enrolledAt?: Date | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  lastSeenAt?: Date | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 40, nullable: true })
  appVersion?: string | null;

  @Field(() => Int, { nullable: true })
  @Property({ type: 'integer', nullable: true })
  appVersionCode?: number | null;

  @Field(() => Int, { nullable: true, description: 'Battery level at the last check-in, %' })
  @Property({ type: 'smallint', nullable: true })
  battery?: number | null;

  /** The ICCID in the SIM slot at the last check-in. */
  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 20, nullable: true })
  iccidSeen?: string | null;

  /** { lat, lng, accuracy } at the last check-in, when the worker allowed it. */
  @Property({ type: 'jsonb', nullable: true })
  location?: { lat: number; lng: number; accuracy?: number } | null;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt: Opt<Date> = new Date();
}

/** A SIM card and its plan. Fees are kept in fen (分) so that sums are exact. */
@ObjectType({ simpleResolvers: true, description: 'A SIM card' })
@Entity({ tableName: 'sim_card' })
@Index({ name: 'sim_card_status_idx', properties: ['status', 'id'] })
export class SimCard {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 20, unique: true })
  iccid!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 20, nullable: true, unique: true })
  msisdn?: string | null;

  @Field(() => String, { description: 'cmcc, cucc or ctcc' })
  @Property({ type: 'string', length: 10 })
  carrier!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  plan!: string;

  @Field(() => Int, { description: 'Monthly plan fee in fen (分)' })
  @Property({ type: 'integer' })
  monthlyFeeFen!: number;

  @Field(() => SimStatus)
  @Enum({ items: () => SimStatus, nativeEnumName: 'sim_status' })
  status!: SimStatus;

  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' })
  @Property({ type: 'date', nullable: true })
  activatedOn?: string | null;

  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' })
  @Property({ type: 'date', nullable: true })
  suspendedOn?: string | null;

  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' })
  @Property({ type: 'date', nullable: true })
  cancelledOn?: string | null;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt: Opt<Date> = new Date();
}

/**
 * Who held which handset and SIM, from when until when. At most one open assignment per handset, per SIM
 * and per worker (partial unique indexes); the fee reconciliation reads them as of a billing month.
 */
@ObjectType({ simpleResolvers: true, description: 'A handset (and SIM) held by a worker over a period' })
@Entity({ tableName: 'assignment' })
@Index({ name: 'assignment_worker_idx', properties: ['worker', 'since'] })
@Index({ name: 'assignment_sim_idx', properties: ['sim', 'since'] })
@Index({ name: 'assignment_handset_idx', properties: ['handset', 'since'] })
@Index({
  name: 'assignment_open_handset_idx',
  expression:
    'create unique index "assignment_open_handset_idx" on "assignment" ("handset_id") where "until" is null',
})
@Index({
  name: 'assignment_open_sim_idx',
  expression:
    'create unique index "assignment_open_sim_idx" on "assignment" ("sim_id") where "until" is null',
})
@Index({
  name: 'assignment_open_worker_idx',
  expression:
    'create unique index "assignment_open_worker_idx" on "assignment" ("worker_id") where "until" is null',
})
export class Assignment {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Handset, { fieldName: 'handset_id', deleteRule: 'restrict' })
  handset!: Handset;

  @ManyToOne(() => SimCard, { fieldName: 'sim_id', nullable: true, deleteRule: 'restrict' })
  sim?: SimCard | null;

  @ManyToOne(() => Worker, { fieldName: 'worker_id', deleteRule: 'restrict' })
  worker!: Worker;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  since!: Date;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  until?: Date | null;

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  assignedBy!: string;
}

/**
 * One change to a handset, SIM or worker: the fields that changed with their old and new values, who made
 * it and why. Append-only (a trigger refuses updates and deletes).
 */
@ObjectType({ simpleResolvers: true, description: 'One change to a handset, SIM card or worker' })
@Entity({ tableName: 'fleet_change' })
@Index({ name: 'fleet_change_subject_idx', properties: ['subject', 'subjectId', 'at'] })
export class FleetChange {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Field(() => String, { description: 'handset, sim or worker' })
  @Property({ type: 'string', length: 10 })
  subject!: string;

  @Field(() => ID)
  @Property({ type: 'bigint' })
  subjectId!: string;

  /** { field: [old, new] } for each field that changed (status, imei1, msisdn, plan…). */
  @Property({ type: 'jsonb' })
  changes!: Record<string, [unknown, unknown]>;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 500, nullable: true })
  reason?: string | null;

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  actor!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  at: Opt<Date> = new Date();
}
