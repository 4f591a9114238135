import type { EntityManager } from '@mikro-orm/postgresql';
import { createPrincipal, issueKey } from '../../schema/access/credentials.service';
import { setPolicy } from '../../schema/access/policy.service';
import { PrincipalKind } from '../../schema/access/principal.entity';
import { runSql } from '../../schema/common/rows';
import { initORM } from '../../schema/db/orm';

/**
 * API keys for the benchmarks' callers, made straight in a bench database as an administrator's CLI would
 * (`createPrincipal` + `issueKey`). The roles' policies are the ones the migration seeded, with one change:
 * their rate limit is raised to the most a policy allows, since a closed loop of 10 users asks for far more
 * than a partner's budget (admin 6,000 a minute, other roles 600) and would otherwise measure 429s. The
 * limiter still runs on every request (one Redis round trip), as it does in service.
 */

export const BENCH_RATE_PER_MINUTE = 1_000_000;

export interface BenchCaller {
  /** The principal's name (2–100 of a-z 0-9 . _ -). */
  name: string;
  role: string;
  /** The unit whose rows an `ownUnit` policy shows (a township office's township). */
  unitCode?: string | null;
}

async function liftRateLimit(em: EntityManager, role: string): Promise<void> {
  const [row] = await runSql<{ policy: Record<string, unknown> }>(
    em,
    'select policy from role_policy where role = ?',
    [role],
  );
  if (!row) throw new Error(`the bench database has no policy for role ${role}`);
  await setPolicy(em, 'bench', role, { ...row.policy, ratePerMinute: BENCH_RATE_PER_MINUTE });
}

/** A key for each caller, by name. */
export async function benchKeys(
  databaseUrl: string,
  callers: BenchCaller[],
): Promise<Record<string, string>> {
  const orm = await initORM({ url: databaseUrl, poolMax: 1, statementTimeoutMs: 60_000 });
  try {
    const em = orm.em.fork() as EntityManager;
    for (const role of new Set(callers.map((c) => c.role))) await liftRateLimit(em, role);
    const keys: Record<string, string> = {};
    for (const { name, role, unitCode = null } of callers) {
      await createPrincipal(em, 'bench', {
        name,
        title: `benchmark caller (${role}${unitCode ? ` of ${unitCode}` : ''})`,
        kind: PrincipalKind.CLIENT,
        roles: [role],
        unitCode,
      });
      keys[name] = (await issueKey(em, 'bench', name)).secret;
    }
    return keys;
  } finally {
    await orm.close();
  }
}
