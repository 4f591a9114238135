import { isDeepStrictEqual } from 'node:util';
import { type EntityMetadata, ReferenceKind } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ProvenanceData } from '../schema/common/provenance';
import type { DataSetSpec } from '../schema/datasets';
import type { Tx } from '../schema/db/tx';
import type { MappedRecord } from './mapping';
import { ConnectorError } from './protocol';

/**
 * Merging mapped records into the six-category tables, a chunk at a time: upsert on the natural key (ID
 * number, credit code, household number, place or event code, person + kind), field by field under source
 * precedence. A value another source set with a higher rank is kept and the offered one recorded as a
 * conflict with both values and sources; a record whose values did not change is not rewritten. Every
 * write records which connector set which field, when (the record's provenance).
 */

/** Ranks by connector name and field: the higher wins; equal ranks let the latest write win. */
export type Precedence = ReadonlyMap<string, Readonly<Record<string, number>>>;

export interface MergeContext {
  connector: string;
  stream: string;
  precedence: Precedence;
  /** ISO instant written into provenance. */
  at: string;
}

export interface Incoming {
  sourceKey: string;
  record: MappedRecord;
}

export interface Conflict {
  targetType: string;
  targetId: string;
  field: string;
  keptValue: unknown;
  keptSource: string;
  offeredValue: unknown;
  offeredSource: string;
  sourceKey: string;
}

export interface MergeOutcome {
  /** The id of the record each incoming one became, in input order (for person records: the record's). */
  targetIds: string[];
  targetType: string;
  inserted: number;
  updated: number;
  unchanged: number;
  conflicts: Conflict[];
}

type Status = 'inserted' | 'updated' | 'unchanged';

interface Column {
  prop: string;
  column: string;
  sqlType: string;
  /** The column's default as SQL, used on insert when the record has no value. */
  defaultSql?: string;
}

/** A six-category table as the merge writes it, read off the ORM's metadata. */
interface Table {
  type: string;
  table: string;
  columns: Map<string, Column>;
  hasAttributes: boolean;
  hasKind: boolean;
}

const ENTITY_CLASS: Record<string, string> = {
  person: 'Person',
  household: 'Household',
  person_record: 'PersonRecord',
  organization: 'Organization',
  place: 'Place',
  event: 'Event',
  thing: 'Thing',
  situation: 'Situation',
};

const SKIPPED_PROPS = new Set([
  'id',
  'provenance',
  'createdAt',
  'updatedAt',
  'region',
  'regionPath',
  'attributes',
]);

function sqlTypeOf(meta: EntityMetadata, prop: string): string {
  const p = meta.properties[prop as keyof typeof meta.properties] as unknown as {
    nativeEnumName?: string;
    columnTypes: string[];
  };
  return p.nativeEnumName ?? p.columnTypes[0]!;
}

const tables = new Map<string, Table>();

function tableOf(em: EntityManager, type: string): Table {
  let t = tables.get(type);
  if (t) return t;
  const name = ENTITY_CLASS[type];
  if (!name) throw new Error(`records of "${type}" cannot be written by a connector`);
  const meta = em.getMetadata().get(name);
  const columns = new Map<string, Column>();
  for (const prop of meta.props) {
    if (SKIPPED_PROPS.has(prop.name) || prop.persist === false) continue;
    if (prop.kind !== ReferenceKind.SCALAR && prop.kind !== ReferenceKind.MANY_TO_ONE) continue;
    const column = prop.fieldNames?.[0];
    if (!column) continue;
    const defaultSql =
      prop.defaultRaw ??
      (prop.default !== undefined && prop.default !== null
        ? `'${String(prop.default).replace(/'/g, "''")}'`
        : undefined);
    columns.set(prop.name, { prop: prop.name, column, sqlType: sqlTypeOf(meta, prop.name), defaultSql });
  }
  t = {
    type,
    table: meta.tableName,
    columns,
    hasAttributes: Boolean(meta.properties['attributes' as keyof typeof meta.properties]),
    hasKind: columns.has('kind'),
  };
  tables.set(type, t);
  return t;
}

