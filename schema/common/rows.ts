import { type EntityClass, type EntityMetadata, type EntityProperty, ReferenceKind } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Read paths without the ORM's unit of work. Building managed entities (identity map, change-set snapshots,
 * query building) cost the gateway 50 % of its CPU on partner queries (tests/bench/RESULTS.md); reads need
 * none of it. Rows come straight from SQL and are shaped like the entities from the ORM's own metadata, so
 * resolvers see the same object either way: properties by their names, timestamps as Dates, a many-to-one
 * as `{ <primary key>: value }`, and the entity's prototype (its getters) in place.
 */

type Row = Record<string, unknown>;
type Mapper = (row: Row) => object;

interface EntityShape {
  prototype: object;
  /** A mapper per set of columns read (a narrowed listing assigns only what it read). */
  mappers: Map<string, Mapper>;
}

const shapes = new WeakMap<EntityMetadata, EntityShape>();

function shapeOf(meta: EntityMetadata): EntityShape {
  let shape = shapes.get(meta);
  if (shape) return shape;
  // MikroORM puts accessors for its properties on the entity's prototype; assigning through them costs a
  // setter call per property (6 % of the gateway's CPU). A prototype between the two shadows them with plain
  // data slots, so assignments create own properties, while `instanceof` (which type-graphql checks) holds.
  const prototype = Object.create((meta.class as EntityClass<object>).prototype) as object;
  for (const prop of meta.props) {
    if (!prop.fieldNames?.[0] || prop.persist === false) continue;
    Object.defineProperty(prototype, prop.name, { value: undefined, writable: true, configurable: true });
  }
  shape = { prototype, mappers: new Map() };
  shapes.set(meta, shape);
  return shape;
}

/** The mapper of rows holding `columns`: properties whose column was not read stay undefined. */
function mapperFor(meta: EntityMetadata, columns: readonly string[]): Mapper {
  const shape = shapeOf(meta);
  const key = columns.join(',');
  let mapper = shape.mappers.get(key);
  if (mapper) return mapper;
  const present = new Set(columns);
  const steps: Array<(row: Row, out: Row) => void> = [];
  for (const prop of meta.props) {
    const column = prop.fieldNames?.[0];
    if (!column || prop.persist === false || !present.has(column)) continue;
    if (prop.kind === ReferenceKind.SCALAR) {
      if (prop.runtimeType === 'Date') {
        steps.push((row, out) => {
          const v = row[column];
          out[prop.name] = v == null ? null : v instanceof Date ? v : new Date(v as string);
        });
      } else {
        steps.push((row, out) => {
          out[prop.name] = row[column];
        });
      }
    } else if (
      prop.kind === ReferenceKind.MANY_TO_ONE ||
      (prop.kind === ReferenceKind.ONE_TO_ONE && prop.owner)
    ) {
      const key = prop.targetMeta!.primaryKeys[0];
      steps.push((row, out) => {
        const v = row[column];
        out[prop.name] = v == null ? null : { [key]: v };
      });
    }
  }
  const { prototype } = shape;
  mapper = (row) => {
    const out = Object.create(prototype) as Row;
    for (const step of steps) step(row, out);
    return out;
  };
  if (shape.mappers.size < 200) shape.mappers.set(key, mapper);
  return mapper;
}

interface PgConnection {
  query(query: { name?: string; text: string; values: unknown[] }): Promise<{ rows: Row[] }>;
}

interface KnexPool {
  client: {
    acquireConnection(): Promise<PgConnection>;
    releaseConnection(c: PgConnection): Promise<unknown>;
  };
}

const placeholders = new Map<string, string>();

/** `?` placeholders (as knex writes them) to `$1…$n`; statements are few and fixed, so the result is cached. */
function numbered(sql: string): string {
  let text = placeholders.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/\?/g, () => `$${++n}`);
    if (placeholders.size < 10_000) placeholders.set(sql, text);
  }
  return text;
}

