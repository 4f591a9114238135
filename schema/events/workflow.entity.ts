import { Entity, Index, ManyToOne, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Event } from './event.entity';

/**
 * What the events workflow keeps beside the event and its step log: photos and other attachments, extension
 * requests and their decisions, copies to departments (抄告), the time limits per level and type, and the
 * notifications units receive (a dispatch, an overdue step below them).
 */

/** A photo (or other file) attached to an event, stored with its checksum; served only to who may see the event. */
@ObjectType({ simpleResolvers: true, description: 'A file attached to an event (a photo from a handset…)' })
@Entity({ tableName: 'event_attachment' })
@Unique({ name: 'event_attachment_event_sha_unique', properties: ['event', 'sha256'] })
export class EventAttachment {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Event, { fieldName: 'event_id', deleteRule: 'cascade' })
  event!: Event;

  @Field(() => String, { description: 'SHA-256 of the content, hex' })
  @Property({ type: 'string', length: 64 })
  sha256!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 60 })
  contentType!: string;

  @Field(() => Int)
  @Property({ type: 'integer' })
  size!: number;

  /** Kept out of ORM loads: read by the download route only. */
  @Property({ type: 'blob', lazy: true })
  content!: Buffer;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 200, nullable: true })
  fileName?: string | null;

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  uploadedBy!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();
}

/** 延时申请: the holder asks its superior for more days; the superior approves or rejects. */
@ObjectType({ simpleResolvers: true, description: 'An extension request (延时申请) and its decision' })
@Entity({ tableName: 'event_extension' })
@Index({ name: 'event_extension_event_idx', properties: ['event'] })
export class EventExtension {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Event, { fieldName: 'event_id', deleteRule: 'cascade' })
  event!: Event;

  @Field(() => Int)
  @Property({ type: 'integer' })
  days!: number;

  @Field(() => String)
  @Property({ type: 'text' })
  reason!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 40 })
  requestedByUnit!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  requestedBy!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  requestedAt: Opt<Date> = new Date();

  @Field(() => String, { description: 'pending, approved or rejected' })
  @Property({ type: 'string', length: 10, default: 'pending' })
  status: Opt<string> = 'pending';

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 40, nullable: true })
  decidedByUnit?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 100, nullable: true })
  decidedBy?: string | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  decidedAt?: Date | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  note?: string | null;
}

/** 抄告: a department copied on a report; it can read the event but does not hold it. */
@Entity({ tableName: 'event_copy' })
@Unique({ name: 'event_copy_unique', properties: ['event', 'unit'] })
@Index({ name: 'event_copy_unit_idx', properties: ['unit'] })
export class EventCopy {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Event, { fieldName: 'event_id', deleteRule: 'cascade' })
  event!: Event;

  @Property({ type: 'string', length: 40 })
  unit!: string;

  @Property({ type: 'string', length: 100 })
  copiedBy!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  at: Opt<Date> = new Date();
}

/**
 * Time limits per level of the holding unit (grid, village, township, county, department, or * for any) and
 * event type (a first- or second-level type code prefix, or '' for any); the most specific row wins. No
 * national rule exists; the seeded default is one county's: accept within a day, resolve within 3 days (7 for
 * a hard case), 15 at most with approved extensions; a red card one day after the yellow.
 */
@Entity({ tableName: 'event_time_limit' })
@Unique({ name: 'event_time_limit_unique', properties: ['level', 'typePrefix'] })
export class EventTimeLimit {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'string', length: 20, default: '*' })
  level: Opt<string> = '*';

  @Property({ type: 'string', length: 4, default: '' })
  typePrefix: Opt<string> = '';

  @Property({ columnType: 'interval', type: 'string' })
  acceptWithin!: string;

  @Property({ columnType: 'interval', type: 'string' })
  resolveWithin!: string;

  @Property({ columnType: 'interval', type: 'string' })
  hardResolveWithin!: string;

  @Property({ columnType: 'interval', type: 'string' })
  maxWithin!: string;

  @Property({ columnType: 'interval', type: 'string' })
  redAfter!: string;
}

/** Something a unit should know: a dispatch it received, a copy, a step below it that went overdue. */
@ObjectType({ simpleResolvers: true, description: 'A notification to a unit' })
@Entity({ tableName: 'event_notification' })
@Index({ name: 'event_notification_unit_idx', properties: ['unit', 'at'] })
export class EventNotification {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 40 })
  unit!: string;

  @ManyToOne(() => Event, { fieldName: 'event_id', deleteRule: 'cascade' })
  event!: Event;

  @Field(() => String, { description: 'dispatch, report, copy, overdue_yellow, overdue_red, extension' })
  @Property({ type: 'string', length: 20 })
  kind!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  message!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  at: Opt<Date> = new Date();

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  readAt?: Date | null;
}
