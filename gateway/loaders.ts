import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import type { Scope } from '../schema/access/scope';
import { Provenance, type ProvenanceData } from '../schema/common/provenance';
import { rowsWhereIn, runSql, sqlArray } from '../schema/common/rows';
import { Event } from '../schema/events/event.entity';
import {
  eventsByParty,
  partiesByEvent,
  stepsByEvent,
  supervisionsByEvent,
} from '../schema/events/event.service';
import { Organization } from '../schema/organizations/organization.entity';
import { Household } from '../schema/people/household.entity';
import { Person } from '../schema/people/person.entity';
import { membersByHousehold, recordsByPerson } from '../schema/people/person.service';
import { Place } from '../schema/places/place.entity';
import type { Region } from '../schema/regions/region.entity';
import { childrenByParent, findRegionsByCodes } from '../schema/regions/region.service';

type Keyed = { id: string } | { code: string };

/** A loader of rows by key: one `in (…)` statement per batch, nulls for keys that are not there. */
function byKey<T extends Keyed>(load: (keys: readonly string[]) => Promise<T[]>, key: (row: T) => string) {
  return new DataLoader<string, T | null>(async (keys) => {
    const found = new Map((await load(keys)).map((row) => [String(key(row)), row]));
    return keys.map((k) => found.get(k) ?? null);
  });
}

function grouped<T>(load: (keys: readonly string[]) => Promise<Map<string, T[]>>) {
  return new DataLoader<string, T[]>(async (keys) => {
    const groups = await load(keys);
    return keys.map((k) => groups.get(k) ?? []);
  });
}

/** The governed tables whose rows carry provenance. */
export type GovernedTable =
  | 'person'
  | 'household'
  | 'person_record'
  | 'place'
  | 'organization'
  | 'event'
  | 'thing'
  | 'situation';

const GOVERNED_TABLES: ReadonlySet<string> = new Set([
  'person',
  'household',
  'person_record',
  'place',
  'organization',
  'event',
  'thing',
  'situation',
]);

/** Provenance of rows listed without it (listings skip the JSON), keyed `table:id`: one statement per table. */
function provenanceLoader(em: EntityManager) {
  return new DataLoader<string, ProvenanceData | null>(async (keys) => {
    const byTable = new Map<string, string[]>();
    for (const key of keys) {
      const [table, id] = key.split(':');
      if (!GOVERNED_TABLES.has(table)) throw new Error(`no provenance on ${table}`);
      byTable.set(table, [...(byTable.get(table) ?? []), id]);
    }
    const found = new Map<string, ProvenanceData>();
    for (const [table, ids] of byTable) {
      const rows = await runSql<{ id: string; provenance: ProvenanceData }>(
        em,
        `select id::text as id, provenance from ${table} where id = any(?::bigint[])`,
        [sqlArray(ids)],
      );
      for (const row of rows) found.set(`${table}:${row.id}`, row.provenance);
    }
    return keys.map((k) => found.get(k) ?? null);
  });
}

/** A record's provenance: from the row when it was read with it, else batched by id. */
export async function provenanceOf(
  loaders: Loaders,
  table: GovernedTable,
  row: { id: string; provenance?: ProvenanceData | null },
): Promise<Provenance> {
  return Provenance.from(row.provenance ?? (await loaders.provenance.load(`${table}:${row.id}`)));
}

/**
 * Per-request batching: every nested field of one query level costs one SQL statement, however many parent
 * rows the page holds (a test counts them).
 */
export function createLoaders(em: EntityManager, scope: Scope) {
  return {
    provenance: provenanceLoader(em),
    regionByCode: byKey<Region>(
      (codes) => findRegionsByCodes(em, codes),
      (r) => r.code,
    ),
    regionChildren: grouped((codes) => childrenByParent(em, codes)),
    householdById: byKey<Household>(
      (ids) => rowsWhereIn(em, Household, 'id', 'bigint', ids, 'id', scope.where('Household', 't')),
      (h) => h.id,
    ),
    personById: byKey<Person>(
      (ids) => rowsWhereIn(em, Person, 'id', 'bigint', ids, 'id', scope.where('Person', 't')),
      (p) => p.id,
    ),
    organizationById: byKey<Organization>(
      (ids) => rowsWhereIn(em, Organization, 'id', 'bigint', ids, 'id', scope.where('Organization', 't')),
      (o) => o.id,
    ),
    placeById: byKey<Place>(
      (ids) => rowsWhereIn(em, Place, 'id', 'bigint', ids, 'id', scope.where('Place', 't')),
      (p) => p.id,
    ),
    eventById: byKey<Event>(
      (ids) => rowsWhereIn(em, Event, 'id', 'bigint', ids, 'id', scope.where('Event', 't')),
      (e) => e.id,
    ),
    householdMembers: grouped((ids) => membersByHousehold(em, scope, ids)),
    personRecords: grouped((ids) => recordsByPerson(em, scope, ids)),
    personEvents: grouped((ids) => eventsByParty(em, scope, 'person', ids)),
    organizationEvents: grouped((ids) => eventsByParty(em, scope, 'organization', ids)),
    eventParties: grouped((ids) => partiesByEvent(em, ids)),
    eventSteps: grouped((ids) => stepsByEvent(em, ids)),
    eventSupervisions: grouped((ids) => supervisionsByEvent(em, ids)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

const prefetched = new WeakMap<object, Map<string, unknown>>();

/**
 * Keeps what a root resolver read for one of its rows in its own statement (./lookahead.ts): `value` is
 * `parent`'s `field`. It stays with that row object rather than in the request's loaders, because it holds
 * only the columns this root field's selection asked for, which another path of the same operation reaching
 * the same key through a loader may not.
 */
export function attach(parent: object, field: string, value: unknown): void {
  let fields = prefetched.get(parent);
  if (!fields) {
    fields = new Map();
    prefetched.set(parent, fields);
  }
  fields.set(field, value);
}

/**
 * `parent`'s `field` as its root resolver attached it, at once; else `load()` (the loaders' batches). A
 * resolver that returns a value rather than a promise also spares graphql-js the promise bookkeeping of its
 * object (every person of a page otherwise).
 */
export function attachedOr<V>(parent: object, field: string, load: () => Promise<V>): V | Promise<V> {
  const fields = prefetched.get(parent);
  return fields?.has(field) ? (fields.get(field) as V) : load();
}

/** `then` for a value that may or may not be a promise, staying synchronous when it is not. */
export function afterLoad<V, R>(value: V | Promise<V>, next: (value: V) => R): R | Promise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}
