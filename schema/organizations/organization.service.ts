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
import { validateCreditCode } from '../identifiers';
import { DomainError, NotFoundError } from '../runtime/errors';
import { Organization, type OrganizationKind } from './organization.entity';

export interface OrganizationFilter {
  regionCode?: string | null;
  kinds?: OrganizationKind[] | null;
  nameStartsWith?: string | null;
}

export async function getOrganizationByCreditCode(
  em: EntityManager,
  scope: Scope,
  creditCode: string,
): Promise<Organization> {
  const result = validateCreditCode(creditCode);
  if (!result.ok)
    throw new DomainError('INVALID_CREDIT_CODE', result.message, { field: 'creditCode', rule: result.rule });
  const org = await findVisible(em, scope, Organization, 'Organization', 'credit_code', result.value);
  if (!org) throw new NotFoundError('Organization', result.value);
  return org;
}

export async function listOrganizations(
  em: EntityManager,
  scope: Scope,
  filter: OrganizationFilter,
  page: PageRequest,
): Promise<Page<Organization>> {
  const region = await regionFilter(em, filter.regionCode);
  const where = new Conditions().scoped(scope, 'Organization', 'o');
  if (region) inRegion(where, 'o', region);
  if (filter.kinds?.length) where.add('o.kind = any(?::organization_kind[])', sqlArray(filter.kinds));
  if (filter.nameStartsWith) where.add('o.name like ?', prefixPattern(filter.nameStartsWith.trim()));
  return keysetPage(em, Organization, 'o', where, page);
}
