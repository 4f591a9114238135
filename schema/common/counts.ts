import type { EntityManager } from '@mikro-orm/postgresql';
import { LEVEL_DEPTH, type RegionLevel } from '../regions/region.entity';
import { getRegion } from '../regions/region.service';
import { subtreePattern } from '../regions/region-path';
import { runSql } from './rows';

/** The six categories' countable tables. */
export const COUNTABLE = {
  person: 'person',
  household: 'household',
  person_record: 'person_record',
  place: 'place',
  organization: 'organization',
  event: 'event',
  thing: 'thing',
  situation: 'situation',
} as const;

export type Countable = keyof typeof COUNTABLE;

/**
 * Records of `table` per unit at `level` (townships, villages or grids) within `regionCode` (default: the
 * whole tree): the unit's code is read off each record's region path, so this is one scan of the subtree.
 */
export async function countByRegionLevel(
  em: EntityManager,
  table: Countable,
  level: RegionLevel,
  regionCode?: string | null,
  where: { sql: string; params: unknown[] } = { sql: 'true', params: [] },
): Promise<Array<{ regionCode: string; count: number }>> {
  const prefix = regionCode ? subtreePattern((await getRegion(em, regionCode)).path) : '/%';
  // The path segment's position is written into the SQL (a number from LEVEL_DEPTH, not caller input) so
  // that the select, group and having expressions are one and the same.
  const segment = `split_part(t.region_path, '/', ${LEVEL_DEPTH[level] + 2})`;
  const rows = await runSql<{ code: string; count: string }>(
    em,
    `select ${segment} as code, count(*) as count
       from ${COUNTABLE[table]} t
      where t.region_path like ? and (${where.sql})
      group by 1 having ${segment} <> '' order by 1`,
    [prefix, ...where.params],
  );
  return rows.map((r) => ({ regionCode: r.code, count: Number(r.count) }));
}
