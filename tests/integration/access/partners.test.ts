import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../../gateway/hub';
import { revokeKey } from '../../../schema/access/credentials.service';
import { runSql } from '../../../schema/common/rows';
import { loadDemoCounty } from '../../../schema/demo/load';
import { demoCountyRegions } from '../../../schema/regions/demo-county';
import { loadRegionTree } from '../../../schema/regions/region.service';
import { gql, startTestHub, testKey } from '../../support/hub';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../../support/services';

/**
 * The three example partners of the access issue, over HTTP, on a small demo county: public security (the
 * whole county in the clear, with a declared purpose), civil affairs (left-behind people and social
 * organisations, ID numbers masked, no special groups), a township office (everything in 清泉镇 only). Every
 * expectation is checked against the database itself, so "exactly which rows" means the rows SQL finds.
 */

const DB = scratchDatabaseName('partners');
const TOWNSHIP = '620725101'; // 清泉镇
// biome-ignore lint/suspicious/noExplicitAny: the assertions walk arbitrary response JSON
type Data = Record<string, any>;

let hub: RunningHub;
let url: string;
const keys: Record<string, string> = {};
const em = () => hub.infrastructure.orm.em.fork();
const sql = async (q: string, params: unknown[] = []) => (await runSql<{ n: number }>(em(), q, params))[0]!.n;

async function ask(
  who: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const { status, body } = await gql<Data>(url, query, variables, { key: keys[who], headers });
  return { status, data: body.data as Data, errors: body.errors as Data[] | undefined };
}

beforeAll(async () => {
  hub = await startTestHub(
    { DATABASE_URL: await recreateDatabase(DB), GRIDHUB_DEMO: 'false' },
    { gateway: true, workers: false },
  );
  url = hub.gateway!.url;
  await loadRegionTree(em(), demoCountyRegions());
  await loadDemoCounty(em(), { seed: 5, scale: 0.02 });
  keys.gongan = await testKey(hub, ['public_security']);
  keys.minzheng = await testKey(hub, ['civil_affairs']);
  keys.qingquan = await testKey(hub, ['township_office'], { unitCode: TOWNSHIP });
  keys.slow = await testKey(hub, ['test_tight'], {
    policy: {
      rootFields: ['people', 'region'],
      types: { Person: { fields: ['id', 'name', 'age'] } },
      ratePerMinute: 5,
      limits: { depth: 3, cost: 150, aliases: 2 },
    },
  });
}, 120_000);

afterAll(async () => {
  await hub?.stop();
  await dropDatabase(DB);
});

const COUNT_PEOPLE = '{ people(filter: { regionCode: "620725" }) { totalCount } }';
// Header values are Latin-1 on the wire: a Chinese purpose is sent percent-encoded and decoded by the gateway.
const PURPOSE = { 'x-purpose': encodeURIComponent('治安巡查') };

describe('public security: the whole county, in the clear, with a declared purpose', () => {
  it('sees every person and reads ID numbers in the clear', async () => {
    const { data, errors } = await ask(
      'gongan',
      `${COUNT_PEOPLE.slice(0, -1)} one: people(first: 1) { nodes { idNumber records { kind } } } }`,
      {},
      PURPOSE,
    );
    expect(errors).toBeUndefined();
    expect(data.people.totalCount).toBe(await sql('select count(*)::int as n from person'));
    expect(data.one.nodes[0].idNumber).toMatch(/^\d{17}[\dX]$/);
  });

  it('must declare its purpose', async () => {
    const { errors } = await ask('gongan', COUNT_PEOPLE);
    expect(errors![0]!.extensions).toMatchObject({ code: 'PURPOSE_REQUIRED' });
  });
});

