import type { EntityManager } from '@mikro-orm/postgresql';
import type { Scope } from '../access/scope';
import {
  Conditions,
  filterCode,
  findVisible,
  inRegion,
  keysetPage,
  type NestedSelect,
  type Page,
  type PageOptions,
  type PageRequest,
  regionFilter,
} from '../common/listing';
import {
  groupRows,
  jsonRow,
  jsonValue,
  listColumns,
  type Props,
  rowsWhereIn,
  runSql,
  shapeRows,
  sqlArray,
} from '../common/rows';
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

/** What a listing of events reads beside each event, in the page's own statement. */
export interface EventIncludes extends PageOptions {
  /** Each event's parties, with these of their properties (`true`: all). */
  parties?: Props | true;
}

export interface EventsPage extends Page<Event> {
  /** With `parties`: each listed event's parties (like `partiesByEvent`), by event id. */
  parties?: Map<string, EventParty[]>;
}

export async function listEvents(
  em: EntityManager,
  scope: Scope,
  filter: EventFilter,
  page: PageRequest,
  include: EventIncludes = {},
): Promise<EventsPage> {
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
  const nested: NestedSelect = {};
  if (include.parties) {
    nested.parties__ = {
      sql: `select coalesce(json_agg(${jsonRow(em, EventParty, 'ep', include.parties === true ? undefined : include.parties)} order by ep.id), '[]') from event_party ep where ep.event_id = e.id`,
      params: [],
    };
  }
  const result: EventsPage = await keysetPage(em, Event, 'e', where, page, { ...include, nested });
  if (include.parties) {
    const rows = result.nested ?? [];
    result.parties = new Map(
      result.nodes.map((event, i) => [
        event.id,
        shapeRows(em, EventParty, jsonValue<Record<string, unknown>[]>(rows[i].parties__)),
      ]),
    );
  }
  return result;
}

/**
 * The events an organisation or person (alias `party`'s row) is a party to that the reader may see, newest
 * first, as one JSON array (like `eventsByParty`), for nesting into the party's own statement.
 */
export function eventsOfPartySql(
  em: EntityManager,
  scope: Scope,
  party: 'person' | 'organization',
  alias: string,
  props?: Props,
): { sql: string; params: unknown[] } {
  const column = party === 'person' ? 'person_id' : 'organization_id';
  const visible = scope.where('Event', 'ev');
  return {
    sql: `select coalesce(json_agg(${jsonRow(em, Event, 'ev', props)} order by ev.occurred_at desc, ev.id), '[]') from event ev
           where ev.id in (select ep.event_id from event_party ep where ep.${column} = ${alias}.id) and ${visible.sql}`,
    params: visible.params,
  };
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
