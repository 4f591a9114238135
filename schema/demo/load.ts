import type { EntityManager } from '@mikro-orm/postgresql';
import type { ClientBase, Pool, PoolClient } from 'pg';
import type { OrganizationKind } from '../organizations/organization.entity';
import type { PersonRecordKind } from '../people/person-record.entity';
import { type CopyKind, copyField, copyIn } from './copy';
import { generateDemoCounty } from './generate';
import { DEMO_TABLES, type DemoCounty, type DemoCountyOptions, type DemoTable } from './types';

/**
 * Loads a demo county fast and idempotently, in one transaction. Each table is first copied into a
 * temporary staging table with `COPY … FROM STDIN` (in chunks of rows), then moved into place by one
 * `insert … select` that resolves foreign keys from natural keys (household number, ID number or passport,
 * credit code, place and event codes) and leaves alone the rows whose natural key is already there (`on
 * conflict do nothing`, or `not exists` for rows without a unique key), so a second load inserts nothing.
 * Tables are analysed at the end. (Staging by COPY was measured faster than `jsonb_to_recordset` chunks.)
 *
 * The region tree must already be loaded (`loadRegionTree(em, demoCountyRegions())`): every row's grid and
 * path are checked against it first.
 */

/** What the loader can write through: a MikroORM EntityManager, a Knex instance, a pg Pool or a connected pg client. */
export type DemoDatabase = EntityManager | KnexLike | Pool | ClientBase;

/** The part of Knex the loader uses (its connection pool), without depending on Knex's types. */
export interface KnexLike {
  client: {
    acquireConnection(): Promise<unknown>;
    releaseConnection(connection: unknown): Promise<unknown>;
  };
}

/**
 * Rows of the county the caller brings by other means (the demo's department connectors): they are not
 * loaded. Rows that other rows point at stay, so that every foreign key the loader resolves still resolves.
 */
export interface DemoLeaveOut {
  /** Person records of these kinds (nothing points at a person record). */
  personRecordKinds?: readonly PersonRecordKind[];
  /**
   * Organisations of these kinds, except those an event party or a thing refers to by credit code: those
   * links are resolved once, at load, so their organisations are loaded here.
   */
  organizationKinds?: readonly OrganizationKind[];
}

export interface LoadDemoOptions extends DemoCountyOptions {
  /** A county generated beforehand; otherwise one is generated from `seed`, `scale` and `asOf`. */
  county?: DemoCounty;
  /** Rows not to load (see `DemoLeaveOut`); `rows` in the result counts what was loaded. */
  leaveOut?: DemoLeaveOut;
  /** Rows per COPY (or JSON) statement. Default 20,000. */
  chunkSize?: number;
  /**
   * How rows reach the staging tables: `copy` (COPY FROM STDIN, the fastest) or `json` (one
   * `jsonb_populate_recordset` insert per chunk) for servers that cannot take COPY, such as PGlite behind
   * its socket server. Default `copy`.
   */
  transport?: 'copy' | 'json';
  /** Run `analyze` on the loaded tables afterwards. Default true. */
  analyze?: boolean;
  /** Statement timeout inside the load's transaction (ms). Default 300,000: bulk loads outlast API limits. */
  statementTimeoutMs?: number;
}

export interface DemoLoadResult {
  /** Rows in the generated county, per table (without those left out). */
  rows: Record<DemoTable, number>;
  /** Rows this load inserted, per table (0 everywhere on a second load of the same county). */
  inserted: Record<DemoTable, number>;
  /** Time spent writing each table (ms). */
  tableMs: Record<DemoTable, number>;
  generateMs: number;
  loadMs: number;
  analyzeMs: number;
}

type Column = readonly [key: string, type: string];

const GOVERNED: readonly Column[] = [
  ['regionCode', 'varchar'],
  ['regionPath', 'text'],
  ['provenance', 'jsonb'],
];

/** The staging table the statements read as `x`: created per table, dropped at commit. */
const STAGE = 'demo_stage';

const GOVERNED_COLUMNS = 'region_code, region_path, provenance';
const GOVERNED_VALUES = 'x."regionCode", x."regionPath", x.provenance';

