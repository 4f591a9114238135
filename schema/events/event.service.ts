import type { EntityManager } from '@mikro-orm/postgresql';
import {
  filterCode,
  keysetPage,
  type Page,
  type PageRequest,
  regionFilter,
  whereInRegion,
} from '../common/listing';
import { DomainError, NotFoundError } from '../runtime/errors';
import { Event, type EventKind } from './event.entity';
import { EventParty, EventStep, EventSupervision } from './event-detail.entity';

export interface EventFilter {
  regionCode?: string | null;
  kinds?: EventKind[] | null;
  occurredFrom?: Date | null;
  occurredBefore?: Date | null;
  /** A first-level (01) or second-level (0101) type code: matches the type and everything under it. */
  typeCode?: string | null;
  scale?: string | null;
  resolvedSuccessfully?: boolean | null;
}

export async function getEvent(em: EntityManager, id: string): Promise<Event> {
  if (!/^\d{1,19}$/.test(id))
    throw new DomainError('BAD_ID', `Event id "${id}" must be a number`, { field: 'id' });
  const event = await em.findOne(Event, { id });
  if (!event) throw new NotFoundError('Event', id);
  return event;
}

export async function listEvents(
  em: EntityManager,
  filter: EventFilter,
  page: PageRequest,
): Promise<Page<Event>> {
  const region = await regionFilter(em, filter.regionCode);
  const typeCode = filterCode('typeCode', 'dispute_type', filter.typeCode);
  const scale = filterCode('scale', 'event_scale', filter.scale);
  const build = () => {
    const qb = em.createQueryBuilder(Event, 'e').select('*');
    if (region) whereInRegion(qb, 'e', region);
    if (filter.kinds?.length) qb.andWhere('e.kind = any(?::event_kind[])', [`{${filter.kinds.join(',')}}`]);
    if (filter.occurredFrom) qb.andWhere('e.occurred_at >= ?', [filter.occurredFrom]);
    if (filter.occurredBefore) qb.andWhere('e.occurred_at < ?', [filter.occurredBefore]);
    if (typeCode) qb.andWhere('e.type_code like ?', [`${typeCode}%`]);
    if (scale) qb.andWhere('e.scale = ?', [scale]);
    if (filter.resolvedSuccessfully != null)
      qb.andWhere('e.resolved_successfully = ?', [filter.resolvedSuccessfully]);
    return qb;
  };
  return keysetPage(build, 'e', page);
}

async function groupByEvent<T extends { event: { id: string } }>(
  em: EntityManager,
  entity: new () => T,
  eventIds: readonly string[],
  orderBy: Record<string, 'asc'>,
): Promise<Map<string, T[]>> {
  const rows = (await em.find(
    entity as never,
    { event: { $in: [...eventIds] } } as never,
    { orderBy } as never,
  )) as T[];
  const out = new Map<string, T[]>(eventIds.map((id) => [id, []]));
  for (const r of rows) out.get(String(r.event.id))?.push(r);
  return out;
}

export const partiesByEvent = (em: EntityManager, ids: readonly string[]) =>
  groupByEvent(em, EventParty, ids, { id: 'asc' });
export const stepsByEvent = (em: EntityManager, ids: readonly string[]) =>
  groupByEvent(em, EventStep, ids, { at: 'asc' });
export const supervisionsByEvent = (em: EntityManager, ids: readonly string[]) =>
  groupByEvent(em, EventSupervision, ids, { at: 'asc' });

/** Events each person or organisation is a party to, newest first. */
export async function eventsByParty(
  em: EntityManager,
  party: 'person' | 'organization',
  partyIds: readonly string[],
): Promise<Map<string, Event[]>> {
  const column = party === 'person' ? 'person_id' : 'organization_id';
  const rows = await em
    .getConnection()
    .execute<Array<{ party_id: string; event_id: string }>>(
      `select distinct ${column}::text as party_id, event_id::text from event_party where ${column} = any(?::bigint[])`,
      [`{${partyIds.join(',')}}`],
    );
  const events = rows.length
    ? await em.find(
        Event,
        { id: { $in: [...new Set(rows.map((r) => r.event_id))] } },
        { orderBy: { occurredAt: 'desc' } },
      )
    : [];
  const byId = new Map(events.map((e) => [String(e.id), e]));
  const out = new Map<string, Event[]>(partyIds.map((id) => [id, []]));
  for (const r of rows) {
    const e = byId.get(r.event_id);
    if (e) out.get(r.party_id)?.push(e);
  }
  for (const list of out.values()) list.sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime());
  return out;
}
