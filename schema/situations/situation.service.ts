import type { EntityManager } from '@mikro-orm/postgresql';
import { keysetPage, type Page, type PageRequest, regionFilter, whereInRegion } from '../common/listing';
import { NotFoundError } from '../runtime/errors';
import { Situation, type SituationKind } from './situation.entity';

export interface SituationFilter {
  regionCode?: string | null;
  kinds?: SituationKind[] | null;
  recordedFrom?: Date | null;
  recordedBefore?: Date | null;
}

export async function getSituationByCode(em: EntityManager, code: string): Promise<Situation> {
  const situation = await em.findOne(Situation, { code: code.trim() });
  if (!situation) throw new NotFoundError('Situation', code);
  return situation;
}

export async function listSituations(
  em: EntityManager,
  filter: SituationFilter,
  page: PageRequest,
): Promise<Page<Situation>> {
  const region = await regionFilter(em, filter.regionCode);
  const build = () => {
    const qb = em.createQueryBuilder(Situation, 's').select('*');
    if (region) whereInRegion(qb, 's', region);
    if (filter.kinds?.length)
      qb.andWhere('s.kind = any(?::situation_kind[])', [`{${filter.kinds.join(',')}}`]);
    if (filter.recordedFrom) qb.andWhere('s.recorded_at >= ?', [filter.recordedFrom]);
    if (filter.recordedBefore) qb.andWhere('s.recorded_at < ?', [filter.recordedBefore]);
    return qb;
  };
  return keysetPage(build, 's', page);
}
