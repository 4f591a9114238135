import type { EntityManager } from '@mikro-orm/postgresql';
import type { Scope } from '../access/scope';
import {
  Conditions,
  findVisible,
  inRegion,
  keysetPage,
  type Page,
  type PageRequest,
  prefixPattern,
  regionFilter,
} from '../common/listing';
import { sqlArray } from '../common/rows';
import { NotFoundError } from '../runtime/errors';
import { Place, type PlaceKind } from './place.entity';

export interface PlaceFilter {
  regionCode?: string | null;
  kinds?: PlaceKind[] | null;
  nameStartsWith?: string | null;
}

export async function getPlaceByCode(em: EntityManager, scope: Scope, code: string): Promise<Place> {
  const place = await findVisible(em, scope, Place, 'Place', 'code', code.trim());
  if (!place) throw new NotFoundError('Place', code);
  return place;
}

export async function listPlaces(
  em: EntityManager,
  scope: Scope,
  filter: PlaceFilter,
  page: PageRequest,
): Promise<Page<Place>> {
  const region = await regionFilter(em, filter.regionCode);
  const where = new Conditions().scoped(scope, 'Place', 'pl');
  if (region) inRegion(where, 'pl', region);
  if (filter.kinds?.length) where.add('pl.kind = any(?::place_kind[])', sqlArray(filter.kinds));
  if (filter.nameStartsWith) where.add('pl.name like ?', prefixPattern(filter.nameStartsWith.trim()));
  return keysetPage(em, Place, 'pl', where, page);
}
