import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '../common/rows';
import { type DataSetSpec, dataSet, dataSetById } from '../datasets';
import { completeRowSql } from './completeness';
import type { IndicatorScope } from './scope';

/**
 * 重点人员信息录入率: key persons registered with complete records ÷ key persons the departments' feeds say
 * should be managed.
 *
 * Rule (configurable through KeyPersonFeeds): a department's feed is a connector stream whose mapping writes
 * a key-person data set — the special groups, key youth and petitioners. The denominator is the distinct ID
 * numbers such streams supplied up to the period's end: the records they merged (source_link rows to a
 * person_record, not gone before the period's end, first seen before it) plus the rows still open in their
 * quarantine (refused by validation, so not registered, yet the department says they are to be managed;
 * created before the period's end). A quarantined row's ID number is read from the source field the mapping
 * maps onto idNumber (or 公民身份号码 / idNumber by label) and its region from the mapping's region column
 * (a unit code, or a village name with an optional township name); a row whose region cannot be resolved
 * counts only at the root of the tree. Key persons loaded by other means than a connector are not in the
 * denominator: the indicator measures how much of what departments hand over gets registered.
 * Numerator: those ID numbers with a person_record of the feed's kind (created before the period's end) whose
 * record and person block have every mandatory item filled.
 */

export const KEY_PERSON_DATA_SETS = [
  'released_prisoner',
  'community_correction',
  'drug_user',
  'severe_mental_disorder',
  'hiv_risk',
  'key_youth',
  'petitioner',
] as const;

export interface KeyPersonFeeds {
  /** Data-set ids whose streams are key-person feeds. Default KEY_PERSON_DATA_SETS. */
  dataSets?: readonly string[];
  /** Only these connectors (by name); default every connector. */
  connectors?: readonly string[];
}

interface FeedStream {
  connectorId: string;
  stream: string;
  dataSet: DataSetSpec;
  idField: string[];
  region: { code?: string; village?: string; township?: string };
}

interface StreamConfigLike {
  stream?: string;
  mapping?: {
    dataSet?: string;
    byLabel?: boolean;
    fields?: Record<string, { from?: string }>;
    region?: { code?: string; village?: string; township?: string };
  };
}

async function feedStreams(em: EntityManager, feeds: KeyPersonFeeds): Promise<FeedStream[]> {
  const sets = new Set(feeds.dataSets ?? KEY_PERSON_DATA_SETS);
  const connectors = await runSql<{ id: string; name: string; streams: StreamConfigLike[] }>(
    em,
    'select id::text as id, name, streams from connector order by id',
  );
  const out: FeedStream[] = [];
  for (const c of connectors) {
    if (feeds.connectors && !feeds.connectors.includes(c.name)) continue;
    for (const s of Array.isArray(c.streams) ? c.streams : []) {
      const id = s.mapping?.dataSet;
      const spec = id ? dataSetById(id) : undefined;
      if (!s.stream || !spec || !sets.has(spec.id) || spec.entity !== 'person_record') continue;
      const mapped = s.mapping?.fields?.idNumber?.from;
      const idField = mapped ? [mapped] : s.mapping?.byLabel === false ? [] : ['公民身份号码', 'idNumber'];
      out.push({
        connectorId: c.id,
        stream: s.stream,
        dataSet: spec,
        idField,
        region: s.mapping?.region ?? {},
      });
    }
  }
  return out;
}

