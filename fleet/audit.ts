import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '../schema/common/rows';
import type { Tx } from '../schema/db/tx';

/**
 * The fleet's audit of privileged actions (fleet_audit, append-only): token creation, enrollment and its
 * refusals, renewal, revocation, CRL publication, imports, assignments.
 */

/** A privileged fleet action; `detail` never holds a token or key material. */
export interface FleetAuditEntry {
  actor: string;
  action: string;
  handsetId?: string | null;
  serial?: string | null;
  detail?: Record<string, unknown>;
}

type Queryable = Tx | EntityManager;

function isTx(q: Queryable): q is Tx {
  return typeof (q as Tx).query === 'function' && !('fork' in q);
}

/** Appends to fleet_audit, inside the caller's transaction when given one. */
export async function recordFleetAudit(q: Queryable, entry: FleetAuditEntry): Promise<void> {
  const params = [
    entry.actor,
    entry.action,
    entry.handsetId ?? null,
    entry.serial ?? null,
    JSON.stringify(entry.detail ?? {}),
  ];
  const sql =
    'insert into fleet_audit (actor, action, handset_id, serial, detail) values ($1, $2, $3, $4, $5)';
  if (isTx(q)) await q.query(sql, params);
  else await runSql(q, sql.replace(/\$\d/g, '?'), params);
}
