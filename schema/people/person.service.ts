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
  prefixPattern,
  regionFilter,
} from '../common/listing';
import { groupRows, jsonRow, jsonValue, type Props, rowsWhereIn, shapeRows, sqlArray } from '../common/rows';
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

export async function getPersonByIdNumber(
  em: EntityManager,
  scope: Scope,
  idNumber: string,
): Promise<Person> {
  const normalised = requireCitizenId(idNumber);
  const person = await findVisible(em, scope, Person, 'Person', 'id_number', normalised);
  if (!person) throw new NotFoundError('Person', `${normalised.slice(0, 6)}********${normalised.slice(-4)}`);
  return person;
}

function shiftYears(date: Date, years: number): string {
  const d = new Date(Date.UTC(date.getUTCFullYear() - years, date.getUTCMonth(), date.getUTCDate()));
  return d.toISOString().slice(0, 10);
}

/** What a listing of people reads beside each person, in the page's own statement. */
export interface PeopleIncludes extends PageOptions {
  /** Each person's household, with these of its properties (`true`: all). */
  household?: Props | true;
  /** Each person's records, with these of their properties (`true`: all). */
  records?: Props | true;
}

const wantedProps = (wanted: Props | true) => (wanted === true ? undefined : wanted);

export interface PeoplePage extends Page<Person> {
  /** With `household`: the listed people's households by id (null: hidden from the reader). */
  households?: Map<string, Household | null>;
  /** With `records`: each listed person's records the reader may see, by kind (like `recordsByPerson`). */
  records?: Map<string, PersonRecord[]>;
}

export async function listPeople(
  em: EntityManager,
  scope: Scope,
  filter: PersonFilter,
  page: PageRequest,
  include: PeopleIncludes = {},
): Promise<PeoplePage> {
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
  const where = new Conditions().scoped(scope, 'Person', 'p');
  if (region) inRegion(where, 'p', region);
  if (filter.kinds?.length) {
    // Membership counts only through records the reader may see: filtering on a hidden group must not
    // reveal who is in it.
    const visible = scope.where('PersonRecord', 'r');
    where.add(
      `exists (select 1 from person_record r where r.person_id = p.id and r.kind = any(?::person_record_kind[]) and ${visible.sql})`,
      sqlArray(filter.kinds),
      ...visible.params,
    );
  }
  // Age a..b years on asOf: born after asOf − (b+1) years and on or before asOf − a years.
  if (filter.ageMin != null) where.add('p.birth_date <= ?', shiftYears(asOf, filter.ageMin));
  if (filter.ageMax != null) where.add('p.birth_date > ?', shiftYears(asOf, filter.ageMax + 1));
  if (filter.tags?.length) where.add('p.tags @> ?::text[]', sqlArray(filter.tags));
  if (filter.nameStartsWith) where.add('p.name like ?', prefixPattern(filter.nameStartsWith.trim()));
  if (sex) where.add('p.sex = ?', sex);
  // The same rows and scopes as the householdById and personRecords loaders, nested into the page's statement.
  const nested: NestedSelect = {};
  if (include.household) {
    const visible = scope.where('Household', 'h');
    nested.household__ = {
      sql: `select ${jsonRow(em, Household, 'h', wantedProps(include.household))} from household h where h.id = p.household_id and ${visible.sql}`,
      params: visible.params,
    };
  }
  if (include.records) {
    const visible = scope.where('PersonRecord', 'r');
    nested.records__ = {
      sql: `select coalesce(json_agg(${jsonRow(em, PersonRecord, 'r', wantedProps(include.records))} order by r.kind), '[]') from person_record r where r.person_id = p.id and ${visible.sql}`,
      params: visible.params,
    };
  }
  const result: PeoplePage = await keysetPage(em, Person, 'p', where, page, { ...include, nested });
  const rows = result.nested ?? [];
  if (include.household) {
    result.households = new Map();
    result.nodes.forEach((person, i) => {
      if (!person.household) return;
      const h = jsonValue<Record<string, unknown> | null>(rows[i].household__);
      result.households!.set(String(person.household.id), h ? shapeRows(em, Household, [h])[0]! : null);
    });
  }
  if (include.records) {
    result.records = new Map(
      result.nodes.map((person, i) => [
        person.id,
        shapeRows(em, PersonRecord, jsonValue<Record<string, unknown>[]>(rows[i].records__)),
      ]),
    );
  }
  return result;
}

/** Members of each household, in id order. */
export async function membersByHousehold(
  em: EntityManager,
  scope: Scope,
  householdIds: readonly string[],
): Promise<Map<string, Person[]>> {
  const rows = await rowsWhereIn(
    em,
    Person,
    'household_id',
    'bigint',
    householdIds,
    'id',
    scope.where('Person', 't'),
  );
  return groupRows(rows, householdIds, (p) => String(p.household!.id));
}

/** Each person's records, by kind. */
export async function recordsByPerson(
  em: EntityManager,
  scope: Scope,
  personIds: readonly string[],
): Promise<Map<string, PersonRecord[]>> {
  const rows = await rowsWhereIn(
    em,
    PersonRecord,
    'person_id',
    'bigint',
    personIds,
    'person_id, kind',
    scope.where('PersonRecord', 't'),
  );
  return groupRows(rows, personIds, (r) => String(r.person.id));
}