interface TableLoad {
  table: DemoTable;
  /** The SQL table written (and analysed afterwards). */
  sqlTable: string;
  /** The row keys staged, with their SQL types; the statements read them as `x."key"`. */
  columns: readonly Column[];
  /** Statements moving the staged rows into place, run in order (places: buildings before their houses). */
  statements: readonly string[];
}

const LOADS: TableLoad[] = [
  {
    table: 'households',
    sqlTable: 'household',
    columns: [
      ...GOVERNED,
      ['householdNumber', 'varchar'],
      ['headIdNumber', 'varchar'],
      ['headName', 'varchar'],
      ['address', 'varchar'],
      ['residenceMatch', 'varchar'],
    ],
    statements: [
      `insert into household (${GOVERNED_COLUMNS}, household_number, head_id_number, head_name, address, residence_match)
      select ${GOVERNED_VALUES}, x."householdNumber", x."headIdNumber", x."headName", x.address, x."residenceMatch"
        from ${STAGE} x
      on conflict do nothing`,
    ],
  },
  {
    table: 'persons',
    sqlTable: 'person',
    columns: [
      ...GOVERNED,
      ['idNumber', 'varchar'],
      ['documentType', 'varchar'],
      ['documentNumber', 'varchar'],
      ['name', 'varchar'],
      ['formerName', 'varchar'],
      ['sex', 'varchar'],
      ['birthDate', 'date'],
      ['ethnicity', 'varchar'],
      ['nativePlace', 'varchar'],
      ['maritalStatus', 'varchar'],
      ['politicalStatus', 'varchar'],
      ['education', 'varchar'],
      ['religion', 'varchar'],
      ['occupationCategory', 'varchar'],
      ['occupation', 'varchar'],
      ['employer', 'varchar'],
      ['phone', 'varchar'],
      ['registeredRegionCode', 'varchar'],
      ['registeredAddress', 'varchar'],
      ['currentAddress', 'varchar'],
      ['householdNumber', 'varchar'],
      ['tags', 'text[]'],
    ],
    statements: [
      `insert into person (${GOVERNED_COLUMNS}, id_number, document_type, document_number, name, former_name, sex,
        birth_date, ethnicity, native_place, marital_status, political_status, education, religion, occupation_category,
        occupation, employer, phone, registered_region_code, registered_address, current_address, household_id, tags)
      select ${GOVERNED_VALUES}, x."idNumber", x."documentType", x."documentNumber", x.name, x."formerName", x.sex,
        x."birthDate", x.ethnicity, x."nativePlace", x."maritalStatus", x."politicalStatus", x.education, x.religion,
        x."occupationCategory", x.occupation, x.employer, x.phone, x."registeredRegionCode", x."registeredAddress",
        x."currentAddress", h.id, x.tags
        from ${STAGE} x
        left join household h on h.household_number = x."householdNumber"
      on conflict do nothing`,
    ],
  },
  {
    table: 'personRecords',
    sqlTable: 'person_record',
    // A record whose person is missing fails on person_id's not-null constraint: that is a bug, not data to skip.
    columns: [
      ...GOVERNED,
      ['personIdNumber', 'varchar'],
      ['personDocumentType', 'varchar'],
      ['personDocumentNumber', 'varchar'],
      ['kind', 'person_record_kind'],
      ['attributes', 'jsonb'],
      ['since', 'date'],
      ['until', 'date'],
    ],
    statements: [
      `insert into person_record (${GOVERNED_COLUMNS}, person_id, kind, attributes, since, until)
      select ${GOVERNED_VALUES}, coalesce(p.id, f.id), x.kind, x.attributes, x.since, x.until
        from ${STAGE} x
        left join person p on p.id_number = x."personIdNumber"
        left join person f on x."personIdNumber" is null and f.document_type = x."personDocumentType"
          and f.document_number = x."personDocumentNumber"
      on conflict do nothing`,
    ],
  },
  {
    table: 'places',
    sqlTable: 'place',
    columns: [
      ...GOVERNED,
      ['code', 'varchar'],
      ['kind', 'place_kind'],
      ['name', 'varchar'],
      ['address', 'varchar'],
      ['parentCode', 'varchar'],
      ['longitude', 'double precision'],
      ['latitude', 'double precision'],
      ['attributes', 'jsonb'],
    ],
    statements: [
      `insert into place (${GOVERNED_COLUMNS}, code, kind, name, address, parent_place_id, longitude, latitude, attributes)
      select ${GOVERNED_VALUES}, x.code, x.kind, x.name, x.address, pp.id, x.longitude, x.latitude, x.attributes
        from ${STAGE} x
        left join place pp on pp.code = x."parentCode"
       where x."parentCode" is null
      on conflict do nothing`,
      // Then the houses, whose building is now there to join.
      `insert into place (${GOVERNED_COLUMNS}, code, kind, name, address, parent_place_id, longitude, latitude, attributes)
      select ${GOVERNED_VALUES}, x.code, x.kind, x.name, x.address, pp.id, x.longitude, x.latitude, x.attributes
        from ${STAGE} x
        left join place pp on pp.code = x."parentCode"
       where x."parentCode" is not null
      on conflict do nothing`,
    ],
  },
  {
    table: 'organizations',
    sqlTable: 'organization',
    // Units without a credit code (village centres, volunteer teams) are recognised by kind, name and grid.
    columns: [
      ...GOVERNED,
      ['creditCode', 'varchar'],
      ['kind', 'organization_kind'],
      ['name', 'varchar'],
      ['category', 'varchar'],
      ['address', 'varchar'],
      ['legalRepresentative', 'varchar'],
      ['legalRepresentativeIdNumber', 'varchar'],
      ['phone', 'varchar'],
      ['employeeCount', 'int'],
      ['attentionLevel', 'varchar'],
      ['hasPartyOrganization', 'boolean'],
      ['partyMembers', 'int'],
      ['hasUnion', 'boolean'],
      ['unionMembers', 'int'],
      ['hasYouthLeague', 'boolean'],
      ['youthLeagueMembers', 'int'],
      ['hasWomensFederation', 'boolean'],
      ['womenCount', 'int'],
      ['longitude', 'double precision'],
      ['latitude', 'double precision'],
      ['attributes', 'jsonb'],
    ],
    statements: [
      `insert into organization (${GOVERNED_COLUMNS}, credit_code, kind, name, category, address, legal_representative,
        legal_representative_id_number, phone, employee_count, attention_level, has_party_organization, party_members,
        has_union, union_members, has_youth_league, youth_league_members, has_womens_federation, women_count,
        longitude, latitude, attributes)
      select ${GOVERNED_VALUES}, x."creditCode", x.kind, x.name, x.category, x.address, x."legalRepresentative",
        x."legalRepresentativeIdNumber", x.phone, x."employeeCount", x."attentionLevel", x."hasPartyOrganization",
        x."partyMembers", x."hasUnion", x."unionMembers", x."hasYouthLeague", x."youthLeagueMembers",
        x."hasWomensFederation", x."womenCount", x.longitude, x.latitude, x.attributes
        from ${STAGE} x
       where x."creditCode" is not null or not exists (
         select 1 from organization o
          where o.credit_code is null and o.kind = x.kind and o.name = x.name and o.region_code = x."regionCode")
      on conflict do nothing`,
    ],
  },
  {
    table: 'events',
    sqlTable: 'event',
    columns: [
      ...GOVERNED,
      ['code', 'varchar'],
      ['kind', 'event_kind'],
      ['title', 'varchar'],
      ['occurredAt', 'timestamptz'],
      ['reportedAt', 'timestamptz'],
      ['location', 'varchar'],
      ['placeCode', 'varchar'],
      ['scale', 'varchar'],
      ['typeCode', 'varchar'],
      ['involvedCount', 'int'],
      ['description', 'text'],
      ['involvedUnits', 'varchar'],
      ['status', 'event_status'],
      ['resolutionDeadline', 'date'],
      ['resolutionMethod', 'varchar'],
      ['resolvingOrganization', 'varchar'],
      ['resolutionOwner', 'varchar'],
      ['resolvedSuccessfully', 'boolean'],
      ['resolvedAt', 'timestamptz'],
      ['resolutionNote', 'text'],
      ['evaluatedOn', 'date'],
      ['evaluation', 'text'],
      ['attributes', 'jsonb'],
    ],
    statements: [
      `insert into event (${GOVERNED_COLUMNS}, code, kind, title, occurred_at, reported_at, location, place_id, scale,
        type_code, involved_count, description, involved_units, status, resolution_deadline, resolution_method,
        resolving_organization, resolution_owner, resolved_successfully, resolved_at, resolution_note, evaluated_on,
        evaluation, attributes)
      select ${GOVERNED_VALUES}, x.code, x.kind, x.title, x."occurredAt", x."reportedAt", x.location, pl.id, x.scale,
        x."typeCode", x."involvedCount", x.description, x."involvedUnits", x.status, x."resolutionDeadline",
        x."resolutionMethod", x."resolvingOrganization", x."resolutionOwner", x."resolvedSuccessfully",
        x."resolvedAt", x."resolutionNote", x."evaluatedOn", x.evaluation, x.attributes
        from ${STAGE} x
        left join place pl on pl.code = x."placeCode"
      on conflict do nothing`,
    ],
  },
  {
    table: 'eventParties',
    sqlTable: 'event_party',
    // No natural key of their own: a party is "already there" when its event has it with the same name,
    // ID number and role. Parties whose ID number the hub does not know keep person_id null.
    columns: [
      ['eventCode', 'varchar'],
      ['idNumber', 'varchar'],
      ['creditCode', 'varchar'],
      ['name', 'varchar'],
      ['role', 'varchar'],
      ['category', 'varchar'],
      ['residenceRegionCode', 'varchar'],
    ],
    statements: [
      `insert into event_party (event_id, person_id, organization_id, id_number, name, role, category, residence_region_code)
      select e.id, p.id, o.id, x."idNumber", x.name, x.role, x.category, x."residenceRegionCode"
        from ${STAGE} x
        join event e on e.code = x."eventCode"
        left join person p on p.id_number = x."idNumber"
        left join organization o on o.credit_code = x."creditCode"
       where not exists (
         select 1 from event_party ep
          where ep.event_id = e.id and ep.name = x.name and ep.id_number is not distinct from x."idNumber"
            and ep.role is not distinct from x.role)`,
    ],
  },
  {
    table: 'eventSteps',
    sqlTable: 'event_step',
    columns: [
      ['eventCode', 'varchar'],
      ['step', 'varchar'],
      ['unit', 'varchar'],
      ['at', 'timestamptz'],
      ['handler', 'varchar'],
      ['opinion', 'text'],
      ['verifier', 'varchar'],
      ['verified', 'boolean'],
      ['verificationOpinion', 'text'],
    ],
    statements: [
      `insert into event_step (event_id, step, unit, at, handler, opinion, verifier, verified, verification_opinion)
      select e.id, x.step, x.unit, x.at, x.handler, x.opinion, x.verifier, x.verified, x."verificationOpinion"
        from ${STAGE} x
        join event e on e.code = x."eventCode"
       where not exists (
         select 1 from event_step s where s.event_id = e.id and s.at = x.at and s.step = x.step and s.unit = x.unit)`,
    ],
  },
  {
    table: 'eventSupervisions',
    sqlTable: 'event_supervision',
    columns: [
      ['eventCode', 'varchar'],
      ['level', 'supervision_level'],
      ['unit', 'varchar'],
      ['supervisor', 'varchar'],
      ['at', 'timestamptz'],
      ['opinion', 'text'],
    ],
    statements: [
      `insert into event_supervision (event_id, level, unit, supervisor, at, opinion)
      select e.id, x.level, x.unit, x.supervisor, x.at, x.opinion
        from ${STAGE} x
        join event e on e.code = x."eventCode"
       where not exists (
         select 1 from event_supervision s where s.event_id = e.id and s.at = x.at and s.level = x.level)`,
    ],
  },
  {
    table: 'things',
    sqlTable: 'thing',
    columns: [
      ...GOVERNED,
      ['code', 'varchar'],
      ['kind', 'thing_kind'],
      ['name', 'varchar'],
      ['type', 'varchar'],
      ['ownerCreditCode', 'varchar'],
      ['ownerIdNumber', 'varchar'],
      ['placeCode', 'varchar'],
      ['longitude', 'double precision'],
      ['latitude', 'double precision'],
      ['attributes', 'jsonb'],
    ],
    statements: [
      `insert into thing (${GOVERNED_COLUMNS}, code, kind, name, type, owner_organization_id, owner_person_id,
        place_id, longitude, latitude, attributes)
      select ${GOVERNED_VALUES}, x.code, x.kind, x.name, x.type, o.id, p.id, pl.id, x.longitude, x.latitude, x.attributes
        from ${STAGE} x
        left join organization o on o.credit_code = x."ownerCreditCode"
        left join person p on p.id_number = x."ownerIdNumber"
        left join place pl on pl.code = x."placeCode"
      on conflict do nothing`,
    ],
  },
  {
    table: 'situations',
    sqlTable: 'situation',
    columns: [
      ...GOVERNED,
      ['code', 'varchar'],
      ['kind', 'situation_kind'],
      ['title', 'varchar'],
      ['recordedAt', 'timestamptz'],
      ['rating', 'varchar'],
      ['attributes', 'jsonb'],
    ],
    statements: [
      `insert into situation (${GOVERNED_COLUMNS}, code, kind, title, recorded_at, rating, attributes)
      select ${GOVERNED_VALUES}, x.code, x.kind, x.title, x."recordedAt", x.rating, x.attributes
        from ${STAGE} x
      on conflict do nothing`,
    ],
  },
  {
    table: 'trainingSessions',
    sqlTable: 'training_session',
    columns: [
      ['code', 'varchar'],
      ['kind', 'varchar'],
      ['title', 'varchar'],
      ['audience', 'varchar'],
      ['regionCode', 'varchar'],
      ['regionPath', 'text'],
      ['heldOn', 'date'],
      ['participants', 'integer'],
      ['organizer', 'varchar'],
      ['attributes', 'jsonb'],
    ],
    statements: [
      `insert into training_session (code, kind, title, audience, region_code, region_path, held_on, participants,
        organizer, attributes)
      select x.code, x.kind, x.title, x.audience, x."regionCode", x."regionPath", x."heldOn", x.participants,
        x.organizer, x.attributes
        from ${STAGE} x
      on conflict do nothing`,
    ],
  },
];

