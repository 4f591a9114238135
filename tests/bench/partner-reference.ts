import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import {
  ageOn,
  type ClearDispute,
  type ClearOrganization,
  type ClearPerson,
  type DisputeInput,
  type PartnerQuery,
} from './partner-queries';

/**
 * The partner queries answered by hand-written SQL over `pg`, in two variants:
 * - `minimal`, the ceiling: only the columns asked for, the fewest statements (the page, then its children
 *   in parallel; the count beside the page), the township given as its path prefix like PostGraphile's;
 * - `gateway`, the statements the gridhub gateway sends for the same query, sent directly (one statement per
 *   query: the selected columns with the nested lists as JSON and the total counted in it, then the read audit
 *   insert for personal data, one per request here where the gateway commits concurrent requests' entries
 *   together), so the gap between it and the gateway is what the layers above SQL cost.
 * Both return the answer in the gateway's shape (in the clear); the load generator serialises it.
 */

export type SqlVariant = 'minimal' | 'gateway';

export const MINIMAL_SQL: Record<PartnerQuery, string[]> = {
  people: [
    'select id, id_number, name, birth_date::text as birth_date, household_id from person where region_code = $1 order by id limit 20',
    'select id, household_number, address from household where id = any($1::bigint[])',
    'select person_id, kind, attributes from person_record where person_id = any($1::bigint[]) order by person_id, kind',
  ],
  disputes: [
    "select id, code, title, occurred_at, type_code from event where region_path like $1 and kind = 'dispute' and occurred_at >= $2 order by id limit 20",
    "select count(*)::int as n from event where region_path like $1 and kind = 'dispute' and occurred_at >= $2",
    'select event_id, name, id_number, role from event_party where event_id = any($1::bigint[]) order by id',
  ],
  organization: [
    `select o.name, o.kind, o.address,
       (select coalesce(json_agg(json_build_object('code', e.code, 'title', e.title, 'occurredAt', e.occurred_at)
                                 order by e.occurred_at desc), '[]')
          from event e where e.id in (select p.event_id from event_party p where p.organization_id = o.id)) as events
      from organization o where o.credit_code = $1`,
  ],
};

/**
 * The statements the gateway sends for the three queries (its pages as the lookahead shapes them; `date`
 * columns cast to text, as the gateway's pool reads them).
 */
export const GATEWAY_SQL: Record<PartnerQuery, string> = {
  people: `select p.id, p.id_number, p.name, p.birth_date::text as birth_date, p.household_id,
      (select json_build_object('id', h.id::text, 'household_number', h.household_number, 'address', h.address)
         from household h where h.id = p.household_id and true) as household__,
      (select coalesce(json_agg(json_build_object('id', r.id::text, 'kind', r.kind, 'attributes', r.attributes) order by r.kind), '[]')
         from person_record r where r.person_id = p.id and true) as records__
    from person p where p.region_code = $1 order by p.id limit $2`,
  disputes: `select e.id, e.code, e.title, e.occurred_at, e.type_code,
      (select coalesce(json_agg(json_build_object('id', ep.id::text, 'id_number', ep.id_number, 'name', ep.name, 'role', ep.role) order by ep.id), '[]')
         from event_party ep where ep.event_id = e.id) as parties__,
      (select count(*)::int from event e where e.region_path like $1 and e.kind = any($2::event_kind[]) and e.occurred_at >= $3) as page_total__
    from event e where e.region_path like $4 and e.kind = any($5::event_kind[]) and e.occurred_at >= $6 order by e.id limit $7`,
  organization: `select t.id, t.kind, t.name, t.address,
      (select coalesce(json_agg(json_build_object('id', ev.id::text, 'code', ev.code, 'title', ev.title, 'occurred_at', ev.occurred_at)
                                order by ev.occurred_at desc, ev.id), '[]')
         from event ev where ev.id in (select ep.event_id from event_party ep where ep.organization_id = t.id) and true) as events__
    from organization t where t.credit_code = $1 and true`,
};

const AUDIT_SQL = `insert into read_audit (principal, role, request_id, operation_name, client_address, record_type, record_ids, unmasked_fields)
  select $1, $2, $3, $4, $5, x.record_type, x.record_ids, $6::text[]
    from jsonb_to_recordset($7::jsonb) as x(record_type text, record_ids text[])`;

type Row = Record<string, unknown>;

