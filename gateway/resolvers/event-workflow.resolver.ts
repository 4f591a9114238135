import {
  Arg,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import { withConnection } from '../../schema/db/tx';
import { SupervisionLevel } from '../../schema/events/event-detail.entity';
import { countyUnit } from '../../schema/events/units';
import { EventOperation } from '../../schema/events/workflow';
import { EventAttachment } from '../../schema/events/workflow.entity';
import {
  act,
  type Notice,
  type OperationInput,
  type OperationResult,
  reportEvent,
} from '../../schema/events/workflow.service';
import {
  eventHistory,
  eventNotifications,
  eventQueue,
  markNotificationsRead,
} from '../../schema/events/workflow-queries';
import { DomainError } from '../../schema/runtime/errors';
import { errorMessage } from '../../schema/runtime/retry';
import { scheduleDeadline } from '../../workers/queues';
import { type Connection, requestPage, toConnection } from '../connection';
import type { GatewayContext } from '../context';
import {
  EventHistory,
  EventLiveNotice,
  EventNotificationItem,
  EventOperationResult,
  EventQueueKind,
  ReportEventInput,
  WorkflowEvent,
  WorkflowEventConnection,
  workflowEvent,
} from './event-workflow-types';

/**
 * The departments' and centres' side of the events workflow (issue 8 item 4): their queues, an event's
 * history, one mutation per operation, notifications, and the live notices over WebSocket. Thin: the rules
 * are schema/events/workflow.ts, applied by workflow.service.ts; this file only adds what must follow a
 * commit — the deadline's delayed job and the live notices — which belong to the process that owns Redis.
 */

/** The notice kinds the subscription pushes: new work arriving at a unit, or trouble below it. */
export const LIVE_KINDS = new Set([
  'dispatch',
  'report',
  'copy',
  'verify',
  'return',
  'overdue_yellow',
  'overdue_red',
]);

/** After commit: the deadline's delayed job and the live notices. Neither may undo the committed operation. */
async function afterCommit(ctx: GatewayContext, result: OperationResult): Promise<void> {
  if (result.deadline) {
    try {
      await scheduleDeadline(ctx.queues, result.deadline);
    } catch (error) {
      // The deadline sweep (every minute) fires any overdue deadline whose job is missing.
      ctx.logger.warn(
        { err: errorMessage(error), eventId: result.eventId },
        'event deadline not scheduled; the sweep will fire it',
      );
    }
  }
  await ctx.noticePublisher?.publish(result.notices);
}

function outcome(result: OperationResult & { created?: boolean }): EventOperationResult {
  return {
    eventId: result.eventId,
    code: result.code,
    operation: result.op,
    status: result.status,
    holderUnit: result.holderUnit,
    stepSeq: result.stepSeq,
    deadlineAt: result.deadline ? new Date(result.deadline.at) : null,
    created: result.created ?? false,
  };
}

async function apply(
  ctx: GatewayContext,
  id: string,
  op: EventOperation,
  common: { expectedStep: number | null | undefined; comment: string | null | undefined },
  args: Omit<OperationInput, 'op' | 'expectedStep' | 'comment'> = {},
): Promise<EventOperationResult> {
  const result = await act(ctx.em, ctx.access.workflowActor(), id, {
    op,
    expectedStep: common.expectedStep,
    comment: common.comment,
    ...args,
  });
  await afterCommit(ctx, result);
  return outcome(result);
}

const ExpectedStep = () =>
  Arg('expectedStep', () => Int, {
    nullable: true,
    description: 'The stepSeq you saw; if the event moved on since, the operation fails with CONFLICT',
  });
const Comment = () => Arg('comment', () => String, { nullable: true });
const EventId = () => Arg('id', () => ID);

@Resolver()
export class EventWorkflowResolver {
  @Query(() => WorkflowEventConnection, { description: 'A work list of your units, in id order' })
  async eventQueue(
    @Arg('queue', () => EventQueueKind) queue: EventQueueKind,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connection<WorkflowEvent>> {
    const page = requestPage(ctx.notices, 'eventQueue', first, after, ctx.access.policy.rowCap);
    const events = await eventQueue(ctx.em, ctx.access.workflowActor(), queue, page);
    return toConnection({ ...events, nodes: events.nodes.map(workflowEvent) });
  }

  @Query(() => EventHistory, {
    description: 'An event’s whole history and what you may do now; EVENT_NOT_FOUND if you may not see it',
  })
  async eventHistory(@EventId() id: string, @Ctx() ctx: GatewayContext): Promise<EventHistory> {
    const history = await eventHistory(ctx.em, ctx.access.workflowActor(), id);
    return { ...history, event: workflowEvent(history.event) };
  }

  @Query(() => [EventNotificationItem], { description: 'Your units’ latest notifications, newest first' })
  eventNotifications(
    @Arg('unreadOnly', () => Boolean, { defaultValue: false }) unreadOnly: boolean,
    @Ctx() ctx: GatewayContext,
  ): Promise<EventNotificationItem[]> {
    return eventNotifications(ctx.em, ctx.access.workflowActor(), unreadOnly);
  }

  @Mutation(() => Int, { description: 'Marks your units’ notifications read; returns how many changed' })
  markEventNotificationsRead(
    @Arg('ids', () => [ID]) ids: string[],
    @Ctx() ctx: GatewayContext,
  ): Promise<number> {
    return markNotificationsRead(ctx.em, ctx.access.workflowActor(), ids);
  }

  @Mutation(() => EventOperationResult, {
    description:
      'Reports an event from your own region unit (a centre’s operator), to its superior by default',
  })
  async reportEvent(
    @Arg('input', () => ReportEventInput) input: ReportEventInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<EventOperationResult> {
    const fromUnit = ctx.access.caller?.unitCode;
    if (!fromUnit) {
      throw new DomainError(
        'NO_UNIT',
        `${ctx.access.principal} has no region unit to report from; an administrator sets the principal's unit`,
        { field: 'unitCode', rule: 'REQUIRED' },
      );
    }
    const actor = ctx.access.workflowActor();
    const result = await reportEvent(ctx.em, actor, {
      ...input,
      kind: input.kind ?? undefined,
      parties: input.parties ?? [],
      copyTo: input.copyTo ?? [],
      fromUnit,
      // Namespaced by principal: one operator's retry must not collide with another's or a handset's key.
      clientKey: input.clientKey ? `principal:${actor.name}:${input.clientKey}`.slice(0, 120) : null,
    });
    await afterCommit(ctx, result);
    return outcome(result);
  }

  @Mutation(() => EventOperationResult, { description: '受理' })
  acceptEvent(
    @EventId() id: string,
    @ExpectedStep() expectedStep: number | null,
    @Comment() comment: string | null,
    @Arg('hardCase', () => Boolean, { nullable: true, description: 'A hard case: the longer limit' })
    hardCase: boolean | null,
    @Ctx() ctx: GatewayContext,
  ) {
    return apply(ctx, id, EventOperation.ACCEPT, { expectedStep, comment }, { hardCase });
  }

  @Mutation(() => EventOperationResult, {
    description: '上报 to your superior, optionally copying departments',
  })
  reportEventUp(
    @EventId() id: string,
    @ExpectedStep() expectedStep: number | null,
    @Comment() comment: string | null,
    @Arg('copyTo', () => [String], { nullable: true }) copyTo: string[] | null,
    @Ctx() ctx: GatewayContext,
  ) {
    return apply(ctx, id, EventOperation.REPORT_UP, { expectedStep, comment }, { copyTo });
  }

  @Mutation(() => EventOperationResult, { description: '交办/派单 to a unit below you or a department' })
  dispatchEvent(
    @EventId() id: string,
    @ExpectedStep() expectedStep: number | null,
    @Comment() comment: string | null,
    @Arg('toUnit', () => String, { description: 'A region code below you, or dept:<role>' }) toUnit: string,
    @Ctx() ctx: GatewayContext,
  ) {
    return apply(ctx, id, EventOperation.DISPATCH, { expectedStep, comment }, { toUnit });
  }

  @Mutation(() => EventOperationResult, { description: '办理: a comment while handling' })
  handleEvent(
    @EventId() id: string,
    @ExpectedStep() expectedStep: number | null,
    @Comment() comment: string | null,
    @Arg('attachmentIds', () => [ID], { nullable: true }) attachmentIds: string[] | null,
    @Ctx() ctx: GatewayContext,
  ) {
    return apply(ctx, id, EventOperation.HANDLE, { expectedStep, comment }, { attachmentIds });
  }

  @Mutation(() => EventOperationResult, { description: '办结; a dispute needs successful' })
  resolveEvent(
    @EventId() id: string,
    @ExpectedStep() expectedStep: number | null,
    @Comment() comment: string | null,
    @Arg('successful', () => Boolean, { nullable: true }) successful: boolean | null,
    @Arg('method', () => String, { nullable: true, description: '化解方式 code' }) method: string | null,
    @Ctx() ctx: GatewayContext,
  ) {
    return apply(
      ctx,
      id,
      EventOperation.RESOLVE,
      { expectedStep, comment },
      { resolution: { successful, method } },
    );
  }

  @Mutation(() => EventOperationResult, {
    description: '核查: passed → verified; failed → back to the resolver',
  })
  verifyEvent(
    @EventId() id: string,
    @ExpectedStep() expectedStep: number | null,
    @Comment() comment: string | null,
    @Arg('passed', () => Boolean) passed: boolean,
    @Ctx() ctx: GatewayContext,
  ) {
    return apply(ctx, id, EventOperation.VERIFY, { expectedStep, comment }, { passed });
  }

  @Mutation(() => EventOperationResult, { description: '归档 a verified event' })
  archiveEvent(
    @EventId() id: string,
    @ExpectedStep() expectedStep: number | null,
    @Comment() comment: string | null,
    @Ctx() ctx: GatewayContext,
  ) {
    return apply(ctx, id, EventOperation.ARCHIVE, { expectedStep, comment });
  }

  @Mutation(() => EventOperationResult, {
    description: '回退 to the unit that passed it on; comment required',
  })
  returnEvent(
    @EventId() id: string,
    @ExpectedStep() expectedStep: number | null,
    @Comment() comment: string | null,
    @Ctx() ctx: GatewayContext,
  ) {
    return apply(ctx, id, EventOperation.RETURN, { expectedStep, comment });
  }

  @Mutation(() => EventOperationResult, { description: '关闭 without resolution; comment required' })
  abortEvent(
    @EventId() id: string,
    @ExpectedStep() expectedStep: number | null,
    @Comment() comment: string | null,
    @Ctx() ctx: GatewayContext,
  ) {
    return apply(ctx, id, EventOperation.ABORT, { expectedStep, comment });
  }

  @Mutation(() => EventOperationResult, { description: '加急: set or clear the urgent flag' })
  setEventUrgent(
    @EventId() id: string,
    @ExpectedStep() expectedStep: number | null,
    @Comment() comment: string | null,
    @Arg('urgent', () => Boolean) urgent: boolean,
    @Ctx() ctx: GatewayContext,
  ) {
    return apply(ctx, id, EventOperation.SET_URGENT, { expectedStep, comment }, { urgent });
  }

  @Mutation(() => EventOperationResult, {
    description: '延时申请 to your superior; comment (the reason) required',
  })
  requestEventExtension(
    @EventId() id: string,
    @ExpectedStep() expectedStep: number | null,
    @Comment() comment: string | null,
    @Arg('days', () => Int, { description: '1 to 15' }) days: number,
    @Ctx() ctx: GatewayContext,
  ) {
    return apply(ctx, id, EventOperation.REQUEST_EXTENSION, { expectedStep, comment }, { days });
  }

  @Mutation(() => EventOperationResult, { description: 'Approves or rejects the pending extension request' })
  decideEventExtension(
    @EventId() id: string,
    @ExpectedStep() expectedStep: number | null,
    @Comment() comment: string | null,
    @Arg('approve', () => Boolean) approve: boolean,
    @Ctx() ctx: GatewayContext,
  ) {
    return apply(ctx, id, EventOperation.DECIDE_EXTENSION, { expectedStep, comment }, { approve });
  }

  @Mutation(() => EventOperationResult, { description: '督办 the holder below you' })
  superviseEvent(
    @EventId() id: string,
    @ExpectedStep() expectedStep: number | null,
    @Comment() comment: string | null,
    @Arg('level', () => SupervisionLevel) level: SupervisionLevel,
    @Ctx() ctx: GatewayContext,
  ) {
    return apply(ctx, id, EventOperation.SUPERVISE, { expectedStep, comment }, { level });
  }

  @Subscription(() => EventLiveNotice, {
    description:
      'New work for your units as it happens (dispatch, report, copy, verify, return) and overdue steps below them (overdue_yellow, overdue_red); over WebSocket (graphql-ws) at /graphql',
    subscribe: async ({ context }: { context: GatewayContext }) => {
      if (!context.liveNotices) {
        throw new DomainError(
          'NO_LIVE_NOTICES',
          'this gateway has no live notices (subscriptions over WebSocket)',
        );
      }
      const actor = context.access.workflowActor();
      const units = new Set(actor.units);
      // Administrators act as the county centre too (as in the workflow itself).
      if (actor.admin) units.add(await withConnection(context.em, (tx) => countyUnit(tx)));
      return context.liveNotices.subscribe((n) => units.has(n.unit) && LIVE_KINDS.has(n.kind));
    },
  })
  eventDispatched(@Root() notice: Notice): EventLiveNotice {
    return notice;
  }
}

@Resolver(() => EventAttachment)
export class EventAttachmentResolver {
  @FieldResolver(() => String, {
    description: 'Where to download it (same API key), for who may see the event',
  })
  url(@Root() a: EventAttachment): string {
    return `/events/${a.event.id}/attachments/${a.id}`;
  }
}

export const EVENT_WORKFLOW_RESOLVERS = [EventWorkflowResolver, EventAttachmentResolver] as const;