/** The value as stored for comparison: dates as `YYYY-MM-DD`, arrays as-is. */
function comparable(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  // numeric and bigint columns come back as strings; incoming numbers are numbers
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) && v.length < 16) return Number(v);
  return v === undefined ? null : v;
}

interface Row {
  id?: string;
  values: Record<string, unknown>;
  attributes: Record<string, unknown>;
  provenance: ProvenanceData;
  regionCode: string;
  regionPath: string;
  dirty: boolean;
  fresh: boolean;
}

function rankOf(precedence: Precedence, connector: string, field: string): number {
  return precedence.get(connector)?.[field] ?? 0;
}

/**
 * Applies one incoming set of values to a row under precedence; returns whether anything changed and
 * appends conflicts. `values` holds entity properties; attributes are merged key by key as `attributes.x`.
 */
function applyValues(
  row: Row,
  values: Record<string, unknown>,
  attributes: Record<string, unknown>,
  ctx: MergeContext,
  conflict: (field: string, kept: unknown, keptSource: string, offered: unknown) => void,
): boolean {
  // One provenance entry object for every field this record sets (they serialise alike).
  const stamp = { connector: ctx.connector, at: ctx.at };
  let changed = false;
  /** Whether `offered` replaces `current`; records the conflict when precedence keeps `current`. */
  const takes = (field: string, current: unknown, offered: unknown): boolean => {
    if (offered === null || offered === undefined) return false;
    if (current !== null && current !== undefined) {
      if (current === offered || isDeepStrictEqual(comparable(current), comparable(offered))) return false;
      const owner = row.provenance.fields[field]?.connector;
      if (
        owner &&
        owner !== ctx.connector &&
        rankOf(ctx.precedence, owner, field) > rankOf(ctx.precedence, ctx.connector, field)
      ) {
        conflict(field, current, owner, offered);
        return false;
      }
    }
    row.provenance.fields[field] = stamp;
    changed = true;
    return true;
  };
  for (const prop in values) {
    const v = values[prop];
    if (takes(prop, row.values[prop], v)) row.values[prop] = v;
  }
  for (const key in attributes) {
    const v = attributes[key];
    if (takes(`attributes.${key}`, row.attributes[key], v)) row.attributes[key] = v;
  }
  return changed;
}

function touchSource(provenance: ProvenanceData, ctx: MergeContext, sourceKey: string): void {
  const key = `${ctx.stream}:${sourceKey}`;
  const existing = provenance.sources.find((s) => s.connector === ctx.connector && s.sourceKey === key);
  if (existing) existing.lastSeen = ctx.at;
  else
    provenance.sources.push({
      connector: ctx.connector,
      sourceKey: key,
      firstSeen: ctx.at,
      lastSeen: ctx.at,
    });
}

function recordsetColumns(table: Table, props: readonly string[]): string {
  return props
    .map((p) => {
      const c = table.columns.get(p)!;
      return `${c.column} ${c.sqlType}`;
    })
    .join(', ');
}

/** A row's values as the JSON of a recordset: column names, nulls left out (they read as null anyway). */
function rowValues(table: Table, props: readonly string[], r: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of props) {
    const v = r.values[p];
    if (v !== null && v !== undefined) out[table.columns.get(p)!.column] = v;
  }
  if (table.hasAttributes) out.attributes = r.attributes;
  out.region_code = r.regionCode;
  out.region_path = r.regionPath;
  return out;
}

/**
 * New rows as recordset JSON. A new row's provenance is one source and the same stamp on each field it sets,
 * so it is built in the statement (newRowSelect) from the source key and one shared object per set of
 * fields: PostgreSQL parses each field's stamp once per statement instead of once per row (most of the JSON
 * a new row would carry). A row with several sources (a key repeated in the chunk) sends its provenance.
 */
