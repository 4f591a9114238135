import type { Tx } from '../db/tx';
import { DomainError } from '../runtime/errors';

/**
 * The units that hold events' steps. A region code stands for that level's centre or workstation (a grid's
 * worker, a village's, a township's or the county's governance centre); `dept:<role>` stands for a partner
 * department (dept:public_security…). A region unit's superior is its parent region; every department's is
 * the county centre (the root of the region tree), which has none.
 */

export interface Unit {
  code: string;
  kind: 'region' | 'department';
  /** grid, village, township, county … or 'department' (the time limits' level). */
  level: string;
  /** The region's materialised path ('/620725/620725101/'); for a department, the county's. */
  path: string;
  name: string;
  superior: string | null;
}

/** Roles that are not partner departments (they act through a region unit or not at all). */
const NOT_DEPARTMENTS = new Set([
  'admin',
  'it_office',
  'finance',
  'centre_operator',
  'township_office',
  'anonymous',
]);

export const DEPARTMENT_PREFIX = 'dept:';

/** The department units a principal's roles make it part of. */
export function departmentUnits(roles: readonly string[]): string[] {
  return roles.filter((r) => !NOT_DEPARTMENTS.has(r)).map((r) => `${DEPARTMENT_PREFIX}${r}`);
}

/** The county centre: the root of the region tree. */
export async function countyUnit(tx: Tx): Promise<string> {
  const [root] = await tx.query<{ code: string }>(
    `select code from region where parent_code is null order by code limit 1`,
  );
  if (!root) throw new DomainError('NO_REGION_TREE', 'the region tree is empty');
  return root.code;
}

/**
 * Units are read on every workflow operation and change only when the region tree or the roles do, so they
 * are remembered for a minute per process (a renamed or moved region shows within that minute).
 */
const CACHE_MS = 60_000;
const cache = new Map<string, { unit: Unit; until: number }>();

/** A unit by its code, or UNKNOWN_UNIT naming it. */
export async function describeUnit(tx: Tx, code: string): Promise<Unit> {
  const hit = cache.get(code);
  if (hit && hit.until > Date.now()) return hit.unit;
  const unit = await loadUnit(tx, code);
  if (cache.size > 10_000) cache.clear();
  cache.set(code, { unit, until: Date.now() + CACHE_MS });
  return unit;
}

async function loadUnit(tx: Tx, code: string): Promise<Unit> {
  if (code.startsWith(DEPARTMENT_PREFIX)) {
    const role = code.slice(DEPARTMENT_PREFIX.length);
    const [known] = await tx.query<{ role: string }>('select role from role_policy where role = $1', [role]);
    if (!known || NOT_DEPARTMENTS.has(role)) {
      throw new DomainError('UNKNOWN_UNIT', `no department ${JSON.stringify(code)}`, {
        field: 'toUnit',
        rule: 'UNKNOWN_UNIT',
      });
    }
    const county = await countyUnit(tx);
    return {
      code,
      kind: 'department',
      level: 'department',
      path: `/${county}/`,
      name: role,
      superior: county,
    };
  }
  const [r] = await tx.query<{
    code: string;
    level: string;
    path: string;
    name: string;
    parent_code: string | null;
  }>('select code, level::text as level, path, name, parent_code from region where code = $1', [code]);
  if (!r) {
    throw new DomainError('UNKNOWN_UNIT', `no region unit ${JSON.stringify(code)}`, {
      field: 'toUnit',
      rule: 'UNKNOWN_UNIT',
    });
  }
  return {
    code: r.code,
    kind: 'region',
    level: r.level,
    path: r.path,
    name: r.name,
    superior: r.parent_code,
  };
}

/** Whether `upper` is above `lower`: an ancestor region, or the county centre above a department. */
export function isAbove(upper: Unit, lower: Unit): boolean {
  if (upper.kind !== 'region' || upper.code === lower.code) return false;
  if (lower.kind === 'department') return upper.superior === null;
  return lower.path.startsWith(upper.path);
}