/** Tables whose rows sit in a unit above the grids (the county or a township), not in a grid. */
const UNIT_TABLES: ReadonlySet<DemoTable> = new Set<DemoTable>(['trainingSessions']);

/** The tables the demo county writes, for callers that count or clear them. */
export const DEMO_SQL_TABLES: Record<DemoTable, string> = Object.fromEntries(
  LOADS.map((l) => [l.table, l.sqlTable]),
) as Record<DemoTable, string>;

export async function loadDemoCounty(
  db: DemoDatabase,
  options: LoadDemoOptions = {},
): Promise<DemoLoadResult> {
  const started = performance.now();
  const county = withoutLeftOut(options.county ?? generateDemoCounty(options), options.leaveOut);
  const generated = performance.now();
  const chunkSize = options.chunkSize ?? 20_000;
  const transport = options.transport ?? 'copy';
  const rows = Object.fromEntries(DEMO_TABLES.map((t) => [t, county[t].length])) as Record<DemoTable, number>;
  const inserted = Object.fromEntries(DEMO_TABLES.map((t) => [t, 0])) as Record<DemoTable, number>;
  const tableMs = Object.fromEntries(DEMO_TABLES.map((t) => [t, 0])) as Record<DemoTable, number>;

  const timeoutMs = Math.max(0, Math.floor(options.statementTimeoutMs ?? 300_000));
  const { client, release } = await connect(db);
  let analyzeMs = 0;
  let loaded = 0;
  try {
    await checkRegions(client, county);
    await client.query('begin');
    try {
      await client.query(`set local statement_timeout = ${timeoutMs}`);
      // Node encodes the next table's COPY text while the server runs the previous table's statements.
      let previous: { load: TableLoad; started: number; done: Promise<Error | null> } | null = null;
      const finish = async () => {
        if (!previous) return;
        const err = await previous.done;
        if (err) throw err;
        tableMs[previous.load.table] = Math.round(performance.now() - previous.started);
      };
      for (const load of LOADS) {
        const tableRows = county[load.table] as readonly object[];
        const payloads = transport === 'copy' ? encode(load.columns, tableRows, chunkSize) : [];
        await finish();
        const started = performance.now();
        await client.query(
          `create temp table ${STAGE} (${load.columns.map(([k, t]) => `"${k}" ${t}`).join(', ')}) on commit drop`,
        );
        if (transport === 'copy') {
          const copy = `copy ${STAGE} (${load.columns.map(([k]) => `"${k}"`).join(', ')}) from stdin`;
          for (const payload of payloads) await copyIn(client, copy, payload);
        } else {
          for (const chunk of jsonChunks(load.columns, tableRows, chunkSize)) {
            await client.query(
              `insert into ${STAGE} select * from jsonb_populate_recordset(null::${STAGE}, $1::jsonb)`,
              [chunk],
            );
          }
        }
        const run = async () => {
          for (const statement of load.statements) {
            inserted[load.table] += (await client.query(statement)).rowCount ?? 0;
          }
          await client.query(`drop table ${STAGE}`);
        };
        previous = {
          load,
          started,
          done: run().then(
            () => null,
            (err: Error) => err,
          ),
        };
      }
      await finish();
      await client.query('commit');
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    }
    loaded = performance.now();
    if (options.analyze ?? true) {
      // In a transaction of its own, so that the load's statement timeout applies and does not stay set on
      // a pooled connection.
      await client.query('begin');
      try {
        await client.query(`set local statement_timeout = ${timeoutMs}`);
        await client.query(`analyze ${LOADS.map((l) => l.sqlTable).join(', ')}`);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw err;
      }
    }
    analyzeMs = performance.now() - loaded;
  } finally {
    await release();
  }
  return {
    rows,
    inserted,
    tableMs,
    generateMs: Math.round(generated - started),
    loadMs: Math.round(loaded - generated),
    analyzeMs: Math.round(analyzeMs),
  };
}

