import { Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Organization } from '../organizations/organization.entity';
import { Person } from '../people/person.entity';
import { Event } from './event.entity';

/**
 * 主要当事人 / 涉及单位: a party to an event, a person or an organisation; linked to the hub's record when
 * its ID number or credit code is known.
 */
@ObjectType({ simpleResolvers: true, description: 'A party to an event (主要当事人)' })
@Entity({ tableName: 'event_party' })
@Index({ name: 'event_party_event_idx', properties: ['event'] })
@Index({ name: 'event_party_person_idx', properties: ['person'] })
@Index({ name: 'event_party_organization_idx', properties: ['organization'] })
export class EventParty {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Event, { fieldName: 'event_id', deleteRule: 'cascade' })
  event!: Event;

  @ManyToOne(() => Person, { nullable: true, fieldName: 'person_id', deleteRule: 'set null' })
  person?: Person | null;

  @ManyToOne(() => Organization, { nullable: true, fieldName: 'organization_id', deleteRule: 'set null' })
  organization?: Organization | null;

  @Property({ type: 'string', length: 18, nullable: true })
  idNumber?: string | null;

  @Property({ type: 'string', length: 50 })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Role in the event (申请人, 被申请人…)' })
  @Property({ type: 'string', length: 40, nullable: true })
  role?: string | null;

  @Field(() => String, { nullable: true, description: '人员类别 code' })
  @Property({ type: 'string', length: 4, nullable: true })
  category?: string | null;

  @Field(() => String, { nullable: true, description: '居住地 division code' })
  @Property({ type: 'string', length: 12, nullable: true })
  residenceRegionCode?: string | null;
}

/** 流程监控: one step of the handling log, with the verifier's result where there was one. */
@ObjectType({ simpleResolvers: true, description: 'One step of the handling log (流程监控)' })
@Entity({ tableName: 'event_step' })
@Index({ name: 'event_step_event_idx', properties: ['event', 'at'] })
export class EventStep {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Event, { fieldName: 'event_id', deleteRule: 'cascade' })
  event!: Event;

  @Field(() => String, { description: '处置环节' })
  @Property({ type: 'string', length: 40 })
  step!: string;

  @Field(() => String, { description: '处理单位' })
  @Property({ type: 'string', length: 200 })
  unit!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  at!: Date;

  @Field(() => String, { nullable: true, description: '处理人' })
  @Property({ type: 'string', length: 50, nullable: true })
  handler?: string | null;

  @Field(() => String, { nullable: true, description: '处理意见' })
  @Property({ type: 'text', nullable: true })
  opinion?: string | null;

  @Field(() => String, { nullable: true, description: '核查人' })
  @Property({ type: 'string', length: 50, nullable: true })
  verifier?: string | null;

  @Field(() => Boolean, { nullable: true, description: '核查结果: passed or not' })
  @Property({ type: 'boolean', nullable: true })
  verified?: boolean | null;

  @Field(() => String, { nullable: true, description: '核查意见' })
  @Property({ type: 'text', nullable: true })
  verificationOpinion?: string | null;

  // Steps written by the workflow (schema/events/workflow.ts); imported history has none of these.

  @Field(() => String, { nullable: true, description: 'The workflow operation (ACCEPT, DISPATCH…)' })
  @Property({ type: 'string', length: 30, nullable: true })
  operation?: string | null;

  @Field(() => Int, { nullable: true, description: 'The event’s step number after this operation' })
  @Property({ type: 'integer', nullable: true })
  stepSeq?: number | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 40, nullable: true })
  fromStatus?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 40, nullable: true })
  toStatus?: string | null;

  @Field(() => String, { nullable: true, description: 'The unit the event went to (dispatch, report up…)' })
  @Property({ type: 'string', length: 40, nullable: true })
  toUnit?: string | null;

  @Field(() => String, { nullable: true, description: 'The principal or handset that acted' })
  @Property({ type: 'string', length: 100, nullable: true })
  actor?: string | null;

  @Field(() => [String], { description: 'Ids of the attachments (photos) added with this step' })
  @Property({ type: 'jsonb', default: '[]' })
  attachments: Opt<string[]> = [];
}

export enum SupervisionLevel {
  NORMAL = 'normal',
  YELLOW_CARD = 'yellow_card',
  RED_CARD = 'red_card',
  CANCELLED = 'cancelled',
}

registerEnumType(SupervisionLevel, {
  name: 'SupervisionLevel',
  description: '督办: normal, yellow card, red card, cancelled',
});

/** 督办: a supervision entry by a superior unit. */
@ObjectType({ simpleResolvers: true, description: 'A supervision entry (督办)' })
@Entity({ tableName: 'event_supervision' })
@Index({ name: 'event_supervision_event_idx', properties: ['event', 'at'] })
@Index({
  name: 'event_supervision_auto_unique',
  expression:
    'create unique index "event_supervision_auto_unique" on "event_supervision" ("event_id", "deadline_at", "level") where "auto"',
})
export class EventSupervision {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Event, { fieldName: 'event_id', deleteRule: 'cascade' })
  event!: Event;

  @Field(() => SupervisionLevel)
  @Enum({ items: () => SupervisionLevel, nativeEnumName: 'supervision_level' })
  level!: SupervisionLevel;

  @Field(() => String, { description: '督办单位' })
  @Property({ type: 'string', length: 200 })
  unit!: string;

  @Field(() => String, { nullable: true, description: '督办人' })
  @Property({ type: 'string', length: 50, nullable: true })
  supervisor?: string | null;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  at!: Date;

  @Field(() => String, { nullable: true, description: '督办意见' })
  @Property({ type: 'text', nullable: true })
  opinion?: string | null;

  @Field(() => String, { nullable: true, description: 'The unit supervised (the holder at the time)' })
  @Property({ type: 'string', length: 40, nullable: true })
  targetUnit?: string | null;

  /** The event's step number when it was raised. */
  @Property({ type: 'integer', nullable: true })
  stepSeq?: number | null;

  /** The deadline an automatic supervision was raised for: with `level`, fired once only. */
  @Property({ type: 'timestamptz', nullable: true })
  deadlineAt?: Date | null;

  @Field(() => Boolean, { description: 'Raised automatically by an overdue deadline' })
  @Property({ type: 'boolean', default: false })
  auto: Opt<boolean> = false;
}
