import type { EntityManager, QueryBuilder } from '@mikro-orm/postgresql';
import { validateCode } from '../codes';
import { Region, RegionLevel } from '../regions/region.entity';
import { getRegion } from '../regions/region.service';
import { subtreePattern } from '../regions/region-path';
import { DomainError } from '../runtime/errors';

/** A page request after validation: at most `first` rows after the row with id `afterId`. */
export interface PageRequest {
  first: number;
  afterId: string | null;
}

export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
  pageSize: number;
  /** Counts every row matching the filter; run only when asked for. */
  count: () => Promise<number>;
}

/**
 * Restricts `qb` (alias `alias`) to records owned by `region` or anything below it. A grid is an equality
 * on region_code (served in id order by the (region_code, id) index); a larger unit is the prefix predicate
 * on the record's own region_path.
 */
export function whereInRegion<T extends object>(qb: QueryBuilder<T>, alias: string, region: Region): void {
  if (region.level === RegionLevel.GRID) qb.andWhere(`${alias}.region_code = ?`, [region.code]);
  else qb.andWhere(`${alias}.region_path like ?`, [subtreePattern(region.path)]);
}

/** Resolves an optional region filter; an unknown code is REGION_NOT_FOUND, never an empty result. */
export async function regionFilter(
  em: EntityManager,
  code: string | null | undefined,
): Promise<Region | null> {
  return code ? getRegion(em, code.trim()) : null;
}

/** `LIKE` prefix of user text, with its wildcards escaped. */
export function prefixPattern(text: string): string {
  return `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Keyset pagination in id order: one more row than asked tells whether a next page exists; the count runs
 * the same filter without order or limit.
 */
export async function keysetPage<T extends { id: string }>(
  build: () => QueryBuilder<T>,
  alias: string,
  page: PageRequest,
): Promise<Page<T>> {
  const qb = build();
  if (page.afterId) qb.andWhere(`${alias}.id > ?`, [page.afterId]);
  qb.orderBy({ id: 'asc' } as never).limit(page.first + 1);
  const rows = page.first === 0 ? [] : ((await qb.getResultList()) as T[]);
  return {
    nodes: rows.slice(0, page.first),
    hasNextPage: rows.length > page.first,
    pageSize: page.first,
    count: () => build().getCount(),
  };
}

/**
 * A coded filter value from a caller, as its code: a known code or exact name of `tableId` passes (names are
 * translated), anything else is refused naming the field, the table and the rule.
 */
export function filterCode(field: string, tableId: string, value: string | null | undefined): string | null {
  if (value == null || value === '') return null;
  const check = validateCode(tableId, value);
  if (!check.ok) throw new DomainError(check.rule, `${field}: ${check.message}`, { field, rule: check.rule });
  return check.code;
}
