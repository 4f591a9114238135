import type { EntityManager } from '@mikro-orm/postgresql';
import { Client, Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initORM, type MikroORM, migrate } from '../../../schema/db/orm';
import { generateDemoCounty } from '../../../schema/demo/generate';
import { DEMO_SQL_TABLES, type DemoLoadResult, loadDemoCounty } from '../../../schema/demo/load';
import { DEMO_TABLES, type DemoCounty, type DemoTable } from '../../../schema/demo/types';
import { demoCountyRegions } from '../../../schema/regions/demo-county';
import { loadRegionTree } from '../../../schema/regions/region.service';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../../support/services';
import { citizenIdPasses, creditCodePasses } from './checks';

/**
 * Loads the demo county into a scratch database of its own (other tests read the shared test database),
 * twice, and checks what landed: every row, every foreign key resolved, every governed row in its grid.
 */

const DB = scratchDatabaseName('demo');
const GOVERNED_SQL = [
  'household',
  'person',
  'person_record',
  'place',
  'organization',
  'event',
  'thing',
  'situation',
];

describe('loading the demo county', () => {
  let orm: MikroORM;
  let url: string;
  let county: DemoCounty;
  let first: DemoLoadResult;
  const em = () => orm.em.fork() as EntityManager;
  const sql = async <T extends object>(text: string, params: unknown[] = []): Promise<T[]> =>
    em().getConnection().execute<T[]>(text, params);
  const count = async (text: string): Promise<number> => Number((await sql<{ n: string }>(text))[0]!.n);
  const tableCounts = async () => {
    const out = {} as Record<DemoTable, number>;
    for (const t of DEMO_TABLES) out[t] = await count(`select count(*) as n from ${DEMO_SQL_TABLES[t]}`);
    return out;
  };

  beforeAll(async () => {
    url = await recreateDatabase(DB);
    orm = await initORM({ url, poolMax: 2, statementTimeoutMs: 30_000 });
    await migrate(orm);
    county = generateDemoCounty({ seed: 11, scale: 0.02 });
  });
  afterAll(async () => {
    await orm?.close();
    await dropDatabase(DB);
  });

  it('refuses to load before the region tree is there', async () => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await expect(loadDemoCounty(client, { county })).rejects.toThrow(/demo region tree/);
      expect(Number((await client.query('select count(*) as n from person')).rows[0].n)).toBe(0);
    } finally {
      await client.end();
    }
  });

  it('loads every generated row', async () => {
    await loadRegionTree(em(), demoCountyRegions());
    first = await loadDemoCounty(em(), { county });
    const expected = Object.fromEntries(DEMO_TABLES.map((t) => [t, county[t].length]));
    expect(first.rows).toEqual(expected);
    expect(first.inserted).toEqual(expected);
    expect(await tableCounts()).toEqual(expected);
  });

  it('is idempotent: a second load (through a pg pool) inserts nothing and changes no count', async () => {
    const before = await tableCounts();
    const pool = new Pool({ connectionString: url, max: 1 });
    try {
      const second = await loadDemoCounty(pool, { county, chunkSize: 500 });
      expect(Object.values(second.inserted).every((n) => n === 0)).toBe(true);
    } finally {
      await pool.end();
    }
    // The same seed generated afresh is the same county: nothing new either.
    const third = await loadDemoCounty(em(), { seed: 11, scale: 0.02 });
    expect(Object.values(third.inserted).every((n) => n === 0)).toBe(true);
    expect(await tableCounts()).toEqual(before);
  });

  it('puts every governed row in a grid, with that grid’s path', async () => {
    for (const table of GOVERNED_SQL) {
      const wrong = await count(
        `select count(*) as n from ${table} t left join region r on r.code = t.region_code
          where r.code is null or r.level <> 'grid' or r.path <> t.region_path`,
      );
      expect(wrong, table).toBe(0);
    }
  });

  it('resolves the foreign keys from natural keys', async () => {
    // person → household, and it is the household the person's register entry names.
    const withHousehold = county.persons.filter((p) => p.householdNumber).length;
    expect(await count('select count(*) as n from person where household_id is not null')).toBe(
      withHousehold,
    );
    expect(
      await count(`select count(*) as n from person p join household h on h.id = p.household_id
        join person_record r on r.person_id = p.id and r.kind = 'registered'
        where r.attributes->>'householdNumber' <> h.household_number or h.head_id_number is null`),
    ).toBe(0);

    // person_record → person: the same (person, kind) pairs as generated, foreigners by passport.
    const pairs = await sql<{ key: string; kind: string }>(
      `select coalesce(p.id_number, p.document_type || ':' || p.document_number) as key, r.kind::text as kind
         from person_record r join person p on p.id = r.person_id`,
    );
    const loaded = new Set(pairs.map((x) => `${x.key}/${x.kind}`));
    const generated = new Set(
      county.personRecords.map(
        (r) => `${r.personIdNumber ?? `${r.personDocumentType}:${r.personDocumentNumber}`}/${r.kind}`,
      ),
    );
    expect(loaded).toEqual(generated);

    // event_party → event and person: linked whenever the hub knows the ID number, never to anyone else.
    expect(await count('select count(*) as n from event_party')).toBe(county.eventParties.length);
    expect(
      await count(`select count(*) as n from event_party ep left join person p on p.id_number = ep.id_number
        where ep.person_id is distinct from p.id`),
    ).toBe(0);
    const known = new Set(county.persons.map((p) => p.idNumber));
    expect(await count('select count(*) as n from event_party where person_id is not null')).toBe(
      county.eventParties.filter((p) => p.idNumber !== null && known.has(p.idNumber)).length,
    );
    // event_party → organisation: every enterprise party (涉及单位) resolves through its credit code.
    const orgParties = county.eventParties.filter((p) => p.creditCode !== null).length;
    expect(orgParties).toBeGreaterThan(0);
    expect(await count('select count(*) as n from event_party where organization_id is not null')).toBe(
      orgParties,
    );

    // steps and supervisions → event.
    const perEvent = await sql<{ code: string; n: string }>(
      'select e.code, count(*) as n from event_step s join event e on e.id = s.event_id group by e.code',
    );
    const expectedSteps = new Map<string, number>();
    for (const s of county.eventSteps)
      expectedSteps.set(s.eventCode, (expectedSteps.get(s.eventCode) ?? 0) + 1);
    expect(new Map(perEvent.map((r) => [r.code, Number(r.n)]))).toEqual(expectedSteps);
    expect(await count('select count(*) as n from event_supervision')).toBe(county.eventSupervisions.length);

    // place → parent building; event, thing → place; thing → owner organisation.
    expect(await count('select count(*) as n from place where parent_place_id is not null')).toBe(
      county.places.filter((p) => p.parentCode).length,
    );
    expect(
      await count(`select count(*) as n from place c join place b on b.id = c.parent_place_id
        where b.kind <> 'building' or c.code not like b.code || '-%'`),
    ).toBe(0);
    expect(await count('select count(*) as n from event where place_id is not null')).toBe(
      county.events.filter((e) => e.placeCode).length,
    );
    expect(await count('select count(*) as n from thing where place_id is not null')).toBe(
      county.things.filter((t) => t.placeCode).length,
    );
    expect(await count('select count(*) as n from thing where owner_organization_id is not null')).toBe(
      county.things.filter((t) => t.ownerCreditCode).length,
    );
  });

  it('stores identifiers that pass their checks, and the provenance of each department', async () => {
    const ids = await sql<{ id_number: string; sex: string; birth: string }>(
      `select id_number, sex, to_char(birth_date, 'YYYYMMDD') as birth from person where id_number is not null`,
    );
    expect(ids.length).toBe(county.persons.filter((p) => p.idNumber).length);
    for (const p of ids) {
      expect(citizenIdPasses(p.id_number)).toBe(true);
      expect(p.id_number.slice(6, 14)).toBe(p.birth);
      expect(Number(p.id_number[16]) % 2 === 1 ? '1' : '2').toBe(p.sex);
    }
    const codes = await sql<{ credit_code: string }>(
      'select credit_code from organization where credit_code is not null',
    );
    expect(codes.length).toBeGreaterThan(0);
    for (const c of codes) expect(creditCodePasses(c.credit_code)).toBe(true);
    const sources = await sql<{ key: string }>(
      `select provenance->'sources'->0->>'sourceKey' as key from person_record where kind = 'community_correction'`,
    );
    expect(sources.length).toBeGreaterThan(0);
    for (const s of sources) expect(s.key).toMatch(/^山丹县司法局\/社区矫正人员\//);
  });
});
