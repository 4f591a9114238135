import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { rowsWhereIn } from '../schema/common/rows';
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

/**
 * Per-request batching: every nested field of one query level costs one SQL statement, however many parent
 * rows the page holds (a test counts them).
 */
export function createLoaders(em: EntityManager) {
  return {
    regionByCode: byKey<Region>(
      (codes) => findRegionsByCodes(em, codes),
      (r) => r.code,
    ),
    regionChildren: grouped((codes) => childrenByParent(em, codes)),
    householdById: byKey<Household>(
      (ids) => rowsWhereIn(em, Household, 'id', 'bigint', ids),
      (h) => h.id,
    ),
    personById: byKey<Person>(
      (ids) => rowsWhereIn(em, Person, 'id', 'bigint', ids),
      (p) => p.id,
    ),
    organizationById: byKey<Organization>(
      (ids) => rowsWhereIn(em, Organization, 'id', 'bigint', ids),
      (o) => o.id,
    ),
    placeById: byKey<Place>(
      (ids) => rowsWhereIn(em, Place, 'id', 'bigint', ids),
      (p) => p.id,
    ),
    eventById: byKey<Event>(
      (ids) => rowsWhereIn(em, Event, 'id', 'bigint', ids),
      (e) => e.id,
    ),
    householdMembers: grouped((ids) => membersByHousehold(em, ids)),
    personRecords: grouped((ids) => recordsByPerson(em, ids)),
    personEvents: grouped((ids) => eventsByParty(em, 'person', ids)),
    organizationEvents: grouped((ids) => eventsByParty(em, 'organization', ids)),
    eventParties: grouped((ids) => partiesByEvent(em, ids)),
    eventSteps: grouped((ids) => stepsByEvent(em, ids)),
    eventSupervisions: grouped((ids) => supervisionsByEvent(em, ids)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