/** The county without the rows `leaveOut` names (the county itself when there are none). */
export function withoutLeftOut(county: DemoCounty, leaveOut: DemoLeaveOut = {}): DemoCounty {
  const kinds = new Set<string>(leaveOut.personRecordKinds ?? []);
  const orgKinds = new Set<string>(leaveOut.organizationKinds ?? []);
  if (kinds.size === 0 && orgKinds.size === 0) return county;
  const referenced = new Set<string>();
  for (const p of county.eventParties) if (p.creditCode) referenced.add(p.creditCode);
  for (const t of county.things) if (t.ownerCreditCode) referenced.add(t.ownerCreditCode);
  return {
    ...county,
    personRecords: county.personRecords.filter((r) => !kinds.has(r.kind)),
    organizations: county.organizations.filter(
      (o) => !orgKinds.has(o.kind) || (o.creditCode !== null && referenced.has(o.creditCode)),
    ),
  };
}

function copyKind(type: string): CopyKind {
  if (type === 'jsonb') return 'json';
  if (type.endsWith('[]')) return 'array';
  if (type === 'int' || type === 'boolean' || type === 'double precision') return 'scalar';
  return 'text';
}

/**
 * The COPY text of a table's rows, one payload per chunk of rows (so no single string holds the whole table).
 * Staging tables are not analysed: the planner estimates a fresh temporary table from its size, which is
 * enough for these joins, and analysing cost more than it saved.
 */
