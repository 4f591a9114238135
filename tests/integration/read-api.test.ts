import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../gateway/hub';
import { demoCountyRegions } from '../../schema/regions/demo-county';
import { loadRegionTree } from '../../schema/regions/region.service';
import { FIXTURE, loadFixture } from '../support/fixture';
import { gql, MASKED_READER_POLICY, startTestHub, testKey } from '../support/hub';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../support/services';

const DB = scratchDatabaseName('readapi');

// biome-ignore lint/suspicious/noExplicitAny: the assertions walk arbitrary response JSON
type Data = Record<string, any>;

describe('the partner read API over the six categories', () => {
  let hub: RunningHub;
  let url: string;
  let key: string;
  const query = async (q: string, variables: Record<string, unknown> = {}) =>
    (await gql<Data>(url, q, variables, { key })).body as { data: Data; errors: Data[] };

  beforeAll(async () => {
    hub = await startTestHub(
      { DATABASE_URL: await recreateDatabase(DB), GRIDHUB_DEMO: 'false' },
      { gateway: true, workers: false },
    );
    url = hub.gateway!.url;
    // The region tree only: the fixture is the whole population, so every count below is known.
    await loadRegionTree(hub.infrastructure.orm.em.fork(), demoCountyRegions());
    await loadFixture(hub.infrastructure.orm.em.fork());
    key = await testKey(hub, ['test_masked_reader'], { policy: MASKED_READER_POLICY });
  });
  afterAll(async () => {
    await hub?.stop();
    await dropDatabase(DB);
  });

  it('finds a person by ID number, masked, with grid, household, records and provenance', async () => {
    const { data, errors } = await query(
      `query($id: String!) { person(idNumber: $id) {
        idNumber name sex birthDate age phone currentAddress tags
        grid { code name }
        household { householdNumber headName address members { name } }
        records { kind attributes }
        events { code title }
        provenance { sources { connector sourceKey } fields { field connector } }
      } }`,
      { id: ` ${FIXTURE.zhangWei} ` }, // surrounding blanks are normalised away
    );
    expect(errors).toBeUndefined();
    expect(data.person).toMatchObject({
      idNumber: `620725********${FIXTURE.zhangWei.slice(-4)}`,
      name: '张*',
      sex: '1',
      birthDate: '1990-**-**',
      phone: '139****0000',
      currentAddress: '清泉镇长城社****',
      tags: ['低保'],
      grid: { code: FIXTURE.grid, name: '长城社区第1网格' },
      provenance: { sources: [{ connector: 'fixture', sourceKey: 'p-0' }] },
    });
    expect(data.person.household.members).toHaveLength(3);
    expect(data.person.records.map((r: Data) => r.kind).sort()).toEqual([
      'REGISTERED',
      'SEVERE_MENTAL_DISORDER',
    ]);
    // Personal values inside a data set's attributes are masked like the person's own fields.
    expect(data.person.records.find((r: Data) => r.kind === 'REGISTERED').attributes).toEqual({
      householdMatch: '01',
      headIdNumber: `620725********${FIXTURE.zhangWei.slice(-4)}`,
      headName: '张*',
      headPhone: '139****0000',
    });
    expect(data.person.events.map((e: Data) => e.code)).toEqual(['SD-2026-0001']);
    expect(JSON.stringify(data)).not.toContain(FIXTURE.zhangWei);
  });

  it('writes an append-only read audit entry for every operation that returned personal data', async () => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': 'audit-me-1',
        authorization: `Bearer ${key}`,
      },
      body: JSON.stringify({
        query: `query Lookup { person(idNumber: "${FIXTURE.zhangWei}") { name household { address } } }`,
      }),
    });
    expect(res.status).toBe(200);
    const conn = hub.infrastructure.orm.em.getConnection();
    const rows = await conn.execute<Data[]>(
      "select principal, role, operation_name, record_type, record_ids from read_audit where request_id = 'audit-me-1' order by record_type",
    );
    const principal = expect.stringMatching(/^test-\d+-\d+-test-masked-reader$/);
    expect(rows).toEqual([
      expect.objectContaining({
        principal,
        role: 'test_masked_reader',
        operation_name: 'Lookup',
        record_type: 'Household',
        record_ids: [expect.any(String)],
      }),
      expect.objectContaining({
        principal,
        role: 'test_masked_reader',
        operation_name: 'Lookup',
        record_type: 'Person',
        record_ids: [expect.any(String)],
      }),
    ]);
    await expect(conn.execute("delete from read_audit where request_id = 'audit-me-1'")).rejects.toThrow(
      /append-only/,
    );
    await expect(conn.execute("update read_audit set principal = 'x'")).rejects.toThrow(/append-only/);
    // Reads of non-personal data leave no entry.
    await query('{ regions(level: TOWNSHIP) { code } }');
    const [{ count }] = await conn.execute<Data[]>(
      "select count(*)::int as count from read_audit where record_type = 'Region'",
    );
    expect(count).toBe(0);
  });

  it('returns no personal data when the read audit cannot be written (fails closed)', async () => {
    const conn = hub.infrastructure.orm.em.getConnection();
    await conn.execute('alter table read_audit rename to read_audit_away');
    try {
      const res = await query(`{ person(idNumber: "${FIXTURE.zhangWei}") { name } }`);
      expect(res.data).toBeNull();
      expect(res.errors).toEqual([expect.objectContaining({ extensions: { code: 'AUDIT_UNAVAILABLE' } })]);
      expect(JSON.stringify(res)).not.toContain('张');
      // Reads without personal data need no audit and still answer.
      expect((await query('{ region(code: "620725") { name } }')).data).toEqual({
        region: { name: '山丹县' },
      });
    } finally {
      await conn.execute('alter table read_audit_away rename to read_audit');
    }
  });

  it('refuses malformed identifiers naming the field and the rule, and says when nobody matches', async () => {
    const bad = await query(`{ person(idNumber: "${FIXTURE.zhangWei.slice(0, 17)}0") { name } }`);
    expect(bad.errors[0].extensions).toMatchObject({
      code: 'INVALID_ID_NUMBER',
      field: 'idNumber',
      rule: 'CITIZEN_ID_CHECK_DIGIT',
    });
    const missing = await query('{ person(idNumber: "11010519491231002X") { name } }');
    expect(missing.errors[0]).toMatchObject({
      message: 'No person with code "110105********002X"',
      extensions: { code: 'PERSON_NOT_FOUND' },
    });
    expect(JSON.stringify(missing)).not.toContain('11010519491231002X');
    const sex = await query('{ people(filter: { sex: "7" }) { totalCount } }');
    expect(sex.errors[0]).toMatchObject({
      message: expect.stringMatching(/^sex: "7" is not a code or name in 性别 \(sex\)/),
      extensions: { code: 'CODE_UNKNOWN', field: 'sex', rule: 'CODE_UNKNOWN' },
    });
    expect((await query('{ people(filter: { sex: "男" }) { totalCount } }')).data.people.totalCount).toBe(35);
    const type = await query('{ events(filter: { typeCode: "9999" }) { totalCount } }');
    expect(type.errors[0].extensions).toMatchObject({ code: 'CODE_UNKNOWN', field: 'typeCode' });
    const org = await query('{ organization(creditCode: "91620725MA71000010") { name } }');
    expect(org.errors[0].extensions).toMatchObject({ code: 'INVALID_CREDIT_CODE', field: 'creditCode' });
  });

  it('pages people with cursors and totalCount, filtered by region subtree, group, age, tags and name', async () => {
    const page = (filter: Data, first = 100, after?: string) =>
      query(
        `query($f: PersonFilterInput, $first: Int, $after: String) { people(filter: $f, first: $first, after: $after) {
          totalCount pageInfo { hasNextPage endCursor pageSize } nodes { name age tags }
        } }`,
        { f: filter, first, after },
      );
    expect((await page({ regionCode: '620725' })).data.people.totalCount).toBe(65);
    expect((await page({ regionCode: '620725101' })).data.people.totalCount).toBe(60);
    expect((await page({ regionCode: '620725204' })).data.people.totalCount).toBe(5);
    expect(
      (await page({ regionCode: FIXTURE.grid, kinds: ['SEVERE_MENTAL_DISORDER'] })).data.people.totalCount,
    ).toBe(6);
    expect((await page({ tags: ['低保', '独居老人'] })).data.people.totalCount).toBe(15);
    const adults = (await page({ regionCode: FIXTURE.grid, ageMin: 30, ageMax: 39 })).data.people.nodes;
    expect(adults.length).toBeGreaterThan(0);
    expect(adults.every((p: Data) => p.age >= 30 && p.age <= 39)).toBe(true);
    expect((await page({ nameStartsWith: '孙' })).data.people.totalCount).toBe(5);

    const first = (await page({ regionCode: FIXTURE.grid }, 25)).data.people;
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, pageSize: 25 });
    const second = (await page({ regionCode: FIXTURE.grid }, 25, first.pageInfo.endCursor)).data.people;
    const third = (await page({ regionCode: FIXTURE.grid }, 25, second.pageInfo.endCursor)).data.people;
    expect([first.nodes.length, second.nodes.length, third.nodes.length]).toEqual([25, 25, 10]);
    expect(third.pageInfo.hasNextPage).toBe(false);

    const capped = await page({}, 500);
    expect(capped.data.people.pageInfo.pageSize).toBe(100);
    expect(capped.errors).toEqual([
      expect.objectContaining({
        extensions: { code: 'PAGE_SIZE_CAPPED', field: 'first', rule: 'first ≤ 100' },
      }),
    ]);
    expect((await page({}, -1)).errors[0].extensions).toMatchObject({
      code: 'BAD_PAGE_SIZE',
      field: 'first',
    });
    expect((await page({ regionCode: '620725999' })).errors[0].extensions.code).toBe('REGION_NOT_FOUND');
    expect((await query('{ people(after: "bm9wZQ") { totalCount } }')).errors[0].extensions.code).toBe(
      'BAD_CURSOR',
    );
  });

  it("lists a township's disputes in a period with their parties, masked", async () => {
    const { data, errors } = await query(`{ events(filter: { regionCode: "620725101", kinds: [DISPUTE],
        occurredFrom: "2026-10-01T00:00:00Z", occurredBefore: "2026-11-01T00:00:00Z", typeCode: "02" }) {
      totalCount nodes { code typeCode resolvedSuccessfully parties { name idNumber person { grid { code } } } steps { step unit } region { code } }
    } }`);
    expect(errors).toBeUndefined();
    expect(data.events.totalCount).toBe(3); // October, type 02xx: events 1, 3, 5
    const [first] = data.events.nodes;
    expect(first.parties).toHaveLength(3); // two people and the company involved
    expect(first.parties[0].name).toMatch(/^.\*+$/);
    expect(first.parties[0].idNumber).toMatch(/^620725\*{8}[0-9X]{4}$/);
    expect(first.parties[0].person.grid.code).toBe(FIXTURE.grid);
    expect(first.steps).toEqual([{ step: '受理', unit: '长城社区综治中心' }]);
  });

  it('finds an organisation by credit code, and places by code', async () => {
    const { data } = await query(
      `{ organization(creditCode: "${FIXTURE.orgCode.toLowerCase()}") { name kind creditCode legalRepresentativeIdNumber hasPartyOrganization partyMembers region { code } }
         place(code: "B-620725101001-001") { name kind attributes region { name } } }`,
    );
    expect(data.organization).toMatchObject({
      name: '山丹县长城商贸有限公司',
      kind: 'ENTERPRISE',
      creditCode: FIXTURE.orgCode,
      legalRepresentativeIdNumber: expect.stringMatching(/^620725\*{8}/),
      partyMembers: 3,
      region: { code: FIXTURE.grid },
    });
    expect(data.place).toEqual({
      name: '幸福路1号楼',
      kind: 'BUILDING',
      attributes: { buildingUse: '01' },
      region: { name: '长城社区第1网格' },
    });
  });

  it('walks from a unit to its people and places, and from an organisation to its events and things', async () => {
    const { data, errors } = await query(`{
      region(code: "620725101001") {
        people(first: 2, filter: { kinds: [SEVERE_MENTAL_DISORDER] }) { totalCount nodes { name records(kinds: [SEVERE_MENTAL_DISORDER]) { attributes } } }
        places { totalCount nodes { code } }
      }
      organization(creditCode: "${FIXTURE.orgCode}") { events { code parties { role organization { name } } } }
      things(filter: { kinds: [CAMERA] }) { nodes { code type ownerOrganization { name } region { code } } }
      situations(filter: { regionCode: "620725101", kinds: [SAFETY_SURVEY] }) { totalCount nodes { code rating attributes } }
    }`);
    expect(errors).toBeUndefined();
    expect(data.region.people.totalCount).toBe(6);
    expect(data.region.people.nodes[0].records).toEqual([
      { attributes: { diagnosisType: '01', riskLevel: '02' } },
    ]);
    expect(data.region.places).toEqual({ totalCount: 1, nodes: [{ code: 'B-620725101001-001' }] });
    expect(data.organization.events).toEqual([
      {
        code: 'SD-2026-0001',
        parties: [
          { role: '当事人', organization: null },
          { role: '当事人', organization: null },
          { role: '涉及单位', organization: { name: '山丹县长城商贸有限公司' } },
        ],
      },
    ]);
    expect(data.things.nodes).toEqual([
      {
        code: 'CAM-0001',
        type: '球机',
        ownerOrganization: { name: '山丹县长城商贸有限公司' },
        region: { code: FIXTURE.grid },
      },
    ]);
    expect(data.situations).toEqual({
      totalCount: 1,
      nodes: [{ code: 'SV-2026-0001', rating: '02', attributes: { respondentAge: 45 } }],
    });
  });

  it('counts records per unit at a level', async () => {
    const { data } = await query(
      '{ counts(category: PEOPLE, groupBy: TOWNSHIP) { region { code name } count } }',
    );
    expect(data.counts).toEqual([
      { region: { code: '620725101', name: '清泉镇' }, count: 60 },
      { region: { code: '620725204', name: '李桥乡' }, count: 5 },
    ]);
    const grids = await query(
      '{ counts(category: EVENTS, groupBy: GRID, regionCode: "620725101") { region { code } count } }',
    );
    expect(grids.data.counts).toEqual([{ region: { code: FIXTURE.grid }, count: 6 }]);
  });

  it('serves the code tables', async () => {
    const { data } = await query(
      '{ codeTable(id: "dispute_type") { label standard values { code label parentCode } } }',
    );
    expect(data.codeTable.label).toBe('事件类型');
    expect(data.codeTable.values).toContainEqual({ code: '0101', label: '恋爱及婚姻', parentCode: '01' });
    expect((await query('{ codeTable(id: "nope") { label } }')).errors[0].extensions.code).toBe(
      'CODE_TABLE_NOT_FOUND',
    );
  });

  it('batches nested lists: the statements for a page do not grow with the page size', async () => {
    const knex = hub.infrastructure.orm.em.getKnex();
    const nested = `query($first: Int) { people(filter: { regionCode: "${FIXTURE.grid}" }, first: $first) {
      nodes { name household { householdNumber region { code } members { name } } grid { name }
              records { kind provenance { sources { connector } } } events { code parties { name } }
              provenance { sources { sourceKey } } } } }`;
    const statements = async (first: number) => {
      let n = 0;
      const count = () => n++;
      knex.on('query', count);
      try {
        const { errors, data } = await query(nested, { first });
        expect(errors).toBeUndefined();
        expect(data.people.nodes).toHaveLength(first);
        // Listings skip the provenance JSON; asking for it loads it by id, batched like any nested field.
        expect(data.people.nodes[0].provenance.sources[0].sourceKey).toMatch(/^p-\d+$/);
        expect(data.people.nodes[0].records[0].provenance.sources).toEqual([{ connector: 'fixture' }]);
      } finally {
        knex.removeListener('query', count);
      }
      return n;
    };
    const small = await statements(5);
    const large = await statements(50);
    expect(large).toBe(small);
    expect(small).toBeLessThanOrEqual(10);
  });
});
