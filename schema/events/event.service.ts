import type { EntityManager } from '@mikro-orm/postgresql';
import type { Scope } from '../access/scope';
import {
  Conditions,
  filterCode,
  findVisible,
  inRegion,
  keysetPage,
  type Page,
  type PageRequest,
  regionFilter,
} from '../common/listing';
import { groupRows, listColumns, rowsWhereIn, runSql, shapeRows, sqlArray } from '../common/rows';
import { DomainError, NotFoundError } from '../runtime/errors';
import { Event, type EventKind } from './event.entity';
import { EventParty, EventStep, EventSupervision } from './event-detail.entity';

export interface EventFilter {
  regionCode?: string | null;
  kinds?: EventKind[] | null;
  occurredFrom?: Date | null;
  occurredBefore?: Date | null;
  /** A first-level (01) or second-level (0101) type code, or its name: the type and everything under it. */
  typeCode?: string | null;
  scale?: string | null;
  resolvedSuccessfully?: boolean | null;
}

export async function getEvent(em: EntityManager, scope: Scope, id: string): Promise<Event> {
  if (!/^\d{1,19}$/.test(id))
    throw new DomainError('BAD_ID', `Event id "${id}" must be a number`, { field: 'id' });
  const event = await findVisible(em, scope, Event, 'Event', 'id', id);
  if (!event) throw new NotFoundError('Event', id);
  return event;
}

export async function listEvents(
  em: EntityManager,
  scope: Scope,
  filter: EventFilter,
  page: PageRequest,
): Promise<Page<Event>> {
  const region = await regionFilter(em, filter.regionCode);
  const typeCode = filterCode('typeCode', 'dispute_type', filter.typeCode);
  const scale = filterCode('scale', 'event_scale', filter.scale);
  const where = new Conditions().scoped(scope, 'Event', 'e');
  if (region) inRegion(where, 'e', region);
  if (filter.kinds?.length) where.add('e.kind = any(?::event_kind[])', sqlArray(filter.kinds));
  if (filter.occurredFrom) where.add('e.occurred_at >= ?', filter.occurredFrom);
  if (filter.occurredBefore) where.add('e.occurred_at < ?', filter.occurredBefore);
  if (typeCode) where.add('e.type_code like ?', `${typeCode}%`);
  if (scale) where.add('e.scale = ?', scale);
  if (filter.resolvedSuccessfully != null)
    where.add('e.resolved_successfully = ?', filter.resolvedSuccessfully);
  return keysetPage(em, Event, 'e', where, page);
}

const byEvent = (row: { event: { id: string } }) => String(row.event.id);

export async function partiesByEvent(em: EntityManager, ids: readonly string[]) {
  return groupRows(await rowsWhereIn(em, EventParty, 'event_id', 'bigint', ids), ids, byEvent);
}

export async function stepsByEvent(em: EntityManager, ids: readonly string[]) {
  return groupRows(
    await rowsWhereIn(em, EventStep, 'event_id', 'bigint', ids, 'event_id, at, id'),
    ids,
    byEvent,
  );
}

export async function supervisionsByEvent(em: EntityManager, ids: readonly string[]) {
  return groupRows(
    await rowsWhereIn(em, EventSupervision, 'event_id', 'bigint', ids, 'event_id, at, id'),
    ids,
    byEvent,
  );
}

/** Events each person or organisation is a party to, newest first: one statement for the whole batch. */
export async function eventsByParty(
  em: EntityManager,
  scope: Scope,
  party: 'person' | 'organization',
  partyIds: readonly string[],
): Promise<Map<string, Event[]>> {
  const column = party === 'person' ? 'person_id' : 'organization_id';
  const visible = scope.where('Event', 'e');
  const rows = await runSql<Record<string, unknown> & { party_id: string }>(
    em,
    `select ${listColumns(em, Event, 'e')}, p.party_id from event e
       join (select distinct ${column}::text as party_id, event_id from event_party where ${column} = any(?::bigint[])) p
         on p.event_id = e.id
      where ${visible.sql}
      order by e.occurred_at desc, e.id`,
    [sqlArray(partyIds), ...visible.params],
  );
  const events = shapeRows(em, Event, rows);
  const out = new Map<string, Event[]>(partyIds.map((id) => [id, []]));
  for (let i = 0; i < rows.length; i++) out.get(rows[i].party_id)?.push(events[i]);
  return out;
}
