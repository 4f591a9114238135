import type { EntityManager } from '@mikro-orm/postgresql';
import { keysetPage, type Page, type PageRequest, regionFilter, whereInRegion } from '../common/listing';
import { NotFoundError } from '../runtime/errors';
import { Thing, type ThingKind } from './thing.entity';

export interface ThingFilter {
  regionCode?: string | null;
  kinds?: ThingKind[] | null;
}

export async function getThingByCode(em: EntityManager, code: string): Promise<Thing> {
  const thing = await em.findOne(Thing, { code: code.trim() });
  if (!thing) throw new NotFoundError('Thing', code);
  return thing;
}

export async function listThings(
  em: EntityManager,
  filter: ThingFilter,
  page: PageRequest,
): Promise<Page<Thing>> {
  const region = await regionFilter(em, filter.regionCode);
  const build = () => {
    const qb = em.createQueryBuilder(Thing, 't').select('*');
    if (region) whereInRegion(qb, 't', region);
    if (filter.kinds?.length) qb.andWhere('t.kind = any(?::thing_kind[])', [`{${filter.kinds.join(',')}}`]);
    return qb;
  };
  return keysetPage(build, 't', page);
}
