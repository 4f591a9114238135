import type { EntityManager } from '@mikro-orm/postgresql';
import {
  keysetPage,
  type Page,
  type PageRequest,
  prefixPattern,
  regionFilter,
  whereInRegion,
} from '../common/listing';
import { NotFoundError } from '../runtime/errors';
import { Place, type PlaceKind } from './place.entity';

export interface PlaceFilter {
  regionCode?: string | null;
  kinds?: PlaceKind[] | null;
  nameStartsWith?: string | null;
}

export async function getPlaceByCode(em: EntityManager, code: string): Promise<Place> {
  const place = await em.findOne(Place, { code: code.trim() });
  if (!place) throw new NotFoundError('Place', code);
  return place;
}

export async function listPlaces(
  em: EntityManager,
  filter: PlaceFilter,
  page: PageRequest,
): Promise<Page<Place>> {
  const region = await regionFilter(em, filter.regionCode);
  const build = () => {
    const qb = em.createQueryBuilder(Place, 'pl').select('*');
    if (region) whereInRegion(qb, 'pl', region);
    if (filter.kinds?.length) qb.andWhere('pl.kind = any(?::place_kind[])', [`{${filter.kinds.join(',')}}`]);
    if (filter.nameStartsWith) qb.andWhere('pl.name like ?', [prefixPattern(filter.nameStartsWith.trim())]);
    return qb;
  };
  return keysetPage(build, 'pl', page);
}
