import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Event, EventKind, EventStatus } from '../../schema/events/event.entity';
import { EventStep, EventSupervision } from '../../schema/events/event-detail.entity';
import { EventOperation } from '../../schema/events/workflow';
import { EventAttachment, EventExtension } from '../../schema/events/workflow.entity';
import { ConnectionType } from '../connection';

/**
 * The GraphQL shapes of the events workflow API (event-workflow.resolver.ts) that are not entities: the
 * queues, an event's history with what the caller may do next, an operation's outcome, notifications and
 * the live notices of the subscription.
 */

export enum EventQueueKind {
  TO_ACCEPT = 'to_accept',
  IN_PROGRESS = 'in_progress',
  TO_VERIFY = 'to_verify',
  OVERDUE = 'overdue',
}
registerEnumType(EventQueueKind, {
  name: 'EventQueueKind',
  description: 'A work list of the caller’s units',
  valuesConfig: {
    TO_ACCEPT: { description: '待受理: awaiting acceptance by one of your units' },
    IN_PROGRESS: { description: '办理中: in progress, or back after a failed verification' },
    TO_VERIFY: { description: '待核查: resolved, awaiting your verification' },
    OVERDUE: { description: '超时: open past its deadline, held by your units or by units below them' },
  },
});

/**
 * An event as the workflow shows it to the units working on it. Not the partner API's governed `Event`
 * (whose rows and fields follow read policies a department may not have for events): who sees it is the
 * workflow's own rule (schema/events/workflow-queries.ts canSeeEvent), and it carries no parties' personal
 * data, which stays behind the read policies and the read audit.
 */
@ObjectType({ simpleResolvers: true, description: 'An event as the units working on it see it' })
export class WorkflowEvent {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: '事件编号' }) code!: string;
  @Field(() => EventKind) kind!: EventKind;
  @Field(() => String) title!: string;
  @Field(() => String, { nullable: true, description: 'Two-level type code (0101…)' }) typeCode!:
    | string
    | null;
  @Field(() => String, { nullable: true, description: 'Scale code (01 个体性…)' }) scale!: string | null;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => String, { nullable: true }) location!: string | null;
  @Field(() => String, { description: 'The region (grid) the event belongs to' }) regionCode!: string;
  @Field(() => Float, { nullable: true }) latitude!: number | null;
  @Field(() => Float, { nullable: true }) longitude!: number | null;
  @Field(() => Date) occurredAt!: Date;
  @Field(() => Date, { nullable: true }) reportedAt!: Date | null;
  @Field(() => String, { nullable: true }) reportedBy!: string | null;
  @Field(() => EventStatus) status!: EventStatus;
  @Field(() => String, { nullable: true }) holderUnit!: string | null;
  @Field(() => Date, { nullable: true }) holderSince!: Date | null;
  @Field(() => Int, { description: 'Pass it back as expectedStep' }) stepSeq!: number;
  @Field(() => Boolean) urgent!: boolean;
  @Field(() => Boolean) hardCase!: boolean;
  @Field(() => Date, { nullable: true }) deadlineAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'accept, resolve or verify' }) deadlineKind!:
    | string
    | null;
  @Field(() => Date, { nullable: true }) acceptedAt!: Date | null;
  @Field(() => Date, { nullable: true }) resolvedAt!: Date | null;
  @Field(() => Boolean, { nullable: true }) resolvedSuccessfully!: boolean | null;
  @Field(() => String, { nullable: true, description: '化解方式 code' }) resolutionMethod!: string | null;
}

/** The workflow's view of an event entity. */
export function workflowEvent(e: Event): WorkflowEvent {
  const num = (v: string | number | null | undefined) => (v == null ? null : Number(v));
  return {
    id: String(e.id),
    code: e.code,
    kind: e.kind,
    title: e.title,
    typeCode: e.typeCode ?? null,
    scale: e.scale ?? null,
    description: e.description ?? null,
    location: e.location ?? null,
    regionCode: typeof e.region === 'object' ? e.region.code : String(e.region),
    latitude: num(e.latitude),
    longitude: num(e.longitude),
    occurredAt: e.occurredAt,
    reportedAt: e.reportedAt ?? null,
    reportedBy: e.reportedBy ?? null,
    status: e.status,
    holderUnit: e.holderUnit ?? null,
    holderSince: e.holderSince ?? null,
    stepSeq: e.stepSeq,
    urgent: e.urgent,
    hardCase: e.hardCase,
    deadlineAt: e.deadlineAt ?? null,
    deadlineKind: e.deadlineKind ?? null,
    acceptedAt: e.acceptedAt ?? null,
    resolvedAt: e.resolvedAt ?? null,
    resolvedSuccessfully: e.resolvedSuccessfully ?? null,
    resolutionMethod: e.resolutionMethod ?? null,
  };
}

