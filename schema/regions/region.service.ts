import type { EntityManager } from '@mikro-orm/postgresql';
import { groupRows, queryRows, rowsWhereIn, runSql } from '../common/rows';
import { NotFoundError } from '../runtime/errors';
import type { RegionSeed } from './demo-county';
import { LEVEL_DEPTH, Region, RegionLevel } from './region.entity';
import { ancestorCodes, childPath, ROOT_PATH, subtreePattern } from './region-path';

export async function getRegion(em: EntityManager, code: string): Promise<Region> {
  const [region] = await queryRows(em, Region, 'select * from region where code = ?', [code]);
  if (!region) throw new NotFoundError('Region', code);
  return region;
}

/**
 * Region filters are on nearly every partner query, and the tree changes a few times a year: a unit looked up
 * in the last half minute is answered from memory, which saves a statement per request (and that statement's
 * round trip was a fifth of the gateway's CPU). This process forgets them when it reloads the tree itself;
 * other processes see a change within the TTL.
 */
const REGION_TTL_MS = 30_000;
const recentRegions = new Map<string, { region: Region; until: number }>();

export async function getRegionCached(em: EntityManager, code: string): Promise<Region> {
  const now = Date.now();
  const hit = recentRegions.get(code);
  if (hit && hit.until > now) return hit.region;
  const region = await getRegion(em, code);
  if (recentRegions.size >= 5_000) recentRegions.clear();
  recentRegions.set(code, { region, until: now + REGION_TTL_MS });
  return region;
}

export function forgetRegions(): void {
  recentRegions.clear();
}

export function findRegionsByCodes(em: EntityManager, codes: readonly string[]): Promise<Region[]> {
  return rowsWhereIn(em, Region, 'code', 'text', codes, 'path');
}

/** Direct children of each parent, in code order, keyed by parent code. */
export async function childrenByParent(
  em: EntityManager,
  parentCodes: readonly string[],
): Promise<Map<string, Region[]>> {
  const rows = await rowsWhereIn(em, Region, 'parent_code', 'text', parentCodes, 'path');
  return groupRows(rows, parentCodes, (r) => r.parentCode!);
}

/**
 * Lists regions: under `parentCode` (direct children, or every descendant at `level` when a level is
 * given), or across the county at `level`, or the top of the tree when neither is given.
 */
export async function listRegions(
  em: EntityManager,
  { parentCode, level }: { parentCode?: string | null; level?: RegionLevel | null },
): Promise<Region[]> {
  if (parentCode) {
    const parent = await getRegion(em, parentCode);
    if (!level)
      return queryRows(em, Region, 'select * from region where parent_code = ? order by path', [parent.code]);
    if (LEVEL_DEPTH[level] <= LEVEL_DEPTH[parent.level]) return [];
    return queryRows(em, Region, 'select * from region where path like ? and level = ? order by path', [
      subtreePattern(parent.path),
      level,
    ]);
  }
  if (level) return queryRows(em, Region, 'select * from region where level = ? order by path', [level]);
  return queryRows(em, Region, 'select * from region where parent_code is null order by path');
}

/** Number of units at `level` in the subtree of `region` (the unit itself included if it is at that level). */
export async function countInSubtree(em: EntityManager, region: Region, level: RegionLevel): Promise<number> {
  const [{ n }] = await runSql<{ n: number }>(
    em,
    'select count(*)::int as n from region where path like ? and level = ?',
    [subtreePattern(region.path), level],
  );
  return n;
}

export { ancestorCodes };

export interface TreeLoadResult {
  inserted: number;
  updated: number;
  unchanged: number;
}

/**
 * Loads a region tree idempotently: new units are inserted, changed ones updated (with `updated_at`
 * bumped), identical ones left untouched. Seeds must list parents before children. One statement.
 */
export async function loadRegionTree(
  em: EntityManager,
  seeds: readonly RegionSeed[],
): Promise<TreeLoadResult> {
  const paths = new Map<string, string>();
  const seeded = new Set(seeds.map((s) => s.code));
  const outsideParents = [...new Set(seeds.map((s) => s.parentCode))].filter(
    (c): c is string => !!c && !seeded.has(c),
  );
  const existing = outsideParents.length ? await findRegionsByCodes(em, outsideParents) : [];
  for (const r of existing) paths.set(r.code, r.path);

  const rows = seeds.map((s) => {
    const parentPath = s.parentCode ? paths.get(s.parentCode) : ROOT_PATH;
    if (parentPath === undefined) {
      throw new NotFoundError('Region', s.parentCode!, 'REGION_PARENT_NOT_FOUND');
    }
    const path = childPath(parentPath, s.code);
    const expectedDepth = path.split('/').filter(Boolean).length - 1;
    if (expectedDepth !== LEVEL_DEPTH[s.level]) {
      throw new Error(
        `Region ${s.code}: level ${s.level} does not match its depth ${expectedDepth} in the tree`,
      );
    }
    paths.set(s.code, path);
    return { ...s, path };
  });

  // One JSON parameter rather than one per value: a tree of any size is one statement and one round trip.
  const payload = rows.map((r) => ({
    code: r.code,
    name: r.name,
    level: r.level,
    kind: r.kind,
    parent_code: r.parentCode,
    path: r.path,
    synthetic: r.synthetic,
  }));
  const result = await em.getConnection().execute<Array<{ inserted: boolean }>>(
    `insert into region (code, name, level, kind, parent_code, path, synthetic)
     select code, name, level, kind, parent_code, path, synthetic
       from jsonb_to_recordset(?::jsonb) as x(code text, name text, level region_level, kind region_kind,
                                              parent_code text, path text, synthetic boolean)
     on conflict (code) do update set
       name = excluded.name, level = excluded.level, kind = excluded.kind, parent_code = excluded.parent_code,
       path = excluded.path, synthetic = excluded.synthetic, updated_at = now()
     where (region.name, region.level, region.kind, region.parent_code, region.path, region.synthetic)
       is distinct from (excluded.name, excluded.level, excluded.kind, excluded.parent_code, excluded.path, excluded.synthetic)
     returning (xmax = 0) as inserted`,
    [JSON.stringify(payload)],
  );
  forgetRegions();
  const inserted = result.filter((r) => r.inserted).length;
  // Fresh statistics: right after a bulk load the planner misjudges the prefix predicate (2–4× slower).
  if (result.length) await em.getConnection().execute('analyze region');
  return { inserted, updated: result.length - inserted, unchanged: rows.length - result.length };
}

export interface TreeProblem {
  code: string;
  problem: string;
}

/**
 * Checks the invariants the access scopes rely on: every path is its parent's path plus its own code,
 * and every level sits at its depth. Run by the nightly upkeep job and after bulk loads.
 */
export async function verifyRegionTree(em: EntityManager): Promise<TreeProblem[]> {
  return em.getConnection().execute<TreeProblem[]>(
    `select r.code, case
        when p.code is null and r.parent_code is not null then 'parent ' || r.parent_code || ' is missing'
        when r.path <> coalesce(p.path, '/') || r.code || '/' then 'path ' || r.path || ' does not extend its parent''s path'
        else 'level ' || r.level || ' does not match depth ' || (array_length(string_to_array(trim(both '/' from r.path), '/'), 1) - 1)
      end as problem
     from region r left join region p on p.code = r.parent_code
     where (p.code is null and r.parent_code is not null)
        or r.path <> coalesce(p.path, '/') || r.code || '/'
        or array_length(string_to_array(trim(both '/' from r.path), '/'), 1) - 1
           <> array_position(array['county','township','village','grid']::region_level[], r.level) - 1
     order by r.code`,
  );
}
