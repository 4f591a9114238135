import type { EntityManager } from '@mikro-orm/postgresql';
import { queryRows, runSql } from '../common/rows';
import { DomainError, NotFoundError } from '../runtime/errors';
import { recordAccessChange } from './credentials.service';
import { combinePolicies, type EffectivePolicy, type Policy, type PolicyInput, PolicySchema } from './policy';
import { RolePolicy } from './role-policy.entity';

/**
 * Role policies in the database, cached per process and reloaded when any changes: every request compares
 * the newest version stamp at most once a second (one cheap statement), so a change made through one gateway
 * takes effect in every gateway within a second, without a restart.
 */

const CHECK_EVERY_MS = 1_000;
let cache: { stamp: string; checkedAt: number; policies: Map<string, Policy> } | null = null;
const combined = new Map<string, EffectivePolicy>();

export function parsePolicy(input: unknown, role = '(policy)'): Policy {
  const parsed = PolicySchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${[role, ...i.path].join('.')}: ${i.message}`);
    throw new DomainError('INVALID_POLICY', `Invalid policy: ${problems.join('; ')}`, { problems });
  }
  return parsed.data;
}

async function loadPolicies(em: EntityManager): Promise<Map<string, Policy>> {
  const now = Date.now();
  if (cache && now - cache.checkedAt < CHECK_EVERY_MS) return cache.policies;
  const [{ stamp }] = await runSql<{ stamp: string }>(
    em,
    "select coalesce(max(updated_at)::text, '') || ':' || count(*) as stamp from role_policy",
  );
  if (cache && cache.stamp === stamp) {
    cache.checkedAt = now;
    return cache.policies;
  }
  const rows = await runSql<{ role: string; policy: unknown }>(em, 'select role, policy from role_policy');
  cache = {
    stamp,
    checkedAt: now,
    policies: new Map(rows.map((r) => [r.role, parsePolicy(r.policy, r.role)])),
  };
  combined.clear();
  return cache.policies;
}

/** The combined policy of a set of roles (unknown roles contribute nothing). */
export async function effectivePolicy(em: EntityManager, roles: readonly string[]): Promise<EffectivePolicy> {
  const policies = await loadPolicies(em);
  const key = [...roles].sort().join(',');
  let policy = combined.get(key);
  if (!policy) {
    policy = combinePolicies(
      roles.filter((r) => policies.has(r)).map((role) => ({ role, policy: policies.get(role)! })),
    );
    combined.set(key, policy);
  }
  return policy;
}

export function listPolicies(em: EntityManager): Promise<RolePolicy[]> {
  return queryRows(em, RolePolicy, 'select * from role_policy order by role');
}

export async function setPolicy(
  em: EntityManager,
  actor: string,
  role: string,
  input: unknown,
): Promise<RolePolicy> {
  if (!/^[a-z][a-z0-9_]{1,59}$/.test(role)) {
    throw new DomainError('INVALID_POLICY', `role "${role}": 2–60 lower-case letters, digits or _`, {
      field: 'role',
    });
  }
  parsePolicy(input, role);
  const [before] = await runSql<{ policy: unknown }>(em, 'select policy from role_policy where role = ?', [
    role,
  ]);
  const [row] = await queryRows(
    em,
    RolePolicy,
    `insert into role_policy (role, policy, updated_by) values (?, ?::jsonb, ?)
     on conflict (role) do update set policy = excluded.policy, version = role_policy.version + 1,
       updated_at = clock_timestamp(), updated_by = excluded.updated_by
     returning *`,
    [role, JSON.stringify(input), actor],
  );
  await recordAccessChange(em, {
    actor,
    action: 'policy.set',
    subject: role,
    before: before?.policy,
    after: input,
  });
  cache = null;
  return row!;
}

export async function deletePolicy(em: EntityManager, actor: string, role: string): Promise<void> {
  const [inUse] = await runSql<{ name: string }>(
    em,
    'select name from principal where ? = any(roles) limit 1',
    [role],
  );
  if (inUse)
    throw new DomainError('ROLE_IN_USE', `Role "${role}" is held by ${inUse.name}; take it away first`, {
      field: 'role',
    });
  const [before] = await runSql<{ policy: unknown }>(
    em,
    'delete from role_policy where role = ? returning policy',
    [role],
  );
  if (!before) throw new NotFoundError('Role', role, 'ROLE_NOT_FOUND');
  await recordAccessChange(em, { actor, action: 'policy.delete', subject: role, before: before.policy });
  cache = null;
}

export type { PolicyInput };
