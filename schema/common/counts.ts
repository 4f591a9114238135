import type { EntityManager } from '@mikro-orm/postgresql';
import { LEVEL_DEPTH, type RegionLevel } from '../regions/region.entity';
import { getRegion } from '../regions/region.service';
import { subtreePattern } from '../regions/region-path';

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
  const rows = await em.getConnection().execute<Array<{ code: string; count: string }>>(
    `select split_part(t.region_path, '/', ?) as code, count(*) as count
       from ${COUNTABLE[table]} t
      where t.region_path like ? and (${where.sql})
      group by 1 having split_part(t.region_path, '/', ?) <> '' order by 1`,
    [LEVEL_DEPTH[level] + 2, prefix, ...where.params, LEVEL_DEPTH[level] + 2],
  );
  return rows.map((r) => ({ regionCode: r.code, count: Number(r.count) }));
}