function newRows(
  table: Table,
  props: readonly string[],
  fresh: readonly Row[],
): { rows: Array<Record<string, unknown>>; fieldObjects: Array<ProvenanceData['fields']> } {
  const fieldSets = new Map<string, number>();
  const fieldObjects: Array<ProvenanceData['fields']> = [];
  const rows = fresh.map((r) => {
    const out = rowValues(table, props, r);
    const sources = r.provenance.sources;
    if (sources.length !== 1) {
      out.provenance = r.provenance;
      return out;
    }
    const signature = Object.keys(r.provenance.fields).join(',');
    let n = fieldSets.get(signature);
    if (n === undefined) {
      n = fieldObjects.push(r.provenance.fields) - 1;
      fieldSets.set(signature, n);
    }
    out.pf = n;
    out.sk = sources[0]!.sourceKey;
    return out;
  });
  return { rows, fieldObjects };
}

/**
 * The select list inserting newRows from recordset `x`: column defaults for missing values, provenance from
 * `fieldsParam` (the field objects), $3 (the connector) and $4 (the instant). `override` replaces columns' SQL.
 */
function newRowSelect(
  table: Table,
  props: readonly string[],
  fieldsParam: string,
  override: Readonly<Record<string, string>> = {},
): string {
  return `${props
    .map((p) => {
      const c = table.columns.get(p)!;
      if (override[p]) return override[p];
      return c.defaultSql ? `coalesce(x.${c.column}, ${c.defaultSql})` : `x.${c.column}`;
    })
    .join(', ')}${table.hasAttributes ? ', x.attributes' : ''}, coalesce(x.provenance, jsonb_build_object(
      'sources', jsonb_build_array(jsonb_build_object('connector', $3::text, 'sourceKey', x.sk, 'firstSeen', $4::text, 'lastSeen', $4::text)),
      'fields', ${fieldsParam}::jsonb -> x.pf)), x.region_code, x.region_path`;
}

/**
 * Upserts `items` (each with a natural key) into `table`; `keyProps` are the entity properties of the natural
 * key, `fixed` values every row carries (kind, person). Returns ids in input order.
 */
