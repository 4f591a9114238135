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
import { Situation, type SituationKind } from './situation.entity';

export interface SituationFilter {
  regionCode?: string | null;
  kinds?: SituationKind[] | null;
  recordedFrom?: Date | null;
  recordedBefore?: Date | null;
}

export async function getSituationByCode(em: EntityManager, scope: Scope, code: string): Promise<Situation> {
  const situation = await findVisible(em, scope, Situation, 'Situation', 'code', code.trim());
  if (!situation) throw new NotFoundError('Situation', code);
  return situation;
}

export async function listSituations(
  em: EntityManager,
  scope: Scope,
  filter: SituationFilter,
  page: PageRequest,
): Promise<Page<Situation>> {
  const region = await regionFilter(em, filter.regionCode);
  const where = new Conditions().scoped(scope, 'Situation', 's');
  if (region) inRegion(where, 's', region);
  if (filter.kinds?.length) where.add('s.kind = any(?::situation_kind[])', sqlArray(filter.kinds));
  if (filter.recordedFrom) where.add('s.recorded_at >= ?', filter.recordedFrom);
  if (filter.recordedBefore) where.add('s.recorded_at < ?', filter.recordedBefore);
  return keysetPage(em, Situation, 's', where, page);
}
