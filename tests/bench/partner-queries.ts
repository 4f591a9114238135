import { type Access, visibleAttributes } from '../../gateway/access';

/**
 * The three partner queries of issue 3, as the gridhub gateway and PostGraphile v4 spell them, and the one
 * canonical form every path's answer is reduced to before the paths are compared. The canonical form holds
 * personal fields in the clear: the gateway is queried with an administrator's key (its policy reads every
 * field in the clear), and the other paths return them in the clear. To compare with a caller whose policy
 * masks some fields, a clear answer is reduced to that caller's view with its own `Access` (`mask`).
 */

export type PartnerQuery = 'people' | 'disputes' | 'organization';
export const PARTNER_QUERIES: readonly PartnerQuery[] = ['people', 'disputes', 'organization'];

export const QUERY_TITLES: Record<PartnerQuery, string> = {
  people: "1. A grid's first 20 people with household and special-group records",
  disputes: "2. A township's disputes of the last 90 days with parties",
  organization: '3. An organisation by credit code with its events',
};

/** One township as the inputs know it: its code (the gateway's argument) and its path (PostGraphile's prefix). */
export interface Township {
  code: string;
  path: string;
}

export interface PartnerInputs {
  grids: string[];
  townships: Township[];
  /** The start of "the last 90 days" (ISO instant). */
  since: string;
  creditCodes: string[];
}

export const GATEWAY_DOCUMENTS: Record<PartnerQuery, string> = {
  people: `query GridPeople($grid: String!) {
  people(filter: { regionCode: $grid }, first: 20) {
    nodes { idNumber name age household { householdNumber address } records { kind attributes } }
  }
}`,
  disputes: `query TownshipDisputes($township: String!, $since: DateTimeISO!) {
  events(filter: { regionCode: $township, kinds: [DISPUTE], occurredFrom: $since }, first: 20) {
    totalCount
    nodes { code title occurredAt typeCode parties { name idNumber role } }
  }
}`,
  organization: `query OrganizationEvents($code: String!) {
  organization(creditCode: $code) { name kind address events { code title occurredAt } }
}`,
};

/**
 * PostGraphile's generated names. It has no age (a computed column would need a SQL function), so it
 * returns the birth date; the township is a prefix on the rows' own region_path (connection-filter
 * `startsWith`, the same predicate the gateway sends); an organisation's events come through its parties,
 * so the client removes duplicates and sorts them newest first.
 */
export const POSTGRAPHILE_DOCUMENTS: Record<PartnerQuery, string> = {
  people: `query GridPeople($grid: String!) {
  allPeople(condition: { regionCode: $grid }, first: 20, orderBy: ID_ASC) {
    nodes {
      idNumber name birthDate
      householdByHouseholdId { householdNumber address }
      personRecordsByPersonId(orderBy: KIND_ASC) { nodes { kind attributes } }
    }
  }
}`,
  disputes: `query TownshipDisputes($prefix: String!, $since: Datetime!) {
  allEvents(
    filter: { regionPath: { startsWith: $prefix }, kind: { equalTo: DISPUTE }, occurredAt: { greaterThanOrEqualTo: $since } }
    first: 20
    orderBy: ID_ASC
  ) {
    totalCount
    nodes { code title occurredAt typeCode eventPartiesByEventId(orderBy: ID_ASC) { nodes { name idNumber role } } }
  }
}`,
  organization: `query OrganizationEvents($code: String!) {
  organizationByCreditCode(creditCode: $code) {
    name kind address
    eventPartiesByOrganizationId(orderBy: ID_ASC) { nodes { eventByEventId { code title occurredAt } } }
  }
}`,
};

/** The inputs of one query, in the order the load generator rotates over them. */
export function inputsOf(query: PartnerQuery, inputs: PartnerInputs): unknown[] {
  switch (query) {
    case 'people':
      return inputs.grids;
    case 'disputes':
      return inputs.townships.map((t) => ({ township: t.code, prefix: t.path, since: inputs.since }));
    case 'organization':
      return inputs.creditCodes;
  }
}

export interface DisputeInput {
  township: string;
  prefix: string;
  since: string;
}

function gatewayVariables(query: PartnerQuery, input: unknown): Record<string, unknown> {
  if (query === 'people') return { grid: input };
  if (query === 'disputes') {
    const d = input as DisputeInput;
    return { township: d.township, since: d.since };
  }
  return { code: input };
}

function postgraphileVariables(query: PartnerQuery, input: unknown): Record<string, unknown> {
  if (query === 'people') return { grid: input };
  if (query === 'disputes') {
    const d = input as DisputeInput;
    return { prefix: d.prefix, since: d.since };
  }
  return { code: input };
}

export type Engine = 'gateway' | 'postgraphile';