async function upsert(
  tx: Tx,
  table: Table,
  keyProps: readonly string[],
  items: Array<{
    sourceKey: string;
    values: Record<string, unknown>;
    attributes: Record<string, unknown>;
    regionCode: string;
    regionPath: string;
  }>,
  ctx: MergeContext,
  conflicts: Conflict[],
  /** Items known to have no row yet (their person was inserted by this chunk, or found absent): not looked up. */
  absent: readonly boolean[] = [],
): Promise<{ ids: string[]; statuses: Status[]; inserted: number; updated: number; unchanged: number }> {
  const keyOf = (values: Record<string, unknown>) =>
    keyProps.map((p) => String(values[p] ?? '')).join('\u0001');
  const props = [...table.columns.keys()];
  const keyColumns = keyProps.map((p) => table.columns.get(p)!.column);
  const keys = [...new Set(items.filter((_, i) => !absent[i]).map((i) => keyOf(i.values)))];

  // Existing rows by natural key, through the key's unique index: one array parameter per key column.
  const keyArrays = keyProps.map((_, i) => keys.map((k) => k.split('\u0001')[i] ?? ''));
  const unnestColumns = keyProps.map((p, i) => `u.k${i}::${table.columns.get(p)!.sqlType}`).join(', ');
  // Records whose rows cannot exist yet (their person is new) leave nothing to look up.
  const existing = !keys.length
    ? []
    : await tx.query<Record<string, unknown>>(
        `select t.id, ${props
          .map((p) => {
            const c = table.columns.get(p)!;
            // dates as the YYYY-MM-DD text the validation produces, so an unchanged day compares equal
            return c.sqlType === 'date' ? `t.${c.column}::text as "${p}"` : `t.${c.column} as "${p}"`;
          })
          .join(
            ', ',
          )}${table.hasAttributes ? ', t.attributes' : ''}, t.provenance, t.region_code, t.region_path
       from ${table.table} t
      where (${keyColumns.map((c) => `t.${c}`).join(', ')}) in (
        select ${unnestColumns} from unnest(${keyProps.map((_, i) => `$${i + 1}::text[]`).join(', ')}) as u(${keyProps.map((_, i) => `k${i}`).join(', ')}))`,
        keyArrays,
      );
  const rows = new Map<string, Row>();
  for (const e of existing) {
    const values: Record<string, unknown> = {};
    for (const p of props) values[p] = e[p] instanceof Date ? (e[p] as Date).toISOString() : e[p];
    rows.set(keyOf(values), {
      id: String(e.id),
      values,
      attributes: (e.attributes as Record<string, unknown>) ?? {},
      provenance: (e.provenance as ProvenanceData) ?? { sources: [], fields: {} },
      regionCode: String(e.region_code),
      regionPath: String(e.region_path),
      dirty: false,
      fresh: false,
    });
  }

  let inserted = 0;
  let updated = 0;
  let unchanged = 0;
  const order: Row[] = [];
  const statuses: Status[] = [];
  for (const item of items) {
    const key = keyOf(item.values);
    let row = rows.get(key);
    if (!row) {
      row = {
        values: {},
        attributes: {},
        provenance: { sources: [], fields: {} },
        regionCode: item.regionCode,
        regionPath: item.regionPath,
        dirty: true,
        fresh: true,
      };
      rows.set(key, row);
      applyValues(row, item.values, item.attributes, ctx, () => undefined);
      touchSource(row.provenance, ctx, item.sourceKey);
      inserted++;
      statuses.push('inserted');
    } else {
      const target = row;
      const changed = applyValues(
        row,
        item.values,
        item.attributes,
        ctx,
        (field, kept, keptSource, offered) =>
          conflicts.push({
            targetType: table.type,
            targetId: target.id ?? '',
            field,
            keptValue: kept,
            keptSource,
            offeredValue: offered,
            offeredSource: ctx.connector,
            sourceKey: `${ctx.stream}:${item.sourceKey}`,
          }),
      );
      const moved = row.regionCode !== item.regionCode;
      if (moved) {
        row.regionCode = item.regionCode;
        row.regionPath = item.regionPath;
      }
      if (changed || moved) {
        touchSource(row.provenance, ctx, item.sourceKey);
        updated++;
        statuses.push('updated');
        row.dirty = true;
      } else {
        unchanged++;
        statuses.push('unchanged');
      }
    }
    order.push(row);
  }

  const payload = (r: Row) => {
    const out = rowValues(table, props, r);
    out.provenance = r.provenance;
    if (r.id) out.id = r.id;
    return out;
  };
  const recordset = `${recordsetColumns(table, props)}${table.hasAttributes ? ', attributes jsonb' : ''}, provenance jsonb, region_code text, region_path text`;
  const columnList = `${props.map((p) => table.columns.get(p)!.column).join(', ')}${table.hasAttributes ? ', attributes' : ''}, provenance, region_code, region_path`;

  const fresh = [...new Set(order.filter((r) => r.fresh))];
  if (fresh.length) {
    const { rows, fieldObjects } = newRows(table, props, fresh);
    const selectList = newRowSelect(table, props, '$2');
    const returned = await tx.query<Record<string, unknown>>(
      `insert into ${table.table} (${columnList})
       select ${selectList} from jsonb_to_recordset($1::jsonb) as x(${recordset}, pf int, sk text)
       on conflict (${keyColumns.join(', ')}) do nothing
       returning id, ${keyColumns.map((c, i) => `${c}::text as k${i}`).join(', ')}`,
      [JSON.stringify(rows), JSON.stringify(fieldObjects), ctx.connector, ctx.at],
    );
    const idByKey = new Map(
      returned.map((r) => [keyProps.map((_, i) => String(r[`k${i}`] ?? '')).join('\u0001'), String(r.id)]),
    );
    for (const r of fresh) r.id = idByKey.get(keyOf(r.values));
    if (returned.length < fresh.length) {
      // Another writer added one of these keys after they were found absent: this chunk is rolled back and
      // retried, and then merges with what it finds.
      throw new ConnectorError(
        'transient',
        'MERGE_RACE',
        `${fresh.length - returned.length} ${table.table} record(s) were written by another run during this chunk`,
      );
    }
  }
  const changed = [...new Set(order.filter((r) => r.dirty && !r.fresh))];
  if (changed.length) {
    await tx.query(
      `update ${table.table} t set ${props.map((p) => `${table.columns.get(p)!.column} = x.${table.columns.get(p)!.column}`).join(', ')}${
        table.hasAttributes ? ', attributes = x.attributes' : ''
      }, provenance = x.provenance, region_code = x.region_code, region_path = x.region_path, updated_at = now()
        from jsonb_to_recordset($1::jsonb) as x(id bigint, ${recordset})
       where t.id = x.id`,
      [JSON.stringify(changed.map(payload))],
    );
  }
  for (const c of conflicts) {
    if (!c.targetId) c.targetId = order.find((r) => r.id)?.id ?? '';
  }
  return { ids: order.map((r) => r.id!), statuses, inserted, updated, unchanged };
}

