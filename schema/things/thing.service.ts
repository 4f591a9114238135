import type { EntityManager } from '@mikro-orm/postgresql';
import {
  Conditions,
  inRegion,
  keysetPage,
  type Page,
  type PageRequest,
  regionFilter,
} from '../common/listing';
import { queryRows, sqlArray } from '../common/rows';
import { NotFoundError } from '../runtime/errors';
import { Thing, type ThingKind } from './thing.entity';

export interface ThingFilter {
  regionCode?: string | null;
  kinds?: ThingKind[] | null;
}

export async function getThingByCode(em: EntityManager, code: string): Promise<Thing> {
  const [thing] = await queryRows(em, Thing, 'select * from thing where code = ?', [code.trim()]);
  if (!thing) throw new NotFoundError('Thing', code);
  return thing;
}

export async function listThings(
  em: EntityManager,
  filter: ThingFilter,
  page: PageRequest,
): Promise<Page<Thing>> {
  const region = await regionFilter(em, filter.regionCode);
  const where = new Conditions();
  if (region) inRegion(where, 't', region);
  if (filter.kinds?.length) where.add('t.kind = any(?::thing_kind[])', sqlArray(filter.kinds));
  return keysetPage(em, Thing, 't', where, page);
}
