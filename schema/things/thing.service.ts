import type { EntityManager } from '@mikro-orm/postgresql';
import type { Scope } from '../access/scope';
import {
  Conditions,
  findVisible,
  inRegion,
  keysetPage,
  type Page,
  type PageRequest,
  regionFilter,
} from '../common/listing';
import { sqlArray } from '../common/rows';
import { NotFoundError } from '../runtime/errors';
import { Thing, type ThingKind } from './thing.entity';

export interface ThingFilter {
  regionCode?: string | null;
  kinds?: ThingKind[] | null;
}

export async function getThingByCode(em: EntityManager, scope: Scope, code: string): Promise<Thing> {
  const thing = await findVisible(em, scope, Thing, 'Thing', 'code', code.trim());
  if (!thing) throw new NotFoundError('Thing', code);
  return thing;
}

export async function listThings(
  em: EntityManager,
  scope: Scope,
  filter: ThingFilter,
  page: PageRequest,
): Promise<Page<Thing>> {
  const region = await regionFilter(em, filter.regionCode);
  const where = new Conditions().scoped(scope, 'Thing', 't');
  if (region) inRegion(where, 't', region);
  if (filter.kinds?.length) where.add('t.kind = any(?::thing_kind[])', sqlArray(filter.kinds));
  return keysetPage(em, Thing, 't', where, page);
}