/** The natural key of each data set's entity. */
function naturalKey(spec: DataSetSpec, values: Record<string, unknown>): string[] {
  switch (spec.entity) {
    case 'person':
    case 'person_record':
      return values.idNumber ? ['idNumber'] : ['documentType', 'documentNumber'];
    case 'household':
      return ['householdNumber'];
    case 'organization':
      return ['creditCode'];
    default:
      return ['code'];
  }
}

/** A failure when a mapped record lacks its natural key (it cannot be merged), else null. */
export function naturalKeyFailure(
  spec: DataSetSpec,
  record: MappedRecord,
): { field: string; rule: string; message: string } | null {
  if (spec.entity === 'person_record' && !spec.kind)
    return { field: '(data set)', rule: 'NO_KIND', message: `${spec.label} has no kind` };
  for (const p of naturalKey(spec, record.columns)) {
    const v = record.columns[p];
    if (v === null || v === undefined || v === '') {
      return {
        field: p,
        rule: 'KEY_REQUIRED',
        message: `${p}: empty, but it is the natural key of ${spec.label} (${spec.id})`,
      };
    }
  }
  return null;
}

/**
 * A chunk of person records that are all new (their people found absent, each ID number once), written by
 * one statement built before the chunk's transaction: the transaction then only runs it. Every row comes
 * out as the general merge would write it (the same values, provenance and counts: all inserted).
 */
export interface NewRecords {
  sql: string;
  params: unknown[];
  /** The ID number of each incoming record, in input order. */
  keys: string[];
}