function groupBy<T extends Row>(rows: T[], key: keyof T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = String(r[key]);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

async function audit(pool: Pool, operation: string, entries: Array<[string, unknown[]]>): Promise<void> {
  const seen = entries.filter(([, ids]) => ids.length);
  if (!seen.length) return;
  await pool.query(AUDIT_SQL, [
    'anonymous',
    null,
    randomUUID(),
    operation,
    '127.0.0.1',
    '{}',
    JSON.stringify(seen.map(([type, ids]) => ({ record_type: type, record_ids: ids.map(String) }))),
  ]);
}

function people(rows: Row[], households: Row[], records: Row[]): { people: { nodes: ClearPerson[] } } {
  const householdById = new Map(households.map((h) => [String(h.id), h]));
  const recordsByPerson = groupBy(records, 'person_id');
  return {
    people: {
      nodes: rows.map((p) => {
        const h = p.household_id == null ? undefined : householdById.get(String(p.household_id));
        return {
          idNumber: p.id_number as string | null,
          name: p.name as string,
          age: ageOn(p.birth_date as string),
          household: h
            ? { householdNumber: h.household_number as string, address: h.address as string | null }
            : null,
          records: (recordsByPerson.get(String(p.id)) ?? []).map((r) => ({
            kind: r.kind as string,
            attributes: r.attributes,
          })),
        };
      }),
    },
  };
}

function disputes(rows: Row[], totalCount: number, parties: Row[]) {
  const byEvent = groupBy(parties, 'event_id');
  const nodes: ClearDispute[] = rows.map((e) => ({
    code: e.code as string,
    title: e.title as string,
    occurredAt: e.occurred_at as Date,
    typeCode: e.type_code as string | null,
    parties: (byEvent.get(String(e.id)) ?? []).map((p) => ({
      name: p.name as string,
      idNumber: p.id_number as string | null,
      role: p.role as string | null,
    })),
  }));
  return { events: { totalCount, nodes } };
}

function organization(o: Row | undefined, events: Row[]): { organization: ClearOrganization | null } {
  return {
    organization: o
      ? {
          name: o.name as string,
          kind: o.kind as string,
          address: o.address as string | null,
          events: events.map((e) => ({
            code: e.code as string,
            title: e.title as string,
            occurredAt: e.occurred_at as Date,
          })),
        }
      : null,
  };
}

const ids = (rows: Row[], key = 'id') => [...new Set(rows.map((r) => r[key]).filter((v) => v != null))];

const PATHS: Record<PartnerQuery, Record<SqlVariant, (pool: Pool, input: never) => Promise<unknown>>> = {
  people: {
    async minimal(pool, grid: string) {
      const [page, households, records] = MINIMAL_SQL.people as [string, string, string];
      const { rows } = await pool.query(page, [grid]);
      const [h, r] = await Promise.all([
        pool.query(households, [ids(rows, 'household_id')]),
        pool.query(records, [ids(rows)]),
      ]);
      return people(rows, h.rows, r.rows);
    },
    async gateway(pool, grid: string) {
      const { rows } = await pool.query(GATEWAY_SQL.people, [grid, 20]);
      const households = rows.map((p) => p.household__).filter(Boolean);
      const records = rows.flatMap((p) => p.records__.map((r: Row) => ({ ...r, person_id: p.id })));
      await audit(pool, 'GridPeople', [
        ['Person', ids(rows)],
        ['Household', ids(households)],
        ['PersonRecord', ids(records)],
      ]);
      return people(rows, households, records);
    },
  },
  disputes: {
    async minimal(pool, input: DisputeInput) {
      const [page, count, parties] = MINIMAL_SQL.disputes as [string, string, string];
      const args = [`${input.prefix}%`, input.since];
      const [{ rows }, n] = await Promise.all([pool.query(page, args), pool.query(count, args)]);
      const p = await pool.query(parties, [ids(rows)]);
      return disputes(rows, n.rows[0].n, p.rows);
    },
    async gateway(pool, input: DisputeInput) {
      const args = [`${input.prefix}%`, '{dispute}', input.since];
      const { rows } = await pool.query(GATEWAY_SQL.disputes, [...args, ...args, 20]);
      const parties = rows.flatMap((e) => e.parties__.map((p: Row) => ({ ...p, event_id: e.id })));
      await audit(pool, 'TownshipDisputes', [['EventParty', ids(parties)]]);
      return disputes(rows, rows[0]?.page_total__ ?? 0, parties);
    },
  },
  organization: {
    async minimal(pool, code: string) {
      const { rows } = await pool.query(MINIMAL_SQL.organization[0]!, [code]);
      const o = rows[0];
      return {
        organization: o
          ? {
              name: o.name,
              kind: o.kind,
              address: o.address,
              events: o.events as ClearOrganization['events'],
            }
          : null,
      };
    },
    async gateway(pool, code: string) {
      const { rows } = await pool.query(GATEWAY_SQL.organization, [code]);
      const o = rows[0];
      return organization(o, o?.events__ ?? []);
    },
  },
};

export function sqlPath(
  query: PartnerQuery,
  variant: SqlVariant,
): (pool: Pool, input: unknown) => Promise<unknown> {
  return PATHS[query][variant] as (pool: Pool, input: unknown) => Promise<unknown>;
}