function encode(columns: readonly Column[], rows: readonly object[], chunkSize: number): string[] {
  const keys = columns.map(([k]) => k);
  const kinds = columns.map(([, t]) => copyKind(t));
  const payloads: string[] = [];
  for (let i = 0; i < rows.length; i += chunkSize) {
    let payload = '';
    for (const row of rows.slice(i, i + chunkSize) as ReadonlyArray<Record<string, unknown>>) {
      let line = '';
      for (let c = 0; c < keys.length; c++) {
        line += (c ? '\t' : '') + copyField(row[keys[c]!], kinds[c]!);
      }
      payload += `${line}\n`;
    }
    payloads.push(payload);
  }
  return payloads;
}

/** The same rows as JSON arrays of objects holding only the staged columns, `chunkSize` rows each. */
function jsonChunks(columns: readonly Column[], rows: readonly object[], chunkSize: number): string[] {
  const keys = columns.map(([k]) => k);
  const chunks: string[] = [];
  for (let i = 0; i < rows.length; i += chunkSize) {
    const picked = (rows.slice(i, i + chunkSize) as ReadonlyArray<Record<string, unknown>>).map((row) => {
      const out: Record<string, unknown> = {};
      for (const k of keys) out[k] = row[k] ?? null;
      return out;
    });
    chunks.push(JSON.stringify(picked));
  }
  return chunks;
}