/** The statement for `incoming` if it qualifies (see NewRecords), else undefined: the general merge then. */
export function prepareNewRecords(
  em: EntityManager,
  spec: DataSetSpec,
  incoming: readonly Incoming[],
  absent: ReadonlySet<string>,
  ctx: MergeContext,
): NewRecords | undefined {
  if (spec.entity !== 'person_record' || !spec.kind || !incoming.length) return undefined;
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const { record } of incoming) {
    const key = record.columns.idNumber;
    if (typeof key !== 'string' || !key || seen.has(key)) return undefined;
    if (!absent.has(naturalKeyOf(spec, record))) return undefined;
    seen.add(key);
    keys.push(key);
  }
  const people = tableOf(em, 'person');
  const records = tableOf(em, 'person_record');
  const personProps = [...people.columns.keys()];
  const recordProps = [...records.columns.keys()].filter((p) => p !== 'person');
  const fresh = (regionCode: string, regionPath: string): Row => ({
    values: {},
    attributes: {},
    provenance: { sources: [], fields: {} },
    regionCode,
    regionPath,
    dirty: true,
    fresh: true,
  });
  const personRows: Row[] = [];
  const recordRows: Row[] = [];
  for (const { sourceKey, record } of incoming) {
    const person = fresh(record.regionCode, record.regionPath);
    applyValues(person, { ...record.columns }, {}, ctx, () => undefined);
    touchSource(person.provenance, ctx, sourceKey);
    personRows.push(person);
    // The person's id is not known yet: the statement joins it in; its provenance stamp is the same.
    const row = fresh(record.regionCode, record.regionPath);
    applyValues(row, { person: '', kind: spec.kind }, record.attributes, ctx, () => undefined);
    touchSource(row.provenance, ctx, sourceKey);
    recordRows.push(row);
  }
  const p = newRows(people, personProps, personRows);
  const r = newRows(records, recordProps, recordRows);
  r.rows.forEach((row, i) => {
    row.k0 = keys[i];
    row.n = i;
  });
  const idColumn = people.columns.get('idNumber')!.column;
  const personColumn = records.columns.get('person')!.column;
  const columnList = (table: Table, props: readonly string[]) =>
    `${props.map((c) => table.columns.get(c)!.column).join(', ')}${table.hasAttributes ? ', attributes' : ''}, provenance, region_code, region_path`;
  const recordset = (table: Table, props: readonly string[]) =>
    `${recordsetColumns(table, props)}${table.hasAttributes ? ', attributes jsonb' : ''}, provenance jsonb, region_code text, region_path text, pf int, sk text`;
  const recordColumns = [
    records.columns.get('person')!.column,
    ...recordProps.map((c) => records.columns.get(c)!.column),
  ];
  return {
    sql: `with p as (
        insert into ${people.table} (${columnList(people, personProps)})
        select ${newRowSelect(people, personProps, '$2')} from jsonb_to_recordset($1::jsonb) as x(${recordset(people, personProps)})
        on conflict (${idColumn}) do nothing
        returning id, ${idColumn}::text as k0),
      r as (
        insert into ${records.table} (${recordColumns.join(', ')}${records.hasAttributes ? ', attributes' : ''}, provenance, region_code, region_path)
        select p.id, ${newRowSelect(records, recordProps, '$6')}
          from jsonb_to_recordset($5::jsonb) as x(${recordset(records, recordProps)}, k0 text, n int) join p on p.k0 = x.k0
         order by x.n
        returning id, ${personColumn} as person_id)
      select p.k0, r.id::text as id from r join p on p.id = r.person_id`,
    params: [
      JSON.stringify(p.rows),
      JSON.stringify(p.fieldObjects),
      ctx.connector,
      ctx.at,
      JSON.stringify(r.rows),
      JSON.stringify(r.fieldObjects),
    ],
    keys,
  };
}

/** Runs a NewRecords statement; a person written meanwhile by another run fails the chunk (MERGE_RACE). */
export async function insertNewRecords(tx: Tx, statement: NewRecords): Promise<MergeOutcome> {
  const written = await tx.query<{ k0: string; id: string }>(statement.sql, statement.params);
  if (written.length < statement.keys.length) {
    throw new ConnectorError(
      'transient',
      'MERGE_RACE',
      `${statement.keys.length - written.length} person record(s) were written by another run during this chunk`,
    );
  }
  const ids = new Map(written.map((w) => [w.k0, w.id]));
  return {
    targetIds: statement.keys.map((k) => ids.get(k)!),
    targetType: 'person_record',
    inserted: statement.keys.length,
    updated: 0,
    unchanged: 0,
    conflicts: [],
  };
}

const NONE: ReadonlySet<string> = new Set();

/** A mapped record's natural key as one string: its key properties and their values. */
export function naturalKeyOf(spec: DataSetSpec, record: MappedRecord): string {
  const props = naturalKey(spec, record.columns);
  return `${props.join(',')}\u0002${props.map((p) => String(record.columns[p] ?? '')).join('\u0001')}`;
}

