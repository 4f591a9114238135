import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { queryRows, runSql } from '../common/rows';
import { DomainError, NotFoundError } from '../runtime/errors';
import { ApiKey, Principal, type PrincipalKind } from './principal.entity';

/**
 * Principals and their API keys. A key is `ghk_<prefix>_<secret>`: the prefix finds the row, the SHA-256 of
 * the whole key is compared in constant time. Keys are shown once; they expire; rotation issues a new key and
 * lets the old one live for an overlap window; revocation is immediate. Every change is recorded in
 * access_change.
 */

const KEY_PATTERN = /^ghk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const DEFAULT_LIFETIME_DAYS = 365;

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export async function recordAccessChange(
  em: EntityManager,
  change: { actor: string; action: string; subject: string; before?: unknown; after?: unknown },
): Promise<void> {
  await runSql(
    em,
    'insert into access_change (actor, action, subject, before, after) values (?, ?, ?, ?::jsonb, ?::jsonb)',
    [
      change.actor,
      change.action,
      change.subject,
      change.before === undefined ? null : JSON.stringify(change.before),
      change.after === undefined ? null : JSON.stringify(change.after),
    ],
  );
}

export async function createPrincipal(
  em: EntityManager,
  actor: string,
  input: { name: string; title: string; kind: PrincipalKind; unitCode?: string | null; roles: string[] },
): Promise<Principal> {
  if (!/^[a-z0-9][a-z0-9_.-]{1,99}$/.test(input.name)) {
    throw new DomainError(
      'INVALID_PRINCIPAL',
      `name "${input.name}": 2–100 lower-case letters, digits, . _ or -`,
      { field: 'name' },
    );
  }
  await assertRoles(em, input.roles);
  if (input.unitCode) {
    const [unit] = await runSql(em, 'select 1 from region where code = ?', [input.unitCode]);
    if (!unit)
      throw new DomainError('REGION_NOT_FOUND', `No unit with code "${input.unitCode}"`, {
        field: 'unitCode',
      });
  }
  try {
    const [row] = await queryRows(
      em,
      Principal,
      'insert into principal (name, title, kind, unit_code, roles) values (?, ?, ?, ?, ?::text[]) returning *',
      [input.name, input.title, input.kind, input.unitCode ?? null, `{${input.roles.join(',')}}`],
    );
    await recordAccessChange(em, { actor, action: 'principal.create', subject: input.name, after: input });
    return row!;
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      throw new DomainError('PRINCIPAL_EXISTS', `A principal named "${input.name}" exists already`, {
        field: 'name',
      });
    }
    throw error;
  }
}

async function assertRoles(em: EntityManager, roles: string[]): Promise<void> {
  if (!roles.length)
    throw new DomainError('INVALID_PRINCIPAL', 'a principal needs at least one role', { field: 'roles' });
  const known = new Set(
    (await runSql<{ role: string }>(em, 'select role from role_policy')).map((r) => r.role),
  );
  const unknown = roles.filter((r) => !known.has(r));
  if (unknown.length) {
    throw new DomainError(
      'UNKNOWN_ROLE',
      `No policy for role ${unknown.map((r) => `"${r}"`).join(', ')} (known: ${[...known].join(', ')})`,
      {
        field: 'roles',
      },
    );
  }
}

export async function setPrincipalRoles(
  em: EntityManager,
  actor: string,
  name: string,
  roles: string[],
): Promise<Principal> {
  const before = await getPrincipal(em, name);
  await assertRoles(em, roles);
  const [row] = await queryRows(
    em,
    Principal,
    'update principal set roles = ?::text[] where name = ? returning *',
    [`{${roles.join(',')}}`, name],
  );
  await recordAccessChange(em, {
    actor,
    action: 'principal.roles',
    subject: name,
    before: { roles: before.roles },
    after: { roles },
  });
  forgetCredentials();
  return row!;
}

export async function getPrincipal(em: EntityManager, name: string): Promise<Principal> {
  const [row] = await queryRows(em, Principal, 'select * from principal where name = ?', [name]);
  if (!row) throw new NotFoundError('Principal', name);
  return row;
}

export function listPrincipals(em: EntityManager): Promise<Principal[]> {
  return queryRows(em, Principal, 'select * from principal order by name');
}

export interface IssuedKey {
  key: ApiKey;
  /** The whole key: shown once, never stored. */
  secret: string;
}

export async function issueKey(
  em: EntityManager,
  actor: string,
  principalName: string,
  {
    lifetimeDays = DEFAULT_LIFETIME_DAYS,
    rotatedFromId = null,
  }: { lifetimeDays?: number; rotatedFromId?: string | null } = {},
): Promise<IssuedKey> {
  if (!Number.isInteger(lifetimeDays) || lifetimeDays < 1 || lifetimeDays > 3 * 365) {
    throw new DomainError('INVALID_KEY', 'lifetimeDays must be a whole number of days from 1 to 1095', {
      field: 'lifetimeDays',
    });
  }
  const principal = await getPrincipal(em, principalName);
  const prefix = randomBytes(6).toString('hex');
  const secret = `ghk_${prefix}_${randomBytes(32).toString('base64url')}`;
  const [key] = await queryRows(
    em,
    ApiKey,
    `insert into api_key (principal_id, prefix, secret_hash, expires_at, rotated_from_id)
     values (?, ?, ?, now() + make_interval(days => ?), ?) returning *`,
    [principal.id, `ghk_${prefix}`, hashKey(secret), lifetimeDays, rotatedFromId],
  );
  await recordAccessChange(em, {
    actor,
    action: rotatedFromId ? 'key.rotate' : 'key.issue',
    subject: principalName,
    after: { prefix: key!.prefix, expiresAt: key!.expiresAt, rotatedFromId },
  });
  return { key: key!, secret };
}