function jsonText(field: string): string {
  const key = field.replace(/'/g, "''");
  return `coalesce(q.corrected ->> '${key}', q.raw ->> '${key}')`;
}

/** A SQL select of (id_number, kind, region_path) for every key person a feed supplied by the period's end. */
async function suppliedSql(em: EntityManager, feeds: KeyPersonFeeds): Promise<{ sql: string } | null> {
  const streams = await feedStreams(em, feeds);
  if (streams.length === 0) return null;
  const parts: string[] = [];
  for (const s of streams) {
    const stream = `'${s.stream.replace(/'/g, "''")}'`;
    const connector = Number(s.connectorId);
    parts.push(`select p.id_number, pr.kind::text as kind, pr.region_path, null::bigint as quarantine_id
        from source_link l join person_record pr on pr.id = l.target_id join person p on p.id = pr.person_id
       where l.connector_id = ${connector} and l.stream = ${stream} and l.target_type = 'person_record'
         and l.first_seen < $2 and (l.gone_at is null or l.gone_at >= $2)`);
    if (s.idField.length > 0) {
      const idExpr = `upper(btrim(coalesce(${s.idField.map(jsonText).join(', ')})))`;
      const regionExpr = s.region.code
        ? `(select path from region where code = btrim(${jsonText(s.region.code)}))`
        : s.region.village
          ? `(select v.path from region v left join region t on t.code = v.parent_code
               where v.level = 'village' and v.name = btrim(${jsonText(s.region.village)})
                 ${s.region.township ? `and t.name = btrim(${jsonText(s.region.township)})` : ''}
               order by v.code limit 1)`
          : 'null::text';
      parts.push(`select ${idExpr} as id_number, '${s.dataSet.kind}' as kind, ${regionExpr} as region_path,
                q.id as quarantine_id
          from quarantined_record q
         where q.connector_id = ${connector} and q.stream = ${stream} and q.status = 'open' and q.created_at < $2`);
    }
  }
  return { sql: parts.join('\n union all\n') };
}

export interface KeyPersonRow {
  idNumber: string;
  kind: string;
  regionPath: string | null;
  complete: boolean;
  /** The person_record of the feed's kind, when one is registered (complete or not). */
  recordId: string | null;
  /** An open quarantine row of a feed that supplied the person, if any. */
  quarantineId: string | null;
}

export async function keyPersonRows(
  em: EntityManager,
  scope: IndicatorScope,
  feeds: KeyPersonFeeds = {},
): Promise<KeyPersonRow[]> {
  const supplied = await suppliedSql(em, feeds);
  if (!supplied) return [];
  const kinds = [
    ...new Set((feeds.dataSets ?? KEY_PERSON_DATA_SETS).map((d) => dataSetById(d)?.kind)),
  ].filter((k): k is string => Boolean(k));
  const completeCases = kinds
    .map((k) => `when '${k}' then ${completeRowSql(em, dataSet('person_record', k)!, 'pr', 'p')}`)
    .join(' ');
  // One row per (person, kind): the ID numbers are distinct per kind; a person in two feeds' kinds counts twice.
  const rows = await runSql<{
    id_number: string;
    kind: string;
    region_path: string | null;
    complete: boolean;
    record_id: string | null;
    quarantine_id: string | null;
  }>(
    em,
    `with supplied as (${supplied.sql}),
          persons as (select id_number, kind, min(region_path) as region_path, min(quarantine_id) as quarantine_id
                        from supplied where id_number is not null and id_number <> '' group by 1, 2)
     select s.id_number, s.kind, s.region_path, s.quarantine_id::text as quarantine_id, x.record_id, coalesce(x.complete, false) as complete
       from persons s
       left join lateral (
         select pr.id::text as record_id, case pr.kind::text ${completeCases} else false end as complete
           from person p join person_record pr on pr.person_id = p.id
          where p.id_number = s.id_number and pr.kind::text = s.kind and pr.created_at < $2
          order by 2 desc, pr.id limit 1) x on true
      where (s.region_path like $1 || '%') or (s.region_path is null and $3::boolean)
      order by s.kind, s.id_number`,
    [scope.regionPath, scope.existsBefore, scope.isRoot],
  );
  return rows.map((r) => ({
    idNumber: r.id_number,
    kind: r.kind,
    regionPath: r.region_path,
    complete: r.complete,
    recordId: r.record_id,
    quarantineId: r.quarantine_id,
  }));
}
