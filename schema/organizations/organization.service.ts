import type { EntityManager } from '@mikro-orm/postgresql';
import type { Scope } from '../access/scope';
import {
  Conditions,
  findVisibleRow,
  inRegion,
  keysetPage,
  type Page,
  type PageRequest,
  prefixPattern,
  regionFilter,
} from '../common/listing';
import { jsonValue, type Props, shapeRows, sqlArray } from '../common/rows';
import { Event } from '../events/event.entity';
import { eventsOfPartySql } from '../events/event.service';
import { validateCreditCode } from '../identifiers';
import { DomainError, NotFoundError } from '../runtime/errors';
import { Organization, type OrganizationKind } from './organization.entity';

export interface OrganizationFilter {
  regionCode?: string | null;
  kinds?: OrganizationKind[] | null;
  nameStartsWith?: string | null;
}

/** What a lookup of an organisation reads beside it, in the same statement. */
export interface OrganizationIncludes {
  /** The organisation's properties the caller will read (default all, provenance included). */
  props?: Props;
  /** Its events the reader may see, newest first (like `eventsByParty`), with these of their properties. */
  events?: Props | true;
}

export async function getOrganizationByCreditCode(
  em: EntityManager,
  scope: Scope,
  creditCode: string,
  include: OrganizationIncludes = {},
): Promise<{ organization: Organization; events?: Event[] }> {
  const result = validateCreditCode(creditCode);
  if (!result.ok)
    throw new DomainError('INVALID_CREDIT_CODE', result.message, { field: 'creditCode', rule: result.rule });
  const found = await findVisibleRow(em, scope, Organization, 'Organization', 'credit_code', result.value, {
    props: include.props,
    nested: include.events
      ? {
          events__: eventsOfPartySql(
            em,
            scope,
            'organization',
            't',
            include.events === true ? undefined : include.events,
          ),
        }
      : {},
  });
  if (!found) throw new NotFoundError('Organization', result.value);
  return {
    organization: found.record,
    events: include.events
      ? shapeRows(em, Event, jsonValue<Record<string, unknown>[]>(found.row.events__))
      : undefined,
  };
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
