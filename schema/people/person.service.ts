import type { EntityManager } from '@mikro-orm/postgresql';
import {
  filterCode,
  keysetPage,
  type Page,
  type PageRequest,
  prefixPattern,
  regionFilter,
  whereInRegion,
} from '../common/listing';
import { validateCitizenId } from '../identifiers';
import { DomainError, NotFoundError } from '../runtime/errors';
import { Household } from './household.entity';
import { Person } from './person.entity';
import { PersonRecord, type PersonRecordKind } from './person-record.entity';

export interface PersonFilter {
  /** Owning unit: the person's grid or anything above it. */
  regionCode?: string | null;
  /** Holds at least one of these population types / groups / roles. */
  kinds?: PersonRecordKind[] | null;
  ageMin?: number | null;
  ageMax?: number | null;
  /** Carries every one of these tags. */
  tags?: string[] | null;
  nameStartsWith?: string | null;
  sex?: string | null;
  /** Reference date for ages (defaults to today), so a report for a past date is stable. */
  asOf?: Date | null;
}

/** A citizen ID number from a caller, normalised; a malformed one is refused with its rule. */
export function requireCitizenId(input: string, field = 'idNumber'): string {
  const result = validateCitizenId(input);
  if (!result.ok) throw new DomainError('INVALID_ID_NUMBER', result.message, { field, rule: result.rule });
  return result.value;
}

export async function getPersonByIdNumber(em: EntityManager, idNumber: string): Promise<Person> {
  const normalised = requireCitizenId(idNumber);
  const person = await em.findOne(Person, { idNumber: normalised });
  if (!person) throw new NotFoundError('Person', `${normalised.slice(0, 6)}********${normalised.slice(-4)}`);
  return person;
}

function shiftYears(date: Date, years: number): string {
  const d = new Date(Date.UTC(date.getUTCFullYear() - years, date.getUTCMonth(), date.getUTCDate()));
  return d.toISOString().slice(0, 10);
}

export async function listPeople(
  em: EntityManager,
  filter: PersonFilter,
  page: PageRequest,
): Promise<Page<Person>> {
  const region = await regionFilter(em, filter.regionCode);
  for (const [name, value] of [
    ['ageMin', filter.ageMin],
    ['ageMax', filter.ageMax],
  ] as const) {
    if (value != null && (!Number.isInteger(value) || value < 0 || value > 150)) {
      throw new DomainError('BAD_FILTER', `${name} must be a whole number of years from 0 to 150`, {
        field: name,
      });
    }
  }
  const asOf = filter.asOf ?? new Date();
  const sex = filterCode('sex', 'sex', filter.sex);
  const build = () => {
    const qb = em.createQueryBuilder(Person, 'p').select('*');
    if (region) whereInRegion(qb, 'p', region);
    if (filter.kinds?.length) {
      qb.andWhere(
        `exists (select 1 from person_record r where r.person_id = p.id and r.kind = any(?::person_record_kind[]))`,
        [`{${filter.kinds.join(',')}}`],
      );
    }
    // Age a..b years on asOf: born after asOf − (b+1) years and on or before asOf − a years.
    if (filter.ageMin != null) qb.andWhere('p.birth_date <= ?', [shiftYears(asOf, filter.ageMin)]);
    if (filter.ageMax != null) qb.andWhere('p.birth_date > ?', [shiftYears(asOf, filter.ageMax + 1)]);
    if (filter.tags?.length)
      qb.andWhere('p.tags @> ?::text[]', [`{${filter.tags.map((t) => JSON.stringify(t)).join(',')}}`]);
    if (filter.nameStartsWith) qb.andWhere('p.name like ?', [prefixPattern(filter.nameStartsWith.trim())]);
    if (sex) qb.andWhere('p.sex = ?', [sex]);
    return qb;
  };
  return keysetPage(build, 'p', page);
}

export function findHouseholds(em: EntityManager, ids: readonly string[]): Promise<Household[]> {
  return em.find(Household, { id: { $in: [...ids] } });
}

/** Members of each household, in id order. */
export async function membersByHousehold(
  em: EntityManager,
  householdIds: readonly string[],
): Promise<Map<string, Person[]>> {
  const rows = await em.find(Person, { household: { $in: [...householdIds] } }, { orderBy: { id: 'asc' } });
  const out = new Map<string, Person[]>(householdIds.map((id) => [id, []]));
  for (const p of rows) out.get(String(p.household!.id))?.push(p);
  return out;
}

/** Each person's records, optionally only some kinds. */
export async function recordsByPerson(
  em: EntityManager,
  personIds: readonly string[],
): Promise<Map<string, PersonRecord[]>> {
  const rows = await em.find(PersonRecord, { person: { $in: [...personIds] } }, { orderBy: { kind: 'asc' } });
  const out = new Map<string, PersonRecord[]>(personIds.map((id) => [id, []]));
  for (const r of rows) out.get(String(r.person.id))?.push(r);
  return out;
}
