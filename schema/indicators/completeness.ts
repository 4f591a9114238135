import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '../common/rows';
import { DATA_SETS, type DataSetSpec, dataSet, type FieldSpec } from '../datasets';
import {
  decodeCursor,
  encodeCursor,
  type IndicatorScope,
  type Page,
  type PageInput,
  pageSize,
} from './scope';

/**
 * 基础数据库完整率 in SQL: filled mandatory items ÷ mandatory items over the records of every data set
 * (DATA_SETS, read as data: `mandatory` fields, and `mandatoryIf` fields for the records meeting the
 * condition), counted the way schema/datasets/completeness.ts counts one record — a value is filled unless it
 * is null, blank text or a list of blanks. Loading 160,000 people to count them in JS would take seconds and
 * memory; one aggregate statement per data set does it where the rows are. Records counted are those that
 * exist at the period's end (created before `to`), in the region and below.
 */

/** Which rows of the entity's table belong to the data set. */
function rowFilter(spec: DataSetSpec, alias: string): string {
  if (spec.entity === 'person') {
    // The person block of foreigners differs (person_foreign); a person is a foreigner by a foreign record.
    const foreign = `exists (select 1 from person_record fr where fr.person_id = ${alias}.id and fr.kind = 'foreign')`;
    return spec.kind === 'foreign' ? foreign : `not ${foreign}`;
  }
  if (spec.entity === 'household' || !spec.kind) return 'true';
  return `${alias}.kind = '${spec.kind.replace(/'/g, "''")}'`;
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function quoteText(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** SQL for "this field holds a value" on the row `alias`. */
function filledSql(field: FieldSpec, alias: string, columnOf: (name: string) => string): string {
  if (field.in === 'column') {
    return `coalesce(btrim(${alias}.${columnOf(field.name)}::text) <> '', false)`;
  }
  const v = `(${alias}.attributes -> ${quoteText(field.name)})`;
  // A missing key reads SQL null, which no WHEN matches: hence the first test.
  return `coalesce(case when ${v} is null then false else case jsonb_typeof(${v})
      when 'string' then btrim(${v} #>> '{}') <> ''
      when 'null' then false
      when 'array' then exists (select 1 from jsonb_array_elements(${v}) e
                                 where jsonb_typeof(e) <> 'null'
                                   and (jsonb_typeof(e) <> 'string' or btrim(e #>> '{}') <> ''))
      else true end end, false)`;
}

/** SQL for "the condition of a mandatoryIf field holds" (values are normalised on write). */
function conditionSql(
  spec: DataSetSpec,
  field: FieldSpec,
  alias: string,
  columnOf: (n: string) => string,
): string {
  const condition = field.mandatoryIf!;
  const other = spec.fields.find((f) => f.name === condition.field);
  if (!other) return 'false';
  const text =
    other.in === 'column'
      ? `${alias}.${columnOf(other.name)}::text`
      : `(${alias}.attributes ->> ${quoteText(other.name)})`;
  if (typeof condition.equals === 'boolean') {
    // A boolean may be stored as jsonb true or as text; both read 'true' here.
    return `coalesce(lower(${text}) in (${condition.equals ? "'true','t'" : "'false','f'"}), false)`;
  }
  return `coalesce(${text} = ${quoteText(String(condition.equals))}, false)`;
}

interface CountedField {
  field: FieldSpec;
  /** 1 when the field is mandatory for the row. */
  applies: string;
  filled: string;
}

function countedFields(spec: DataSetSpec, alias: string, columnOf: (n: string) => string): CountedField[] {
  const out: CountedField[] = [];
  for (const field of spec.fields) {
    if (field.mandatory) {
      out.push({ field, applies: 'true', filled: filledSql(field, alias, columnOf) });
    } else if (field.mandatoryIf) {
      out.push({
        field,
        applies: conditionSql(spec, field, alias, columnOf),
        filled: filledSql(field, alias, columnOf),
      });
    }
  }
  return out;
}

/** Entity property → column, from the ORM's metadata (falls back to snake_case). */
function columnResolver(em: EntityManager, table: string): (name: string) => string {
  const meta = Object.values(em.getMetadata().getAll()).find((m) => m.tableName === table && !m.embeddable);
  return (name) => {
    const column = meta?.properties[name]?.fieldNames?.[0] ?? snake(name);
    return `"${column.replace(/"/g, '')}"`;
  };
}

/**
 * SQL that is true when every mandatory item of `spec` is filled on the row `alias` and, with `personAlias`,
 * every mandatory item of the person block (people's records are complete only with their person block).
 */
export function completeRowSql(
  em: EntityManager,
  spec: DataSetSpec,
  alias: string,
  personAlias?: string,
): string {
  const own = countedFields(spec, alias, columnResolver(em, spec.entity)).map(
    (f) => `(not (${f.applies}) or ${f.filled})`,
  );
  const block = personAlias ? dataSet('person', spec.kind === 'foreign' ? 'foreign' : undefined) : undefined;
  const person = block
    ? countedFields(block, personAlias!, columnResolver(em, 'person')).map(
        (f) => `(not (${f.applies}) or ${f.filled})`,
      )
    : [];
  const all = [...own, ...person];
  return all.length === 0 ? 'true' : `(${all.join(' and ')})`;
}

export interface CompletenessDataSetRow {
  dataSet: string;
  label: string;
  records: number;
  filled: number;
  mandatory: number;
  rate: number | null;
  /** Mandatory field → items missing (only fields with gaps). */
  missingByField: Record<string, number>;
}

export interface CompletenessRegionRow {
  regionCode: string;
  name: string;
  records: number;
  filled: number;
  mandatory: number;
  rate: number | null;
}

export interface CompletenessResult {
  filled: number;
  mandatory: number;
  records: number;
  byDataSet: CompletenessDataSetRow[];
  byRegion: CompletenessRegionRow[];
}

const rate = (filled: number, mandatory: number) => (mandatory === 0 ? null : filled / mandatory);

export async function computeCompleteness(
  em: EntityManager,
  scope: IndicatorScope,
  dataSets: readonly DataSetSpec[] = DATA_SETS,
): Promise<CompletenessResult> {
  const children = await runSql<{ code: string; name: string }>(
    em,
    'select code, name from region where parent_code = $1 order by code',
    [scope.regionCode],
  );
  const byRegion = new Map<string, CompletenessRegionRow>();
  for (const c of children) {
    byRegion.set(c.code, {
      regionCode: c.code,
      name: c.name,
      records: 0,
      filled: 0,
      mandatory: 0,
      rate: null,
    });
  }
  const byDataSet: CompletenessDataSetRow[] = [];
  let filled = 0;
  let mandatory = 0;
  let records = 0;
  for (const spec of dataSets) {
    const columnOf = columnResolver(em, spec.entity);
    const fields = countedFields(spec, 'r', columnOf);
    if (fields.length === 0) continue;
    const sums = fields
      .map((f, i) => `sum((${f.applies})::int) as m${i}, sum((${f.applies} and ${f.filled})::int) as f${i}`)
      .join(',\n ');
    // The child region a record sits under: the path component after the region's own.
    const rows = await runSql<Record<string, string | null>>(
      em,
      `select split_part(r.region_path, '/', ${scope.depth + 2}) as child, count(*) as n, ${sums}
         from ${spec.entity} r
        where r.region_path like $1 || '%' and r.created_at < $2 and ${rowFilter(spec, 'r')}
        group by 1`,
      [scope.regionPath, scope.existsBefore],
    );
    const row: CompletenessDataSetRow = {
      dataSet: spec.id,
      label: spec.label,
      records: 0,
      filled: 0,
      mandatory: 0,
      rate: null,
      missingByField: {},
    };
    for (const r of rows) {
      let f = 0;
      let m = 0;
      fields.forEach((cf, i) => {
        const mi = Number(r[`m${i}`] ?? 0);
        const fi = Number(r[`f${i}`] ?? 0);
        m += mi;
        f += fi;
        if (mi > fi) row.missingByField[cf.field.name] = (row.missingByField[cf.field.name] ?? 0) + mi - fi;
      });
      const n = Number(r.n);
      row.records += n;
      row.filled += f;
      row.mandatory += m;
      const child = r.child ? byRegion.get(r.child) : undefined;
      // Records placed on the region itself (not below a child) only count in the totals.
      if (child) {
        child.records += n;
        child.filled += f;
        child.mandatory += m;
      }
    }
    row.rate = rate(row.filled, row.mandatory);
    byDataSet.push(row);
    filled += row.filled;
    mandatory += row.mandatory;
    records += row.records;
  }
  const regions = [...byRegion.values()];
  for (const r of regions) r.rate = rate(r.filled, r.mandatory);
  return { filled, mandatory, records, byDataSet, byRegion: regions };
}

export interface IncompleteRecord {
  dataSet: string;
  entity: string;
  id: string;
  /** The record's own code where the entity has one (places, events, things…); never personal data. */
  code: string | null;
  regionCode: string;
  /** Names of the empty mandatory fields. */
  missing: string[];
}

/**
 * The records with at least one empty mandatory item, data set by data set in DATA_SETS order and by id within
 * one, keyset-paged (the cursor is the data set's index and the last id).
 */
export async function incompleteRecords(
  em: EntityManager,
  scope: IndicatorScope,
  page?: PageInput,
  dataSets: readonly DataSetSpec[] = DATA_SETS,
): Promise<Page<IncompleteRecord>> {
  const first = pageSize(page);
  const cursor = decodeCursor(page?.after, 2);
  let setIndex = cursor ? Number(cursor[0]) : 0;
  let afterId = cursor ? String(cursor[1]) : '0';
  const items: IncompleteRecord[] = [];
  for (; setIndex < dataSets.length; setIndex++, afterId = '0') {
    const spec = dataSets[setIndex]!;
    const columnOf = columnResolver(em, spec.entity);
    const fields = countedFields(spec, 'r', columnOf);
    if (fields.length === 0) continue;
    const missing = fields.map((f) => `(${f.applies} and not ${f.filled})`);
    const hasCode = ['place', 'event', 'thing', 'situation', 'training_session'].includes(spec.entity);
    const rows = await runSql<Record<string, unknown>>(
      em,
      `select r.id::text as id, r.region_code, ${hasCode ? 'r.code' : 'null::text'} as code,
              ${missing.map((m, i) => `${m} as x${i}`).join(', ')}
         from ${spec.entity} r
        where r.region_path like $1 || '%' and r.created_at < $2 and ${rowFilter(spec, 'r')}
          and r.id > $3::bigint and (${missing.join(' or ')})
        order by r.id limit $4`,
      [scope.regionPath, scope.existsBefore, afterId, first - items.length + 1],
    );
    for (const r of rows) {
      if (items.length === first) {
        return { items, endCursor: encodeCursor([setIndex, afterId]), hasNextPage: true };
      }
      items.push({
        dataSet: spec.id,
        entity: spec.entity,
        id: String(r.id),
        code: (r.code as string | null) ?? null,
        regionCode: String(r.region_code),
        missing: fields.filter((_, i) => r[`x${i}`] === true).map((f) => f.field.name),
      });
      afterId = String(r.id);
    }
    if (items.length === first) {
      // Full page: whether more follow is known only by looking further; report a cursor and let the next call see.
      return { items, endCursor: encodeCursor([setIndex, afterId]), hasNextPage: true };
    }
  }
  return { items, endCursor: null, hasNextPage: false };
}