const statementNames = new Map<string, string>();
/**
 * Distinct statement texts prepared by name, per process; each is kept by every pooled connection (and its
 * PostgreSQL backend) for the connection's life, so the number is bounded. Beyond it statements go unnamed.
 */
const MAX_NAMED = 300;

/** The name `text` is prepared under on each connection, while names last. */
function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_NAMED) {
    name = `gridhub_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return name;
}

async function run<R>(em: EntityManager, sql: string, params: readonly unknown[], prepare: boolean) {
  const { client } = em.getKnex() as unknown as KnexPool;
  const connection = await client.acquireConnection();
  try {
    const text = numbered(sql);
    const name = prepare && params.length ? statementName(text) : undefined;
    return (
      await connection.query(name ? { name, text, values: [...params] } : { text, values: [...params] })
    ).rows as R[];
  } finally {
    await client.releaseConnection(connection);
  }
}

/**
 * Runs one read statement on a pooled connection with bound parameters (the extended protocol), bypassing
 * the ORM's query formatting, which inlines and escapes every parameter into the SQL text. The pool, its
 * statement timeout and its type parsers are the ORM's own.
 */
export function runSql<R = Row>(
  em: EntityManager,
  sql: string,
  params: readonly unknown[] = [],
): Promise<R[]> {
  return run<R>(em, sql, params, false);
}

/**
 * `runSql` for the few statements of the partner read paths (pages, lookups by key, loader batches, the read
 * audit), prepared by name on each connection: PostgreSQL then parses and analyses one once per connection
 * instead of on every call, and keeps a generic plan where it is as good as the custom ones (a `like` prefix
 * keeps its custom plan). Only for texts drawn from a bounded set: each distinct text stays prepared on every
 * connection. Statements without parameters go unnamed (pg sends those by the simple protocol).
 */
export function runPrepared<R = Row>(
  em: EntityManager,
  sql: string,
  params: readonly unknown[] = [],
): Promise<R[]> {
  return run<R>(em, sql, params, true);
}

/** Runs `sql` (knex `?` placeholders) and shapes each row as an `entity`, unmanaged. */
export async function queryRows<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  sql: string,
  params: readonly unknown[] = [],
): Promise<T[]> {
  return shapeRows(em, entity, await runSql(em, sql, params));
}

/** `queryRows` by `runPrepared`. */
async function preparedRows<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  sql: string,
  params: readonly unknown[],
): Promise<T[]> {
  return shapeRows(em, entity, await runPrepared(em, sql, params));
}

/** Shapes raw rows as `entity` objects (columns that are not properties are dropped). */
export function shapeRows<T extends object>(em: EntityManager, entity: EntityClass<T>, rows: Row[]): T[] {
  if (!rows.length) return [];
  // Every row of one statement has the same columns.
  const map = mapperFor(em.getMetadata().get(entity.name), Object.keys(rows[0]!));
  return rows.map((row) => map(row) as T);
}

/**
 * Entity properties a reader will use, by property name (the primary key is always read); `undefined` is all
 * of them. A name that is not a column (a computed field nobody declared) also means all of them, so an
 * incomplete list costs columns, never values.
 */
export type Props = ReadonlySet<string> | undefined;

/** The columns a listing reads (`props` of them): never the provenance JSON, which only `provenance` needs. */
function listedProps(em: EntityManager, entity: EntityClass<object>, props: Props): EntityProperty[] {
  const all = em
    .getMetadata()
    .get(entity.name)
    .props.filter((p) => p.fieldNames?.length && p.persist !== false && p.name !== 'provenance')
    .filter((p) => p.kind === ReferenceKind.SCALAR || p.kind === ReferenceKind.MANY_TO_ONE || p.owner);
  if (!props) return all;
  const names = new Set(all.map((p) => p.name));
  for (const name of props) if (name !== 'provenance' && !names.has(name)) return all;
  return all.filter((p) => p.primary || props.has(p.name));
}

const propsKey = (props: Props) => (props ? [...props].sort().join(',') : '*');

/** SQL text built once per key; the keys (entity, alias, selection) are few, the bound only guards memory. */
function memo(cache: Map<string, string>, key: string, build: () => string): string {
  let text = cache.get(key);
  if (text === undefined) {
    text = build();
    if (cache.size < 5_000) cache.set(key, text);
  }
  return text;
}

const columnLists = new Map<string, string>();

/**
 * The columns a listing reads: those of `props` (default every column) except the provenance JSON, which
 * only the `provenance` field needs (loaded then by id). Parsing that JSON on every listed row was a visible
 * share of the gateway's CPU, and so were the columns a partner's query never asks for.
 */
export function listColumns(
  em: EntityManager,
  entity: EntityClass<object>,
  alias: string,
  props?: Props,
): string {
  return memo(columnLists, `${entity.name}/${alias}/${propsKey(props)}`, () =>
    listedProps(em, entity, props)
      .map((p) => `${alias}.${p.fieldNames[0]}`)
      .join(', '),
  );
}

const jsonRows = new Map<string, string>();

/**
 * One row of `entity` (alias `alias`) as a SQL JSON object of its list columns (`props` of them), keyed by
 * column name like a plain row, so `shapeRows` shapes it the same: how a page's children travel inside the
 * page's own statement (`json_agg` of these). Bigints and numerics go as text, as pg hands them to a plain row.
 */
export function jsonRow(
  em: EntityManager,
  entity: EntityClass<object>,
  alias: string,
  props?: Props,
): string {
  return memo(jsonRows, `${entity.name}/${alias}/${propsKey(props)}`, () => {
    const pairs = listedProps(em, entity, props).map((p) => {
      const column = p.fieldNames[0];
      const type = (p.columnTypes?.[0] ?? '').toLowerCase();
      const asText = /^(bigint|bigserial|int8|serial8|numeric|decimal)/.test(type) ? '::text' : '';
      return `'${column}', ${alias}.${column}${asText}`;
    });
    // json_build_object takes at most 100 arguments.
    if (pairs.length > 50) throw new Error(`${entity.name} has too many columns for one json_build_object`);
    return `json_build_object(${pairs.join(', ')})`;
  });
}

/** A JSON column as pg hands it over (parsed, unless a type parser left it as text). */
export function jsonValue<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** The table name of an entity, for hand-written SQL. */
export function tableOf(em: EntityManager, entity: EntityClass<object>): string {
  return em.getMetadata().get(entity.name).tableName;
}

/**
 * Rows of `entity` whose `column` (of SQL type `type`) is one of `values` — a loader's batch, one statement.
 * The parameter is cast to the column's type, never the column to text, so its index serves the lookup.
 */
export function rowsWhereIn<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  column: string,
  type: 'bigint' | 'text',
  values: readonly string[],
  orderBy = 'id',
  /** The reader's row predicate on alias `t` (schema/access/scope.ts). */
  scope: { sql: string; params: unknown[] } = { sql: 'true', params: [] },
): Promise<T[]> {
  if (!values.length) return Promise.resolve([]);
  const scoped = scope.sql === 'true' ? '' : ` and ${scope.sql}`;
  return preparedRows(
    em,
    entity,
    `select ${listColumns(em, entity, 't')} from ${tableOf(em, entity)} t where t.${column} = any(?::${type}[])${scoped} order by ${orderBy
      .split(',')
      .map((c) => `t.${c.trim()}`)
      .join(', ')}`,
    [sqlArray(values), ...scope.params],
  );
}

/** A PostgreSQL array literal of strings, each quoted. */
export function sqlArray(values: readonly unknown[]): string {
  return `{${values.map((v) => JSON.stringify(String(v))).join(',')}}`;
}

/** Groups rows by a key, every requested key present (empty when nothing matched), order kept. */
export function groupRows<T>(
  rows: T[],
  keys: readonly string[],
  keyOf: (row: T) => string,
): Map<string, T[]> {
  const out = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) out.get(keyOf(row))?.push(row);
  return out;
}
