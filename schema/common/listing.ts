import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { GovernedType, Scope } from '../access/scope';
import { validateCode } from '../codes';
import { Region, RegionLevel } from '../regions/region.entity';
import { getRegionCached } from '../regions/region.service';
import { subtreePattern } from '../regions/region-path';
import { DomainError } from '../runtime/errors';
import { listColumns, type Props, runPrepared, runSql, shapeRows, tableOf } from './rows';

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
  /** Each node's row as read, with the `nested` columns asked for (parallel to `nodes`). */
  nested?: Array<Record<string, unknown>>;
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
 * missing one, so a lookup by key cannot tell that it exists. With `nested`, its children come in the same
 * statement, returned beside it; `props` narrows the columns read to the properties the caller will use.
 */
export async function findVisible<T extends object>(
  em: EntityManager,
  scope: Scope,
  entity: EntityClass<T>,
  type: GovernedType,
  column: string,
  value: string,
  options: { nested?: NestedSelect; props?: Props } = {},
): Promise<T | undefined> {
  return (await findVisibleRow(em, scope, entity, type, column, value, options))?.record;
}

/** `findVisible`, with the row as read (its `nested` columns). */
export async function findVisibleRow<T extends object>(
  em: EntityManager,
  scope: Scope,
  entity: EntityClass<T>,
  type: GovernedType,
  column: string,
  value: string,
  options: { nested?: NestedSelect; props?: Props } = {},
): Promise<{ record: T; row: Record<string, unknown> } | undefined> {
  const s = scope.where(type, 't');
  const nested = nestedColumns(options.nested);
  // The provenance JSON comes too unless `props` leaves it out. Columns are named, never `t.*`: the statement
  // stays prepared on its connections, and a column added by a migration must not change its result type.
  const provenance =
    (!options.props || options.props.has('provenance')) &&
    em.getMetadata().get(entity.name).properties.provenance !== undefined;
  const columns = `${listColumns(em, entity, 't', options.props)}${provenance ? ', t.provenance' : ''}`;
  const [row] = await runPrepared(
    em,
    `select ${columns}${nested.sql} from ${tableOf(em, entity)} t where t.${column} = ? and ${s.sql}`,
    [...nested.params, value, ...s.params],
  );
  return row ? { record: shapeRows(em, entity, [row])[0]!, row } : undefined;
}

/** `LIKE` prefix of user text, with its wildcards escaped. */
export function prefixPattern(text: string): string {
  return `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Scalar subqueries on a row's alias, selected beside its columns, by the name they come back under. */
export type NestedSelect = Record<string, { sql: string; params: unknown[] }>;

/** What a caller of a page will read of it beyond its rows (a GraphQL resolver knows from its selection). */
export interface PageOptions {
  /** The properties of the listed entity the caller will read (default all). */
  props?: Props;
  /** Each row's children, fetched in the same statement (see `jsonRow`); returned in `Page.nested`. */
  nested?: NestedSelect;
  /** The total will be asked for: it is counted in the same statement. */
  count?: boolean;
  /** Whether a next page exists will be asked for (one row more than the page is read); default yes. */
  nextPage?: boolean;
}

/** The select-list entries of `nested` (`(subquery) as name`) and their parameters, in text order. */
function nestedColumns(nested: NestedSelect | undefined): { sql: string; params: unknown[] } {
  let sql = '';
  const params: unknown[] = [];
  for (const [name, sub] of Object.entries(nested ?? {})) {
    sql += `, (${sub.sql}) as ${name}`;
    params.push(...sub.params);
  }
  return { sql, params };
}

/**
 * Keyset pagination in id order over `entity`'s table (alias `alias`), in one statement: the rows, their
 * nested children and, when asked for, the total (an uncorrelated subquery, counted once). One more row than
 * asked tells whether a next page exists, read only when that is wanted; the count runs the same conditions
 * without order or limit, on its own when the page came back empty after a cursor.
 */
export async function keysetPage<T extends { id: string }>(
  em: EntityManager,
  entity: EntityClass<T>,
  alias: string,
  where: Conditions,
  page: PageRequest,
  options: PageOptions = {},
): Promise<Page<T>> {
  const from = `from ${tableOf(em, entity)} ${alias}`;
  const count = async () => {
    const [{ n }] = await runSql<{ n: number }>(em, `select count(*)::int as n ${from} where ${where}`, [
      ...where.params,
    ]);
    return n;
  };
  if (page.first === 0) return { nodes: [], hasNextPage: false, pageSize: 0, count, nested: [] };
  const after = page.afterId ? ` and ${alias}.id > ?` : '';
  const nested = nestedColumns(options.nested);
  const total = options.count ? `, (select count(*)::int ${from} where ${where}) as page_total__` : '';
  const extra = options.nextPage === false ? 0 : 1;
  const columns = listColumns(em, entity, alias, options.props);
  // The page is chosen in a subquery and its children computed over its rows only, whatever plan picks them
  // (a sort below the limit would otherwise compute them for every matching row).
  const pageSql = `select ${columns} ${from} where ${where}${after} order by ${alias}.id limit ?`;
  const rows = await runPrepared(
    em,
    nested.sql || total
      ? `select ${alias}.*${nested.sql}${total} from (${pageSql}) ${alias} order by ${alias}.id`
      : pageSql,
    [
      ...nested.params,
      ...(options.count ? where.params : []),
      ...where.params,
      ...(page.afterId ? [page.afterId] : []),
      page.first + extra,
    ],
  );
  const kept = rows.slice(0, page.first);
  // Without a cursor, an empty page means nothing matches at all.
  const counted = rows.length > 0 ? (rows[0].page_total__ as number) : page.afterId === null ? 0 : undefined;
  return {
    nodes: shapeRows(em, entity, kept),
    hasNextPage: rows.length > page.first,
    pageSize: page.first,
    count: options.count && counted !== undefined ? async () => counted : count,
    nested: kept,
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
