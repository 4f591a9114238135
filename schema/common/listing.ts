import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { GovernedType, Scope } from '../access/scope';
import { validateCode } from '../codes';
import { Region, RegionLevel } from '../regions/region.entity';
import { getRegionCached } from '../regions/region.service';
import { subtreePattern } from '../regions/region-path';
import { DomainError } from '../runtime/errors';
import { listColumns, queryRows, runSql, tableOf } from './rows';

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

/** SQL conditions (knex `?` placeholders) on a listing's table, all of which must hold. */
export class Conditions {
  readonly sql: string[] = [];
  readonly params: unknown[] = [];

  add(sql: string, ...params: unknown[]): this {
    this.sql.push(sql);
    this.params.push(...params);
    return this;
  }

  /** Adds the reader's row predicate for `type` on `alias` (see schema/access/scope.ts). */
  scoped(scope: Scope, type: GovernedType, alias: string): this {
    const { sql, params } = scope.where(type, alias);
    if (sql !== 'true') this.add(sql, ...params);
    return this;
  }

  toString(): string {
    return this.sql.length ? this.sql.join(' and ') : 'true';
  }
}

/**
 * Restricts a listing (table alias `alias`) to records owned by `region` or anything below it. A grid is an
 * equality on region_code (served in id order by the (region_code, id) index); a larger unit is the prefix
 * predicate on the record's own region_path.
 */
export function inRegion(where: Conditions, alias: string, region: Region): void {
  if (region.level === RegionLevel.GRID) where.add(`${alias}.region_code = ?`, region.code);
  else where.add(`${alias}.region_path like ?`, subtreePattern(region.path));
}

/** Resolves an optional region filter; an unknown code is REGION_NOT_FOUND, never an empty result. */
export async function regionFilter(
  em: EntityManager,
  code: string | null | undefined,
): Promise<Region | null> {
  return code ? getRegionCached(em, code.trim()) : null;
}

/**
 * One record by a unique column, if the reader may see it: a hidden record is "not found", exactly like a
 * missing one, so a lookup by key cannot tell that it exists.
 */
export async function findVisible<T extends object>(
  em: EntityManager,
  scope: Scope,
  entity: EntityClass<T>,
  type: GovernedType,
  column: string,
  value: string,
): Promise<T | undefined> {
  const s = scope.where(type, 't');
  const [row] = await queryRows(
    em,
    entity,
    `select * from ${tableOf(em, entity)} t where t.${column} = ? and ${s.sql}`,
    [value, ...s.params],
  );
  return row;
}

/** `LIKE` prefix of user text, with its wildcards escaped. */
export function prefixPattern(text: string): string {
  return `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Keyset pagination in id order over `entity`'s table (alias `alias`): one more row than asked tells whether
 * a next page exists; the count runs the same conditions without order or limit.
 */
export async function keysetPage<T extends { id: string }>(
  em: EntityManager,
  entity: EntityClass<T>,
  alias: string,
  where: Conditions,
  page: PageRequest,
): Promise<Page<T>> {
  const from = `from ${tableOf(em, entity)} ${alias}`;
  const after = page.afterId ? ` and ${alias}.id > ?` : '';
  const params = page.afterId ? [...where.params, page.afterId] : [...where.params];
  const rows =
    page.first === 0
      ? []
      : await queryRows(
          em,
          entity,
          `select ${listColumns(em, entity, alias)} ${from} where ${where}${after} order by ${alias}.id limit ?`,
          [...params, page.first + 1],
        );
  return {
    nodes: rows.slice(0, page.first),
    hasNextPage: rows.length > page.first,
    pageSize: page.first,
    count: async () => {
      const [{ n }] = await runSql<{ n: number }>(em, `select count(*)::int as n ${from} where ${where}`, [
        ...where.params,
      ]);
      return n;
    },
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
