import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileMapping, type MappedRecord, mapRecord } from '../../../connectors/mapping';
import { findAbsent, insertNewRecords, prepareNewRecords } from '../../../connectors/merge';
import { ConnectorError } from '../../../connectors/protocol';
import { MappingSchema } from '../../../connectors/streams';
import { loadRegionIndex, personBlockOf } from '../../../connectors/sync';
import { runSql } from '../../../schema/common/rows';
import type { MikroORM } from '../../../schema/db/orm';
import { inTransaction, withConnection } from '../../../schema/db/tx';
import { citizenId, FIXTURE } from '../../support/fixture';
import { testOrm } from '../../support/orm';

/**
 * The sync finds a chunk's new people before the chunk's transaction (on another connection, while the chunk
 * before it commits) and then inserts them without looking again. If another run writes one of them in
 * between, the insert must not half-succeed: the chunk fails as a retryable MERGE_RACE, writes nothing, and
 * its retry (which looks again) merges.
 */

const TODAY = '2026-11-26';
const HEADER =
  '公民身份号码,姓名,性别,出生日期,民族,户籍地,户籍门(楼)详址,现住门(楼)详址,联系方式,人户一致标识,户号,与户主关系,所属网格编码'.split(
    ',',
  );
// Sequences 760+ keep these people apart from other tests' in the shared test database.
const A = citizenId('620725', '19790303', 761);
const B = citizenId('620725', '19820707', 762);

let orm: MikroORM;
const em = () => orm.em.fork();

async function mapped(ids: string[]): Promise<MappedRecord[]> {
  const compiled = compileMapping(
    MappingSchema.parse({ dataSet: 'registered_population', region: { code: '所属网格编码' } }),
    HEADER,
    personBlockOf,
  );
  const regions = await loadRegionIndex(em());
  return ids.map((id, n) => {
    const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
    const values = [
      id,
      `测试${n}`,
      '1',
      birth,
      '01',
      '620725',
      '清泉镇幸福路2号',
      '清泉镇幸福路2号',
      '',
      '01',
      'H0761',
      '02',
      FIXTURE.grid,
    ];
    const result = mapRecord(
      compiled,
      Object.fromEntries(HEADER.map((h, i) => [h, values[i]])),
      regions,
      TODAY,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.failures));
    return result.record;
  });
}

const context = {
  connector: 'race-test',
  stream: 'register',
  precedence: new Map(),
  at: `${TODAY}T00:00:00.000Z`,
};

beforeAll(async () => {
  orm = await testOrm();
});

afterAll(async () => {
  await runSql(em(), 'delete from person where id_number = any(?::text[])', [[A, B]]);
  await orm.close(true);
});

describe('new records found absent, then written by another run', () => {
  it('fail the chunk as a retryable MERGE_RACE that writes nothing', async () => {
    const records = await mapped([A, B]);
    const spec = records[0]!.dataSet;
    const absent = await withConnection(em(), (tx) => findAbsent(em(), tx, spec, records));
    expect(absent.size).toBe(2);
    const statement = prepareNewRecords(
      em(),
      spec,
      records.map((record, n) => ({ sourceKey: `row-${n}`, record })),
      absent,
      context,
    );
    expect(statement).toBeDefined();

    // Another run writes A meanwhile, by the same path.
    const other = prepareNewRecords(
      em(),
      spec,
      [{ sourceKey: 'other', record: records[0]! }],
      absent,
      context,
    );
    await inTransaction(em(), (tx) => insertNewRecords(tx, other!));

    const race = await inTransaction(em(), (tx) => insertNewRecords(tx, statement!)).catch((e: unknown) => e);
    expect(race).toBeInstanceOf(ConnectorError);
    expect(race).toMatchObject({ kind: 'transient', code: 'MERGE_RACE' });
    // B, whose insert succeeded inside the failed chunk, went with its rollback.
    const people = await runSql<{ id_number: string }>(
      em(),
      'select id_number from person where id_number = any(?::text[]) order by 1',
      [[A, B]],
    );
    expect(people.map((p) => p.id_number)).toEqual([A]);

    // The retry looks again: only B is new now.
    const again = await withConnection(em(), (tx) => findAbsent(em(), tx, spec, records));
    expect([...again].some((k) => k.includes(A))).toBe(false);
    expect([...again].some((k) => k.includes(B))).toBe(true);
  });
});
