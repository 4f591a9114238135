import { Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GovernedRecord } from '../common/governed';
import { Place } from '../places/place.entity';

export enum EventKind {
  INCIDENT = 'incident',
  DISPUTE = 'dispute',
  CASE = 'case',
}

/** The workflow states of domain.md §3; the workflow that moves events between them comes later. */
export enum EventStatus {
  AWAITING_ACCEPTANCE = 'awaiting_acceptance',
  IN_PROGRESS = 'in_progress',
  RESOLVED_AWAITING_VERIFICATION = 'resolved_awaiting_verification',
  VERIFICATION_FAILED = 'verification_failed',
  VERIFIED = 'verified',
  ARCHIVED = 'archived',
  CLOSED = 'closed',
}

registerEnumType(EventKind, { name: 'EventKind', description: 'Incident, dispute (矛盾纠纷) or case' });
registerEnumType(EventStatus, { name: 'EventStatus', description: '待受理 … 备案, 关闭' });

/**
 * 事: an incident, dispute or case. Disputes carry the GB/T 31000 矛盾纠纷 fields: scale, two-level type,
 * and the resolution block (time limit, method, organisation, success, evaluation).
 */
@ObjectType({ simpleResolvers: true, description: '事 — an incident, dispute or case' })
@Entity({ tableName: 'event' })
@Index({ name: 'event_region_occurred_idx', properties: ['region', 'occurredAt'] })
@Index({ name: 'event_kind_occurred_idx', properties: ['kind', 'occurredAt'] })
@Index({ name: 'event_holder_idx', properties: ['holderUnit', 'status'] })
@Index({
  name: 'event_open_deadline_idx',
  expression: `create index "event_open_deadline_idx" on "event" ("deadline_at") where "deadline_at" is not null`,
})
@Index({
  name: 'event_region_path_idx',
  expression:
    'create index "event_region_path_idx" on "event" ("region_path" text_pattern_ops, "occurred_at")',
})
export class Event extends GovernedRecord {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Field(() => String, { description: '事件编号' })
  @Property({ type: 'string', length: 40, unique: true })
  code!: string;

  @Field(() => EventKind)
  @Enum({ items: () => EventKind, nativeEnumName: 'event_kind' })
  kind!: EventKind;

  @Field(() => String, { description: '事件名称' })
  @Property({ type: 'string', length: 200 })
  title!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  occurredAt!: Date;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  reportedAt?: Date | null;

  @Field(() => String, { nullable: true, description: '发生地点' })
  @Property({ type: 'string', length: 200, nullable: true })
  location?: string | null;

  @ManyToOne(() => Place, { nullable: true, fieldName: 'place_id', deleteRule: 'set null' })
  place?: Place | null;

  @Field(() => String, {
    nullable: true,
    description: '事件规模 code: 01 个体性, 02 一般群体性, 03 重大群体性',
  })
  @Property({ type: 'string', length: 2, nullable: true })
  scale?: string | null;

  @Field(() => String, {
    nullable: true,
    description: '事件类型: second-level code of the two-level table (e.g. 0101)',
  })
  @Property({ type: 'string', length: 4, nullable: true })
  typeCode?: string | null;

  @Field(() => Int, { nullable: true, description: '涉及人数' })
  @Property({ type: 'integer', nullable: true })
  involvedCount?: number | null;

  @Field(() => String, { nullable: true, description: '事件简述' })
  @Property({ type: 'text', nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true, description: '涉及单位' })
  @Property({ type: 'string', length: 200, nullable: true })
  involvedUnits?: string | null;

  @Field(() => EventStatus)
  @Enum({
    items: () => EventStatus,
    nativeEnumName: 'event_status',
    default: EventStatus.AWAITING_ACCEPTANCE,
  })
  status: Opt<EventStatus> = EventStatus.AWAITING_ACCEPTANCE;

  @Field(() => String, { nullable: true, description: '化解时限' })
  @Property({ type: 'date', nullable: true })
  resolutionDeadline?: string | null;

  @Field(() => String, { nullable: true, description: '化解方式 code' })
  @Property({ type: 'string', length: 2, nullable: true })
  resolutionMethod?: string | null;

  @Field(() => String, { nullable: true, description: '化解组织' })
  @Property({ type: 'string', length: 200, nullable: true })
  resolvingOrganization?: string | null;

  @Field(() => String, { nullable: true, description: '化解责任人' })
  @Property({ type: 'string', length: 50, nullable: true })
  resolutionOwner?: string | null;

  @Field(() => Boolean, { nullable: true, description: '化解是否成功' })
  @Property({ type: 'boolean', nullable: true })
  resolvedSuccessfully?: boolean | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  resolvedAt?: Date | null;

  @Field(() => String, { nullable: true, description: '化解情况' })
  @Property({ type: 'text', nullable: true })
  resolutionNote?: string | null;

  @Field(() => String, { nullable: true, description: '考评日期' })
  @Property({ type: 'date', nullable: true })
  evaluatedOn?: string | null;

  @Field(() => String, { nullable: true, description: '考评意见' })
  @Property({ type: 'text', nullable: true })
  evaluation?: string | null;

  @Field(() => GraphQLJSONObject)
  @Property({ type: 'jsonb', default: '{}' })
  attributes: Opt<Record<string, unknown>> = {};

  // The workflow (schema/events/workflow.ts): who holds the current step, how it got there, its deadline.

  @Field(() => String, {
    nullable: true,
    description: 'The unit holding the current step: a region code (that level’s centre) or dept:<role>',
  })
  @Property({ type: 'string', length: 40, nullable: true })
  holderUnit?: string | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  holderSince?: Date | null;

  /** The units that passed the event on, oldest first, with how (report, report_up, dispatch): RETURN pops. */
  @Property({ type: 'jsonb', default: '[]' })
  route: Opt<Array<{ unit: string; via: string }>> = [];

  @Field(() => Int, {
    description: 'Increases with every operation; pass it back to detect a concurrent change',
  })
  @Property({ type: 'integer', default: 0 })
  stepSeq: Opt<number> = 0;

  @Field(() => Boolean)
  @Property({ type: 'boolean', default: false })
  urgent: Opt<boolean> = false;

  @Field(() => Boolean, { description: 'A hard case: the longer resolution limit applies' })
  @Property({ type: 'boolean', default: false })
  hardCase: Opt<boolean> = false;

  @Field(() => Date, { nullable: true, description: 'When the current step is due' })
  @Property({ type: 'timestamptz', nullable: true })
  deadlineAt?: Date | null;

  @Field(() => String, { nullable: true, description: 'accept, resolve or verify' })
  @Property({ type: 'string', length: 10, nullable: true })
  deadlineKind?: string | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  acceptedAt?: Date | null;

  /** The unit that resolved the event; a failed verification sends it back there. */
  @Property({ type: 'string', length: 40, nullable: true })
  resolvedByUnit?: string | null;

  @Field(() => String, { nullable: true, description: 'Who reported it: a worker code or a principal' })
  @Property({ type: 'string', length: 100, nullable: true })
  reportedBy?: string | null;

  /** handset:<id>:<client id> of a handset's report, so that a retried report creates no second event. */
  @Property({ type: 'string', length: 120, nullable: true, unique: true })
  clientKey?: string | null;

  @Field(() => Number, { nullable: true })
  @Property({ type: 'decimal', precision: 9, scale: 6, nullable: true })
  latitude?: string | null;

  @Field(() => Number, { nullable: true })
  @Property({ type: 'decimal', precision: 9, scale: 6, nullable: true })
  longitude?: string | null;
}