/** Every grid the county uses must exist with the path the rows carry (training: the county or a township). */
async function checkRegions(client: ClientBase, county: DemoCounty): Promise<void> {
  const wanted = new Map<string, string>();
  const units = new Set<string>();
  for (const table of DEMO_TABLES) {
    for (const row of county[table] as ReadonlyArray<{ regionCode?: string; regionPath?: string }>) {
      if (row.regionCode && !wanted.has(row.regionCode)) wanted.set(row.regionCode, row.regionPath!);
      if (row.regionCode && UNIT_TABLES.has(table)) units.add(row.regionCode);
    }
  }
  const { rows } = await client.query<{ code: string; path: string; level: string }>(
    'select code, path, level::text as level from region where code = any($1::text[])',
    [[...wanted.keys()]],
  );
  const found = new Map(rows.map((r) => [r.code, r]));
  const problems: string[] = [];
  for (const [code, path] of wanted) {
    const r = found.get(code);
    if (!r) problems.push(`${code} is missing`);
    else if (r.path !== path) problems.push(`${code} has path ${r.path}, the demo rows expect ${path}`);
    else if (r.level !== 'grid' && !units.has(code)) problems.push(`${code} is a ${r.level}, not a grid`);
  }
  if (problems.length) {
    throw new Error(
      `The demo county needs the demo region tree (loadRegionTree(em, demoCountyRegions())): ${problems.length} ` +
        `grid(s) wrong, e.g. ${problems.slice(0, 3).join('; ')}`,
    );
  }
}

