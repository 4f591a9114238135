import type { EntityManager } from '@mikro-orm/postgresql';
import {
  keysetPage,
  type Page,
  type PageRequest,
  prefixPattern,
  regionFilter,
  whereInRegion,
} from '../common/listing';
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
  creditCode: string,
): Promise<Organization> {
  const result = validateCreditCode(creditCode);
  if (!result.ok)
    throw new DomainError('INVALID_CREDIT_CODE', result.message, { field: 'creditCode', rule: result.rule });
  const org = await em.findOne(Organization, { creditCode: result.value });
  if (!org) throw new NotFoundError('Organization', result.value);
  return org;
}

export async function listOrganizations(
  em: EntityManager,
  filter: OrganizationFilter,
  page: PageRequest,
): Promise<Page<Organization>> {
  const region = await regionFilter(em, filter.regionCode);
  const build = () => {
    const qb = em.createQueryBuilder(Organization, 'o').select('*');
    if (region) whereInRegion(qb, 'o', region);
    if (filter.kinds?.length)
      qb.andWhere('o.kind = any(?::organization_kind[])', [`{${filter.kinds.join(',')}}`]);
    if (filter.nameStartsWith) qb.andWhere('o.name like ?', [prefixPattern(filter.nameStartsWith.trim())]);
    return qb;
  };
  return keysetPage(build, 'o', page);
}
