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
 * - `gateway`, the statements the gridhub gateway sends for the same query, sent directly (the region lookup,
 *   `select *`, one row more than the page to know whether another follows, the loaders' batches and the read
 *   audit insert for personal data), so the gap between it and the gateway is what the layers above SQL cost.
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

async function regionPath(pool: Pool, code: string): Promise<string> {
  const { rows } = await pool.query<{ path: string }>('select * from region where code = $1 limit 1', [code]);
  if (!rows[0]) throw new Error(`region ${code} not found`);
  return rows[0].path;
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
      await regionPath(pool, grid);
      const { rows } = await pool.query(
        'select p.* from person p where p.region_code = $1 order by p.id asc limit 21',
        [grid],
      );
      const page = rows.slice(0, 20).map((p) => ({ ...p, birth_date: dateText(p.birth_date) }));
      const [h, r] = await Promise.all([
        pool.query('select * from household where id = any($1::bigint[])', [ids(page, 'household_id')]),
        pool.query('select * from person_record where person_id = any($1::bigint[]) order by kind asc', [
          ids(page),
        ]),
      ]);
      await audit(pool, 'GridPeople', [
        ['Person', ids(page)],
        ['Household', ids(h.rows)],
        ['PersonRecord', ids(r.rows)],
      ]);
      return people(page, h.rows, r.rows);
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
      const path = await regionPath(pool, input.township);
      const where =
        "from event e where e.region_path like $1 and e.kind = any('{dispute}'::event_kind[]) and e.occurred_at >= $2";
      const args = [`${path}%`, input.since];
      const { rows } = await pool.query(`select e.* ${where} order by e.id asc limit 21`, args);
      const page = rows.slice(0, 20);
      const [n, p] = await Promise.all([
        pool.query(`select count(*) as count ${where}`, args),
        pool.query('select * from event_party where event_id = any($1::bigint[]) order by id asc', [
          ids(page),
        ]),
      ]);
      await audit(pool, 'TownshipDisputes', [['EventParty', ids(p.rows)]]);
      return disputes(page, Number(n.rows[0].count), p.rows);
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
      const { rows } = await pool.query('select * from organization where credit_code = $1 limit 1', [code]);
      const o = rows[0];
      if (!o) return organization(undefined, []);
      const parties = await pool.query(
        'select distinct organization_id::text as party_id, event_id::text from event_party where organization_id = any($1::bigint[])',
        [[o.id]],
      );
      const events = parties.rows.length
        ? (
            await pool.query('select * from event where id = any($1::bigint[]) order by occurred_at desc', [
              ids(parties.rows, 'event_id'),
            ])
          ).rows
        : [];
      return organization(o, events);
    },
  },
};

/** `date` columns arrive from `select *` as JS Dates at local midnight; the gateway reads them as text. */
function dateText(value: unknown): string {
  if (!(value instanceof Date)) return String(value);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
}

export function sqlPath(
  query: PartnerQuery,
  variant: SqlVariant,
): (pool: Pool, input: unknown) => Promise<unknown> {
  return PATHS[query][variant] as (pool: Pool, input: unknown) => Promise<unknown>;
}