/** A pg client for the load, and how to give it back. */
async function connect(db: DemoDatabase): Promise<{ client: ClientBase; release: () => Promise<void> }> {
  const em = db as Partial<EntityManager>;
  if (typeof em.getConnection === 'function') {
    return fromKnex(em.getConnection().getKnex() as unknown as KnexLike);
  }
  if (isKnex(db)) return fromKnex(db);
  if (isPool(db)) {
    const client: PoolClient = await db.connect();
    return { client, release: async () => client.release() };
  }
  return { client: db as ClientBase, release: async () => undefined };
}

function isKnex(db: DemoDatabase): db is KnexLike {
  const client = (db as Partial<KnexLike>).client as Partial<KnexLike['client']> | undefined;
  return typeof client?.acquireConnection === 'function';
}

function isPool(db: DemoDatabase): db is Pool {
  return (
    typeof (db as Partial<Pool>).totalCount === 'number' &&
    typeof (db as Partial<Pool>).connect === 'function'
  );
}

async function fromKnex(knex: KnexLike): Promise<{ client: ClientBase; release: () => Promise<void> }> {
  const connection = await knex.client.acquireConnection();
  return {
    client: connection as ClientBase,
    release: async () => {
      await knex.client.releaseConnection(connection);
    },
  };
}