/**
 * The natural keys of `records` that have no row yet (for a person record: no person). The sync asks this
 * before a chunk's transaction, on another connection while the chunk before it commits, so that the
 * transaction itself need not look new records up; a key written meanwhile by another run makes the insert
 * come back short, and the chunk is retried (MERGE_RACE).
 */
export async function findAbsent(
  em: EntityManager,
  tx: Tx,
  spec: DataSetSpec,
  records: readonly MappedRecord[],
): Promise<Set<string>> {
  const table = tableOf(em, spec.entity === 'person_record' ? 'person' : spec.entity);
  const absent = new Set<string>();
  const groups = new Map<string, { keyProps: string[]; keys: Map<string, string[]> }>();
  for (const record of records) {
    const keyProps = naturalKey(spec, record.columns);
    const id = keyProps.join(',');
    let g = groups.get(id);
    if (!g) {
      g = { keyProps, keys: new Map() };
      groups.set(id, g);
    }
    const values = keyProps.map((p) => String(record.columns[p] ?? ''));
    g.keys.set(`${id}\u0002${values.join('\u0001')}`, values);
  }
  for (const { keyProps, keys } of groups.values()) {
    const columns = keyProps.map((p) => table.columns.get(p)!);
    const found = await tx.query<Record<string, string>>(
      `select ${columns.map((c, i) => `t.${c.column}::text as k${i}`).join(', ')} from ${table.table} t
        where (${columns.map((c) => `t.${c.column}`).join(', ')}) in (
          select ${columns.map((c, i) => `u.k${i}::${c.sqlType}`).join(', ')}
            from unnest(${columns.map((_, i) => `$${i + 1}::text[]`).join(', ')}) as u(${columns.map((_, i) => `k${i}`).join(', ')}))`,
      columns.map((_, i) => [...keys.values()].map((v) => v[i]!)),
    );
    const present = new Set(
      found.map(
        (r) => `${keyProps.join(',')}\u0002${columns.map((_, i) => r[`k${i}`] ?? '').join('\u0001')}`,
      ),
    );
    for (const key of keys.keys()) if (!present.has(key)) absent.add(key);
  }
  return absent;
}

/** Records per statement: bounds the JSON a statement carries, and so the memory a merge holds at once. */
const MERGE_BATCH = 2000;

/**
 * Merges one chunk of mapped records of one data set, MERGE_BATCH records at a time (in the caller's
 * transaction). Person records write the person block into `person` first, then the record (person + kind)
 * with the data set's own fields. Returns per-record ids and counts; a record counts as updated if either of
 * its rows changed.
 */
export async function mergeChunk(
  em: EntityManager,
  tx: Tx,
  spec: DataSetSpec,
  incoming: readonly Incoming[],
  ctx: MergeContext,
  /** Natural keys (naturalKeyOf) known to have no row: not looked up again (see findAbsent). */
  absent: ReadonlySet<string> = NONE,
): Promise<MergeOutcome> {
  if (incoming.length <= MERGE_BATCH) return mergeBatch(em, tx, spec, incoming, ctx, absent);
  const outcome: MergeOutcome = {
    targetIds: [],
    targetType: '',
    inserted: 0,
    updated: 0,
    unchanged: 0,
    conflicts: [],
  };
  for (let i = 0; i < incoming.length; i += MERGE_BATCH) {
    const part = await mergeBatch(em, tx, spec, incoming.slice(i, i + MERGE_BATCH), ctx, absent);
    outcome.targetIds.push(...part.targetIds);
    outcome.targetType = part.targetType;
    outcome.inserted += part.inserted;
    outcome.updated += part.updated;
    outcome.unchanged += part.unchanged;
    outcome.conflicts.push(...part.conflicts);
  }
  return outcome;
}

