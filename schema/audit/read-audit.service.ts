import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import { stringify } from 'csv-stringify';
import { queryRows, runSql } from '../common/rows';
import { requireCitizenId } from '../people/person.service';
import { DomainError } from '../runtime/errors';
import { ReadAudit } from './read-audit.entity';

/**
 * Questions administrators ask of the read audit: who read this person's record (by ID number, through every
 * record type that holds the person: the person row, their records, their household), what did this client
 * read in a period; and an export of a period for an inspector. Reads of the audit are not themselves audited
 * here: only administrators may make them, and the access change log records who they are.
 */

export interface AuditQuery {
  idNumber?: string | null;
  principal?: string | null;
  from?: Date | null;
  to?: Date | null;
  limit?: number;
}

function period(q: AuditQuery): { from: Date; to: Date } {
  const to = q.to ?? new Date();
  const from = q.from ?? new Date(to.getTime() - 365 * 86_400_000);
  if (from >= to) throw new DomainError('BAD_PERIOD', '`from` must be before `to`', { field: 'from' });
  return { from, to };
}

export async function queryReadAudit(em: EntityManager, q: AuditQuery): Promise<ReadAudit[]> {
  const { from, to } = period(q);
  const where: string[] = ['a.at >= ?', 'a.at < ?'];
  const params: unknown[] = [from, to];
  if (q.principal) {
    where.push('a.principal = ?');
    params.push(q.principal);
  }
  if (q.idNumber) {
    const id = requireCitizenId(q.idNumber);
    const keys = await runSql<{ type: string; id: string }>(
      em,
      `select 'Person' as type, p.id::text as id from person p where p.id_number = ?
       union all select 'PersonRecord', r.id::text from person_record r join person p on p.id = r.person_id where p.id_number = ?
       union all select 'Household', p.household_id::text from person p where p.id_number = ? and p.household_id is not null`,
      [id, id, id],
    );
    if (!keys.length) return [];
    where.push(
      `(${keys.map(() => '(a.record_type = ? and a.record_ids @> array[?]::text[])').join(' or ')})`,
    );
    for (const k of keys) params.push(k.type, k.id);
  }
  return queryRows(
    em,
    ReadAudit,
    `select * from read_audit a where ${where.join(' and ')} order by a.at desc, a.id desc limit ?`,
    [...params, Math.min(q.limit ?? 200, 10_000)],
  );
}

/** Every entry of a period as CSV (UTF-8 with BOM, for Excel), streamed a month partition at a time by the database. */
export async function exportReadAudit(em: EntityManager, q: AuditQuery, out: Writable): Promise<number> {
  const { from, to } = period(q);
  const rows = await runSql<Record<string, unknown>>(
    em,
    `select at, principal, role, purpose, operation_name, operation_hash, client_address, record_type, record_count,
            array_to_string(record_ids, ' ') as record_ids, array_to_string(unmasked_fields, ' ') as unmasked_fields, variables::text as variables
       from read_audit where at >= ? and at < ? ${q.principal ? 'and principal = ?' : ''} order by at, id`,
    q.principal ? [from, to, q.principal] : [from, to],
  );
  out.write('\uFEFF');
  const csv = stringify({ header: true, columns: rows.length ? Object.keys(rows[0]!) : ['at'] });
  const done = pipeline(csv, out);
  for (const r of rows) csv.write({ ...r, at: new Date(r.at as string).toISOString() });
  csv.end();
  await done;
  return rows.length;
}

/** Creates the read audit's monthly partitions from this month to `monthsAhead` ahead (idempotent). */
export async function ensureAuditPartitions(em: EntityManager, monthsAhead = 3): Promise<string[]> {
  const rows = await runSql<{ name: string }>(
    em,
    `select read_audit_ensure_partition((date_trunc('month', now()) + make_interval(months => m))::date) as name
       from generate_series(0, ?) as m`,
    [monthsAhead],
  );
  return rows.map((r) => r.name);
}