describe('civil affairs: left-behind people and social organisations, ID numbers masked, no special groups', () => {
  it('sees exactly the left-behind people, masked, and only their left-behind records', async () => {
    const { data, errors } = await ask(
      'minzheng',
      '{ people(filter: { regionCode: "620725" }, first: 100) { totalCount nodes { idNumber name records { kind } } } }',
    );
    expect(errors).toBeUndefined();
    const expected = await sql(
      "select count(distinct p.id)::int as n from person p join person_record r on r.person_id = p.id and r.kind = 'left_behind'",
    );
    expect(expected).toBeGreaterThan(0);
    expect(data.people.totalCount).toBe(expected);
    for (const p of data.people.nodes) {
      expect(p.idNumber).toMatch(/^\d{6}\*{8}[\dX*]{4}$/);
      expect(p.records.map((r: Data) => r.kind)).toEqual(['LEFT_BEHIND']);
    }
  });

  it('cannot learn who is in a special group: not through a filter, a count, or a lookup', async () => {
    const filtered = await ask(
      'minzheng',
      '{ people(filter: { kinds: [DRUG_USER, SEVERE_MENTAL_DISORDER] }) { totalCount } }',
    );
    expect(filtered.data.people.totalCount).toBe(0);
    const counted = await ask(
      'minzheng',
      '{ counts(category: PERSON_RECORDS, groupBy: TOWNSHIP) { count } }',
    );
    const total = counted.data.counts.reduce((s: number, c: Data) => s + c.count, 0);
    expect(total).toBe(await sql("select count(*)::int as n from person_record where kind = 'left_behind'"));
    const [{ id_number }] = await runSql<{ id_number: string }>(
      em(),
      "select p.id_number from person p join person_record r on r.person_id = p.id where r.kind = 'severe_mental_disorder' and not exists (select 1 from person_record l where l.person_id = p.id and l.kind = 'left_behind') limit 1",
    );
    const lookup = await ask('minzheng', 'query($id: String!) { person(idNumber: $id) { name } }', {
      id: id_number,
    });
    expect(lookup.errors![0]!.extensions!.code).toBe('PERSON_NOT_FOUND');
  });

  it('sees social organisations only, and may not call what its role does not list', async () => {
    const { data } = await ask('minzheng', '{ organizations(first: 100) { totalCount nodes { kind } } }');
    expect(data.organizations.totalCount).toBe(
      await sql("select count(*)::int as n from organization where kind = 'social_organization'"),
    );
    expect(new Set(data.organizations.nodes.map((o: Data) => o.kind))).toEqual(
      new Set(['SOCIAL_ORGANIZATION']),
    );
    const events = await ask('minzheng', '{ events { totalCount } }');
    expect(events.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'root:events' });
    expect(events.data).toBeNull();
  });
});

describe('a township office: everything in its own township, nothing outside', () => {
  it('counts and lists only its township, nested lists included', async () => {
    const { data, errors } = await ask(
      'qingquan',
      `{ people(filter: { regionCode: "620725" }) { totalCount }
         counts(category: PEOPLE, groupBy: TOWNSHIP) { region { code } count }
         region(code: "620725") { people(first: 5) { totalCount } } }`,
    );
    expect(errors).toBeUndefined();
    const inside = await sql('select count(*)::int as n from person where region_path like ?', [
      `/620725/${TOWNSHIP}/%`,
    ]);
    expect(data.people.totalCount).toBe(inside);
    expect(data.region.people.totalCount).toBe(inside);
    expect(data.counts).toEqual([{ region: { code: TOWNSHIP }, count: inside }]);
  });

  it('cannot find a person of another township by ID number', async () => {
    const [{ id_number }] = await runSql<{ id_number: string }>(
      em(),
      'select id_number from person where region_path not like ? and id_number is not null limit 1',
      [`/620725/${TOWNSHIP}/%`],
    );
    const { errors } = await ask('qingquan', 'query($id: String!) { person(idNumber: $id) { name } }', {
      id: id_number,
    });
    expect(errors![0]!.extensions!.code).toBe('PERSON_NOT_FOUND');
  });
});