async function mergeBatch(
  em: EntityManager,
  tx: Tx,
  spec: DataSetSpec,
  incoming: readonly Incoming[],
  ctx: MergeContext,
  absent: ReadonlySet<string>,
): Promise<MergeOutcome> {
  const isAbsent = (i: number) => absent.size > 0 && absent.has(naturalKeyOf(spec, incoming[i]!.record));
  const conflicts: Conflict[] = [];
  if (spec.entity !== 'person_record') {
    const table = tableOf(em, spec.entity);
    const groups = groupByKey(spec, incoming);
    const outcome = {
      targetIds: new Array<string>(incoming.length),
      targetType: table.type,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      conflicts,
    };
    for (const { keyProps, indexes } of groups) {
      const result = await upsert(
        tx,
        table,
        keyProps,
        indexes.map((i) => {
          const r = incoming[i]!.record;
          const values = { ...r.columns };
          if (table.hasKind && spec.kind) values.kind = spec.kind;
          return {
            sourceKey: incoming[i]!.sourceKey,
            values,
            attributes: r.attributes,
            regionCode: r.regionCode,
            regionPath: r.regionPath,
          };
        }),
        ctx,
        conflicts,
        indexes.map(isAbsent),
      );
      indexes.forEach((i, n) => {
        outcome.targetIds[i] = result.ids[n]!;
      });
      outcome.inserted += result.inserted;
      outcome.updated += result.updated;
      outcome.unchanged += result.unchanged;
    }
    return outcome;
  }

  const people = tableOf(em, 'person');
  const records = tableOf(em, 'person_record');
  const personIds = new Array<string>(incoming.length);
  const personStatus = new Array<Status>(incoming.length);
  for (const { keyProps, indexes } of groupByKey(spec, incoming)) {
    const items = indexes.map((i) => {
      const r = incoming[i]!.record;
      return {
        sourceKey: incoming[i]!.sourceKey,
        values: { ...r.columns },
        attributes: {},
        regionCode: r.regionCode,
        regionPath: r.regionPath,
      };
    });
    const before = conflicts.length;
    const result = await upsert(tx, people, keyProps, items, ctx, conflicts, indexes.map(isAbsent));
    for (const c of conflicts.slice(before)) c.targetType = 'person';
    indexes.forEach((i, n) => {
      personIds[i] = result.ids[n]!;
      personStatus[i] = result.statuses[n]!;
    });
  }
  const recordResult = await upsert(
    tx,
    records,
    ['person', 'kind'],
    incoming.map((item, i) => ({
      sourceKey: item.sourceKey,
      values: { person: personIds[i], kind: spec.kind },
      attributes: item.record.attributes,
      regionCode: item.record.regionCode,
      regionPath: item.record.regionPath,
    })),
    ctx,
    conflicts,
    personStatus.map((status) => status === 'inserted'),
  );
  // A person record counts once: inserted if its record is new, updated if its record or its person changed.
  const outcome: MergeOutcome = {
    targetIds: recordResult.ids,
    targetType: 'person_record',
    inserted: 0,
    updated: 0,
    unchanged: 0,
    conflicts,
  };
  recordResult.statuses.forEach((status, i) => {
    if (status === 'inserted') outcome.inserted++;
    else if (status === 'updated' || personStatus[i] !== 'unchanged') outcome.updated++;
    else outcome.unchanged++;
  });
  return outcome;
}

function groupByKey(
  spec: DataSetSpec,
  incoming: readonly Incoming[],
): Array<{ keyProps: string[]; indexes: number[] }> {
  const groups = new Map<string, { keyProps: string[]; indexes: number[] }>();
  incoming.forEach((item, i) => {
    const keyProps = naturalKey(spec, item.record.columns);
    const id = keyProps.join(',');
    let g = groups.get(id);
    if (!g) {
      g = { keyProps, indexes: [] };
      groups.set(id, g);
    }
    g.indexes.push(i);
  });
  return [...groups.values()];
}
