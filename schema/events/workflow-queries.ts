import type { EntityManager } from '@mikro-orm/postgresql';
import { Conditions, keysetPage, type Page, type PageRequest } from '../common/listing';
import { sqlArray } from '../common/rows';
import { type Tx, withConnection } from '../db/tx';
import { DomainError, NotFoundError } from '../runtime/errors';
import { Event, EventStatus } from './event.entity';
import { EventStep, EventSupervision } from './event-detail.entity';
import { describeUnit } from './units';
import { allowedOperations, type EventOperation, OPEN_STATUSES } from './workflow';
import { EventAttachment, EventCopy, EventExtension } from './workflow.entity';
import { pendingExtension, relate, type WorkflowActor } from './workflow.service';

/**
 * Who may see an event in the workflow (its history, photos, queues): administrators; a unit that holds or
 * held it, passed it on, acted on it or was copied on it; a region unit whose area contains the event. A
 * department sees only what it holds, held or was copied on. The partner read API's Event rows follow the
 * read policies instead (schema/access); this rule is the workflow's own.
 */
export async function canSeeEvent(tx: Tx, actor: WorkflowActor, eventId: string): Promise<boolean> {
  if (actor.admin) return true;
  if (!actor.units.length || !/^\d{1,19}$/.test(eventId)) return false;
  const [row] = await tx.query<{ ok: boolean }>(
    `select exists (
       select 1 from event e where e.id = $1 and (
         e.holder_unit = any($2::text[])
         or exists (select 1 from jsonb_array_elements(e.route) r where r ->> 'unit' = any($2::text[]))
         or exists (select 1 from event_step s where s.event_id = e.id
                      and (s.unit = any($2::text[]) or s.to_unit = any($2::text[])))
         or exists (select 1 from event_copy c where c.event_id = e.id and c.unit = any($2::text[]))
         or exists (select 1 from region g where g.code = any($2::text[]) and e.region_path like g.path || '%'))
     ) as ok`,
    [eventId, actor.units],
  );
  return Boolean(row?.ok);
}

// ——— Queues, history, notifications: what the departments' and centres' GraphQL reads ——————————————————————

/** The work lists of a unit (issue 8 item 4). */
export type EventQueue = 'to_accept' | 'in_progress' | 'to_verify' | 'overdue';

const QUEUE_STATUSES: Record<Exclude<EventQueue, 'overdue'>, EventStatus[]> = {
  to_accept: [EventStatus.AWAITING_ACCEPTANCE],
  in_progress: [EventStatus.IN_PROGRESS, EventStatus.VERIFICATION_FAILED],
  to_verify: [EventStatus.RESOLVED_AWAITING_VERIFICATION],
};

/**
 * A page of the events in one queue of the actor's units, in id order. Administrators see every unit's. The
 * overdue queue also lists what is overdue below a region unit of the actor (a township sees its villages'
 * and grids'; the county centre every department's too), since that is what a superior supervises.
 */
export async function eventQueue(
  em: EntityManager,
  actor: WorkflowActor,
  queue: EventQueue,
  page: PageRequest,
): Promise<Page<Event>> {
  const where = new Conditions();
  const units = sqlArray(actor.units);
  if (queue === 'overdue') {
    where.add('e.deadline_at < now()').add('e.status = any(?::event_status[])', sqlArray(OPEN_STATUSES));
    if (!actor.admin) {
      where.add(
        `(e.holder_unit = any(?::text[]) or exists (
           select 1 from region g where g.code = any(?::text[]) and (
             (e.holder_unit like 'dept:%' and g.parent_code is null)
             or exists (select 1 from region h where h.code = e.holder_unit and h.code <> g.code
                          and h.path like g.path || '%'))))`,
        units,
        units,
      );
    }
  } else {
    where.add('e.status = any(?::event_status[])', sqlArray(QUEUE_STATUSES[queue]));
    if (!actor.admin) where.add('e.holder_unit = any(?::text[])', units);
  }
  if (!actor.admin && !actor.units.length) where.add('false');
  return keysetPage(em, Event, 'e', where, page);
}

/** The operations the actor may apply to the event now (empty when it neither holds it nor is above it). */
export async function operationsFor(
  tx: Tx,
  actor: WorkflowActor,
  eventId: string,
): Promise<EventOperation[]> {
  const [e] = await tx.query<{
    id: string;
    status: EventStatus;
    holder_unit: string | null;
    route: unknown[];
  }>('select id, status, holder_unit, route from event where id = $1', [eventId]);
  if (!e?.holder_unit) return [];
  const holder = await describeUnit(tx, e.holder_unit);
  const { relations } = await relate(tx, actor, holder);
  if (!relations.length) return [];
  return allowedOperations(
    {
      status: e.status,
      canReturn: e.route.length > 0,
      hasSuperior: holder.superior !== null,
      pendingExtension: (await pendingExtension(tx, e.id)) !== null,
    },
    relations,
  );
}