describe('fields, limits and keys', () => {
  it('answers a forbidden field with null and an error naming the permission, keeping the rest', async () => {
    const { data, errors } = await ask('slow', '{ people(first: 2) { nodes { name phone } } }');
    expect(data.people.nodes).toHaveLength(2);
    expect(data.people.nodes[0].name).toMatch(/\*/);
    expect(data.people.nodes[0].phone).toBeNull();
    expect(errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN_FIELD', permission: 'Person.phone' });
  });

  it('refuses depth, aliases, cost and introspection beyond the role with stable codes', async () => {
    const deep = await ask(
      'slow',
      '{ region(code: "620725") { children { children { children { code } } } } }',
    );
    expect(deep.errors![0]!.extensions).toMatchObject({ code: 'DEPTH_LIMIT', limit: 3 });
    const aliases = await ask(
      'slow',
      '{ a: region(code: "620725") { code } b: region(code: "620725") { code } c: region(code: "620725") { code } }',
    );
    expect(aliases.errors![0]!.extensions).toMatchObject({ code: 'ALIAS_LIMIT', limit: 2 });
    const costly = await ask('slow', '{ people(first: 100) { nodes { name } } }');
    expect(costly.errors![0]!.extensions).toMatchObject({ code: 'COST_LIMIT', limit: 150, actual: 200 });
    const intro = await ask('minzheng', '{ __schema { types { name } } }');
    expect(intro.status).toBe(403);
    expect(intro.errors![0]!.extensions).toMatchObject({ code: 'INTROSPECTION_FORBIDDEN' });
  });

  it('limits the rate per client in Redis', async () => {
    const codes: Array<string | undefined> = [];
    for (let i = 0; i < 6; i++)
      codes.push((await ask('slow', '{ region(code: "620725") { code } }')).errors?.[0]?.extensions?.code);
    expect(codes.slice(0, 1)).toEqual([undefined]);
    expect(codes).toContain('RATE_LIMITED');
  });

  it('refuses a revoked or unknown key with 401, and audits who read what', async () => {
    const unknown = await gql(
      url,
      '{ hub { version } }',
      {},
      { key: 'ghk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    );
    expect(unknown.status).toBe(401);
    expect(unknown.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    const prefix = keys.minzheng!.slice(0, 16);
    await revokeKey(em(), 'test', prefix, 'test');
    const revoked = await gql(url, '{ hub { version } }', {}, { key: keys.minzheng });
    expect(revoked.status).toBe(401);
    expect(revoked.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');

    const audit = await runSql<{ role: string; record_type: string }>(
      em(),
      "select distinct role, record_type from read_audit where principal like 'test-%' order by 1, 2",
    );
    expect(audit).toEqual(
      expect.arrayContaining([
        { role: 'civil_affairs', record_type: 'Person' },
        { role: 'public_security', record_type: 'Person' },
        { role: 'township_office', record_type: 'Person' },
      ]),
    );
  });
});

describe('the read audit for administrators', () => {
  it("answers who read a person's records, with the declared purpose, and partitions by month", async () => {
    const admin = await testKey(hub, ['admin']);
    const [{ id_number }] = await runSql<{ id_number: string }>(
      em(),
      `select p.id_number from read_audit a join person p on p.id::text = any(a.record_ids)
        where a.record_type = 'Person' and a.role = 'public_security' and p.id_number is not null limit 1`,
    );
    const { body } = await gql<Data>(
      url,
      'query($id: String!) { readAudit(idNumber: $id) { principal role purpose operationHash recordType } }',
      { id: id_number },
      { key: admin },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.readAudit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ role: 'public_security', purpose: '治安巡查', recordType: 'Person' }),
      ]),
    );
    const partitions = await runSql<{ n: number }>(
      em(),
      "select count(*)::int as n from pg_inherits where inhparent = 'read_audit'::regclass",
    );
    expect(partitions[0]!.n).toBeGreaterThan(12);
    const refused = await gql<Data>(url, '{ readAudit { principal } }', {}, { key: keys.qingquan });
    expect(refused.body.errors![0]!.extensions).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'root:readAudit',
    });
  });
});