/** A new key for the same principal; the old one stays valid for `overlapHours`, then expires. */
export async function rotateKey(
  em: EntityManager,
  actor: string,
  prefix: string,
  overlapHours = 24,
): Promise<IssuedKey> {
  const old = await keyByPrefix(em, prefix);
  if (old.revokedAt)
    throw new DomainError('KEY_REVOKED', `Key ${prefix} is revoked; issue a new one instead`, {
      field: 'prefix',
    });
  const [owner] = await runSql<{ name: string }>(em, 'select name from principal where id = ?', [
    old.principal.id,
  ]);
  const issued = await issueKey(em, actor, owner!.name, { rotatedFromId: old.id });
  await runSql(
    em,
    'update api_key set expires_at = least(expires_at, now() + make_interval(hours => ?)) where id = ?',
    [overlapHours, old.id],
  );
  forgetCredentials();
  return issued;
}

export async function revokeKey(
  em: EntityManager,
  actor: string,
  prefix: string,
  reason: string,
): Promise<ApiKey> {
  const key = await keyByPrefix(em, prefix);
  const [row] = await queryRows(
    em,
    ApiKey,
    'update api_key set revoked_at = coalesce(revoked_at, now()), revoked_reason = coalesce(revoked_reason, ?) where id = ? returning *',
    [reason, key.id],
  );
  await recordAccessChange(em, { actor, action: 'key.revoke', subject: prefix, after: { reason } });
  forgetCredentials();
  return row!;
}

async function keyByPrefix(em: EntityManager, prefix: string): Promise<ApiKey> {
  const [key] = await queryRows(em, ApiKey, 'select * from api_key where prefix = ?', [prefix]);
  if (!key) throw new NotFoundError('Key', prefix, 'KEY_NOT_FOUND');
  return key;
}

export function listKeys(em: EntityManager, principalName: string): Promise<ApiKey[]> {
  return queryRows(
    em,
    ApiKey,
    'select k.* from api_key k join principal p on p.id = k.principal_id where p.name = ? order by k.id desc',
    [principalName],
  );
}

export interface Caller {
  principal: string;
  principalId: string;
  kind: PrincipalKind;
  unitCode: string | null;
  roles: string[];
  keyPrefix: string;
}

export class AuthenticationError extends DomainError {
  constructor(reason: string) {
    super('UNAUTHENTICATED', reason);
  }
}

/**
 * Verified keys are remembered for a few seconds so that a partner's burst does not cost a statement per
 * request; a revocation or rotation in this process forgets them at once, in other processes within
 * CACHE_MS. last_used_at is written at most once a minute per key.
 */
const CACHE_MS = 5_000;
const LAST_USED_EVERY_MS = 60_000;
const verified = new Map<string, { caller: Caller; until: number; expiresAt: number }>();
const lastUsedWritten = new Map<string, number>();

export function forgetCredentials(): void {
  verified.clear();
}

export async function authenticate(em: EntityManager, presented: string): Promise<Caller> {
  const now = Date.now();
  const hash = hashKey(presented);
  const hit = verified.get(hash);
  if (hit && hit.until > now && hit.expiresAt > now) return hit.caller;
  const m = KEY_PATTERN.exec(presented);
  if (!m) throw new AuthenticationError('The API key is malformed (expected ghk_<prefix>_<secret>)');
  const [row] = await runSql<{
    id: string;
    secret_hash: string;
    expires_at: string | Date;
    revoked_at: string | Date | null;
    principal_id: string;
    name: string;
    kind: PrincipalKind;
    unit_code: string | null;
    roles: string[];
    disabled: boolean;
  }>(
    em,
    `select k.id, k.secret_hash, k.expires_at, k.revoked_at, p.id as principal_id, p.name, p.kind, p.unit_code, p.roles, p.disabled
       from api_key k join principal p on p.id = k.principal_id where k.prefix = ?`,
    [`ghk_${m[1]}`],
  );
  const matches = row && timingSafeEqual(Buffer.from(row.secret_hash, 'hex'), Buffer.from(hash, 'hex'));
  if (!row || !matches) throw new AuthenticationError('The API key is not valid');
  if (row.revoked_at) throw new AuthenticationError(`The API key ghk_${m[1]} was revoked`);
  // The ORM's pool hands timestamps back as text.
  const expiresAt = new Date(row.expires_at);
  if (expiresAt.getTime() <= now)
    throw new AuthenticationError(`The API key ghk_${m[1]} expired on ${expiresAt.toISOString()}`);
  if (row.disabled) throw new AuthenticationError(`The principal ${row.name} is disabled`);
  const caller: Caller = {
    principal: row.name,
    principalId: row.principal_id,
    kind: row.kind,
    unitCode: row.unit_code,
    roles: row.roles,
    keyPrefix: `ghk_${m[1]}`,
  };
  verified.set(hash, { caller, until: now + CACHE_MS, expiresAt: expiresAt.getTime() });
  if ((lastUsedWritten.get(row.id) ?? 0) + LAST_USED_EVERY_MS <= now) {
    lastUsedWritten.set(row.id, now);
    await runSql(em, 'update api_key set last_used_at = now() where id = ?', [row.id]);
  }
  return caller;
}