export interface EventCopyRow {
  unit: string;
  copiedBy: string;
  at: Date;
}

export interface EventHistory {
  event: Event;
  steps: EventStep[];
  supervisions: EventSupervision[];
  extensions: EventExtension[];
  /** Metadata only: the bytes are served by the attachments route to who may see the event. */
  attachments: EventAttachment[];
  copies: EventCopyRow[];
  allowedOperations: EventOperation[];
}

/**
 * An event's whole history for the actor, or EVENT_NOT_FOUND — also when the actor may not see it, so that a
 * department cannot learn that an event it does not hold exists.
 */
export async function eventHistory(
  em: EntityManager,
  actor: WorkflowActor,
  eventId: string,
): Promise<EventHistory> {
  const { visible, allowed } = await withConnection(em, async (tx) => {
    const visible = await canSeeEvent(tx, actor, eventId);
    return { visible, allowed: visible ? await operationsFor(tx, actor, eventId) : [] };
  });
  const event = visible ? await em.findOne(Event, { id: eventId }) : null;
  if (!event) throw new NotFoundError('Event', eventId);
  const [steps, supervisions, extensions, attachments, copies] = await Promise.all([
    em.find(EventStep, { event: eventId }, { orderBy: { at: 'asc', id: 'asc' } }),
    em.find(EventSupervision, { event: eventId }, { orderBy: { at: 'asc', id: 'asc' } }),
    em.find(EventExtension, { event: eventId }, { orderBy: { id: 'asc' } }),
    em.find(EventAttachment, { event: eventId }, { orderBy: { id: 'asc' } }),
    em.find(EventCopy, { event: eventId }, { orderBy: { id: 'asc' } }),
  ]);
  return {
    event,
    steps,
    supervisions,
    extensions,
    attachments,
    copies: copies.map((c) => ({ unit: c.unit, copiedBy: c.copiedBy, at: c.at })),
    allowedOperations: allowed,
  };
}

export interface EventNotificationRow {
  id: string;
  unit: string;
  kind: string;
  eventId: string;
  eventCode: string;
  message: string;
  at: Date;
  readAt: Date | null;
}

export const NOTIFICATION_LIMIT = 200;

/** The latest notifications of the actor's units (all units' for an administrator), newest first. */
export async function eventNotifications(
  em: EntityManager,
  actor: WorkflowActor,
  unreadOnly: boolean,
): Promise<EventNotificationRow[]> {
  if (!actor.admin && !actor.units.length) return [];
  const rows = await withConnection(em, (tx) =>
    tx.query<{
      id: string;
      unit: string;
      kind: string;
      event_id: string;
      code: string;
      message: string;
      at: Date;
      read_at: Date | null;
    }>(
      `select n.id, n.unit, n.kind, n.event_id, e.code, n.message, n.at, n.read_at
       from event_notification n join event e on e.id = n.event_id
       where ($1::boolean or n.unit = any($2::text[])) and (not $3::boolean or n.read_at is null)
       order by n.at desc, n.id desc limit $4`,
      [Boolean(actor.admin), actor.units, unreadOnly, NOTIFICATION_LIMIT],
    ),
  );
  return rows.map((r) => ({
    id: String(r.id),
    unit: r.unit,
    kind: r.kind,
    eventId: String(r.event_id),
    eventCode: r.code,
    message: r.message,
    // Plain statements return timestamps as text.
    at: new Date(r.at),
    readAt: r.read_at == null ? null : new Date(r.read_at),
  }));
}

/** Marks the actor's units' notifications read; ids of other units' are ignored. Returns how many changed. */
export async function markNotificationsRead(
  em: EntityManager,
  actor: WorkflowActor,
  ids: string[],
): Promise<number> {
  const bad = ids.find((id) => !/^\d{1,19}$/.test(id));
  if (bad !== undefined) {
    throw new DomainError('BAD_ID', `notification id ${JSON.stringify(bad)} must be a number`, {
      field: 'ids',
    });
  }
  if (!ids.length || (!actor.admin && !actor.units.length)) return 0;
  const rows = await withConnection(em, (tx) =>
    tx.query<{ id: string }>(
      `update event_notification set read_at = now()
       where id = any($1::bigint[]) and read_at is null and ($2::boolean or unit = any($3::text[])) returning id`,
      [ids, Boolean(actor.admin), actor.units],
    ),
  );
  return rows.length;
}