export const WorkflowEventConnection = ConnectionType(WorkflowEvent, 'WorkflowEvent');

@ObjectType({ simpleResolvers: true, description: '抄告: a department copied on an event' })
export class EventCopyItem {
  @Field(() => String, { description: 'dept:<role>' }) unit!: string;
  @Field(() => String) copiedBy!: string;
  @Field(() => Date) at!: Date;
}

@ObjectType({
  simpleResolvers: true,
  description: 'An event’s whole workflow history, as the caller may see it',
})
export class EventHistory {
  @Field(() => WorkflowEvent) event!: WorkflowEvent;
  @Field(() => [EventStep], { description: 'Every operation, oldest first' }) steps!: EventStep[];
  @Field(() => [EventSupervision], { description: '督办 entries, oldest first' })
  supervisions!: EventSupervision[];
  @Field(() => [EventExtension], { description: '延时申请 and their decisions' })
  extensions!: EventExtension[];
  @Field(() => [EventAttachment], { description: 'Photos and files; download them from their url' })
  attachments!: EventAttachment[];
  @Field(() => [EventCopyItem]) copies!: EventCopyItem[];
  @Field(() => [EventOperation], {
    description: 'What the caller may do now (empty when it neither holds the event nor is above its holder)',
  })
  allowedOperations!: EventOperation[];
}

@ObjectType({ simpleResolvers: true, description: 'Where an event stands after an operation' })
export class EventOperationResult {
  @Field(() => ID) eventId!: string;
  @Field(() => String, { description: '事件编号' }) code!: string;
  @Field(() => String, { description: 'The operation applied (REPORT for a new report)' }) operation!: string;
  @Field(() => EventStatus) status!: EventStatus;
  @Field(() => String, { nullable: true }) holderUnit!: string | null;
  @Field(() => Int, { description: 'Pass it as expectedStep to the next operation' }) stepSeq!: number;
  @Field(() => Date, { nullable: true, description: 'The new deadline, when this operation set one' })
  deadlineAt!: Date | null;
  @Field(() => Boolean, { description: 'false when a report with the same clientKey existed already' })
  created!: boolean;
}

@ObjectType({ simpleResolvers: true, description: 'A notification to one of the caller’s units' })
export class EventNotificationItem {
  @Field(() => ID) id!: string;
  @Field(() => String) unit!: string;
  @Field(() => String, {
    description:
      'dispatch, report, copy, verify, return, verification_failed, extension, supervision, overdue_yellow, overdue_red',
  })
  kind!: string;
  @Field(() => ID) eventId!: string;
  @Field(() => String) eventCode!: string;
  @Field(() => String) message!: string;
  @Field(() => Date) at!: Date;
  @Field(() => Date, { nullable: true }) readAt!: Date | null;
}

@ObjectType({ simpleResolvers: true, description: 'A live notice pushed to a unit as it happens' })
export class EventLiveNotice {
  @Field(() => String, { description: 'The receiving unit (one of yours)' }) unit!: string;
  @Field(() => String, {
    description: 'dispatch, report, copy, verify, return, overdue_yellow or overdue_red',
  })
  kind!: string;
  @Field(() => ID) eventId!: string;
  @Field(() => String) eventCode!: string;
  @Field(() => String) message!: string;
}

@InputType({ description: 'A party to a reported event' })
export class ReportPartyInput {
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true, description: 'Citizen ID number, checked' }) idNumber?:
    | string
    | null;
  @Field(() => String, { nullable: true }) role?: string | null;
}

@InputType({ description: 'An event reported by a centre’s operator from the caller’s own region unit' })
export class ReportEventInput {
  @Field(() => String, { description: '事件名称, at most 200 characters' }) title!: string;
  @Field(() => EventKind, { nullable: true, description: 'Default incident' }) kind?: EventKind | null;
  @Field(() => String, { nullable: true, description: 'Event type code (0101) or name' })
  typeCode?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => String, { nullable: true, description: 'A place’s code' }) placeCode?: string | null;
  @Field(() => Float, { nullable: true }) latitude?: number | null;
  @Field(() => Float, { nullable: true }) longitude?: number | null;
  @Field(() => Date, { nullable: true }) occurredAt?: Date | null;
  @Field(() => [ReportPartyInput], { nullable: true }) parties?: ReportPartyInput[] | null;
  @Field(() => String, {
    nullable: true,
    description:
      'The receiving unit; default the superior of your unit (your own unit for the county centre)',
  })
  toUnit?: string | null;
  @Field(() => [String], { nullable: true, description: 'Departments to copy (dept:<role>)' })
  copyTo?: string[] | null;
  @Field(() => String, { nullable: true, description: 'A retry with the same key creates no second event' })
  clientKey?: string | null;
}