/** The headers that present an API key to the gateway. */
export function keyHeaders(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

/** The POST body of one request. */
export function requestBody(engine: Engine, query: PartnerQuery, input: unknown): string {
  return engine === 'gateway'
    ? JSON.stringify({ query: GATEWAY_DOCUMENTS[query], variables: gatewayVariables(query, input) })
    : JSON.stringify({
        query: POSTGRAPHILE_DOCUMENTS[query],
        variables: postgraphileVariables(query, input),
      });
}

/** Whole years on `on` for a `YYYY-MM-DD` birth date, as the gateway computes `age`. */
export function ageOn(birthDate: string, on = new Date()): number {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  let years = on.getUTCFullYear() - y;
  if (on.getUTCMonth() + 1 < m || (on.getUTCMonth() + 1 === m && on.getUTCDate() < d)) years--;
  return years;
}

// ---- The canonical answers --------------------------------------------------------------------------

type Mask = Access | null;
/** A personal value as `mask`'s caller sees it (as given without a mask). */
const masked = (mask: Mask, field: Parameters<Access['show']>[0], value: string | null | undefined) =>
  mask ? mask.show(field, value) : (value ?? null);
const iso = (value: string | Date) => new Date(value).toISOString();
const upper = (value: string) => value.toUpperCase();

interface CanonicalPerson {
  idNumber: string | null;
  name: string | null;
  age: number;
  household: { householdNumber: string; address: string | null } | null;
  records: Array<{ kind: string; attributes: unknown }>;
}

/** A person in the clear, as the SQL reference and PostGraphile give one (kinds in either case). */
export interface ClearPerson {
  idNumber: string | null;
  name: string;
  birthDate?: string;
  age?: number;
  household: { householdNumber: string; address: string | null } | null;
  records: Array<{ kind: string; attributes: unknown }>;
}

export interface ClearDispute {
  code: string;
  title: string;
  occurredAt: string | Date;
  typeCode: string | null;
  parties: Array<{ name: string; idNumber: string | null; role: string | null }>;
}

export interface ClearOrganization {
  name: string;
  kind: string;
  address: string | null;
  events: Array<{ code: string; title: string; occurredAt: string | Date }>;
}

/** People as given, or reduced to `mask`'s view. */
export function canonicalPeople(people: ClearPerson[], mask: Mask = null): CanonicalPerson[] {
  return people.map((p) => ({
    idNumber: masked(mask, 'idNumber', p.idNumber),
    name: masked(mask, 'name', p.name),
    age: p.age ?? ageOn(p.birthDate!),
    household: p.household && {
      householdNumber: p.household.householdNumber,
      address: masked(mask, 'address', p.household.address),
    },
    records: p.records.map((r) => ({
      kind: upper(r.kind),
      // Personal values inside attributes are masked by the gateway's own data-set rules too.
      attributes: mask
        ? visibleAttributes(
            mask,
            'person_record',
            r.kind.toLowerCase(),
            r.attributes as Record<string, unknown>,
          )
        : r.attributes,
    })),
  }));
}

/** Disputes as given, or reduced to `mask`'s view. */
export function canonicalDisputes(totalCount: number, events: ClearDispute[], mask: Mask = null) {
  return {
    totalCount,
    nodes: events.map((e) => ({
      code: e.code,
      title: e.title,
      occurredAt: iso(e.occurredAt),
      typeCode: e.typeCode,
      parties: e.parties.map((p) => ({
        name: masked(mask, 'name', p.name),
        idNumber: masked(mask, 'idNumber', p.idNumber),
        role: p.role,
      })),
    })),
  };
}

/** Events newest first, each once (ties in code order, since no path promises an order among them). */
export function canonicalOrganization(o: ClearOrganization | null) {
  if (!o) return null;
  const events = [...new Map(o.events.map((e) => [e.code, e])).values()]
    .map((e) => ({ code: e.code, title: e.title, occurredAt: iso(e.occurredAt) }))
    .sort((a, b) => b.occurredAt.localeCompare(a.occurredAt) || a.code.localeCompare(b.code));
  return { name: o.name, kind: upper(o.kind), address: o.address, events };
}

// ---- Each engine's response, canonicalised -----------------------------------------------------------

type Json = Record<string, unknown>;
const nodesOf = (connection: unknown) => ((connection as Json | null)?.nodes ?? []) as Json[];

/**
 * The canonical form of a gateway response: as the caller's policy returned it (in the clear for an
 * administrator), or reduced further to `mask`'s view (to compare it with a caller who sees less).
 */
export function canonicalGateway(query: PartnerQuery, data: Json, mask: Mask = null): unknown {
  if (query === 'people') return canonicalPeople(nodesOf(data.people) as unknown as ClearPerson[], mask);
  if (query === 'disputes') {
    const c = data.events as Json;
    return canonicalDisputes(c.totalCount as number, nodesOf(c) as unknown as ClearDispute[], mask);
  }
  return canonicalOrganization(data.organization as ClearOrganization | null);
}

/** The canonical form of a PostGraphile response (in the clear, as returned). */
export function canonicalPostgraphile(query: PartnerQuery, data: Json): unknown {
  if (query === 'people') {
    const people = nodesOf(data.allPeople).map((p) => ({
      idNumber: p.idNumber as string | null,
      name: p.name as string,
      birthDate: p.birthDate as string,
      household: p.householdByHouseholdId as ClearPerson['household'],
      records: nodesOf(p.personRecordsByPersonId) as unknown as ClearPerson['records'],
    }));
    return canonicalPeople(people);
  }
  if (query === 'disputes') {
    const c = data.allEvents as Json;
    const events = nodesOf(c).map((e) => ({
      ...(e as unknown as ClearDispute),
      parties: nodesOf(e.eventPartiesByEventId) as unknown as ClearDispute['parties'],
    }));
    return canonicalDisputes(c.totalCount as number, events);
  }
  const o = data.organizationByCreditCode as Json | null;
  return canonicalOrganization(
    o && {
      name: o.name as string,
      kind: o.kind as string,
      address: o.address as string | null,
      events: nodesOf(o.eventPartiesByOrganizationId).map(
        (p) => p.eventByEventId as ClearOrganization['events'][number],
      ),
    },
  );
}
