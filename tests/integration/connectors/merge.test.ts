import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnector, queueRun } from '../../../connectors/connector.service';
import { loadSecretKey } from '../../../connectors/secrets';
import { executeRun } from '../../../connectors/sync';
import { runSql } from '../../../schema/common/rows';
import type { MikroORM } from '../../../schema/db/orm';
import { citizenId, FIXTURE } from '../../support/fixture';
import { testOrm } from '../../support/orm';

/**
 * Two departments supply the same people: the household register ranks higher on addresses, so a lower
 * source's different address is kept as a conflict (both values, both sources), while a field only it
 * supplies is merged; a full refresh that no longer lists a person marks the link gone and deletes nothing.
 */

const KEY = loadSecretKey('22'.repeat(32), os.tmpdir());
const TODAY = '2026-11-26';
const HEADER =
  '公民身份号码,姓名,性别,出生日期,民族,户籍地,户籍门(楼)详址,现住门(楼)详址,联系方式,人户一致标识,户号,与户主关系,所属网格编码';
// Sequences 700+ keep these people apart from other tests' in the shared test database.
const A = citizenId('620725', '19800101', 701);
const B = citizenId('620725', '19850505', 702);

let orm: MikroORM;
let dir: string;

const em = () => orm.em.fork();

function csv(name: string, rows: string[][]): string {
  const file = path.join(dir, `${name}.csv`);
  writeFileSync(file, `${[HEADER, ...rows.map((r) => r.join(','))].join('\n')}\n`);
  return file;
}

function row(id: string, name: string, address: string, phone = ''): string[] {
  const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  return [
    id,
    name,
    '1',
    birth,
    '01',
    '620725',
    '清泉镇幸福路1号',
    address,
    phone,
    '01',
    'H0001',
    '02',
    FIXTURE.grid,
  ];
}

async function connector(name: string, file: string, precedence: Record<string, number>) {
  await createConnector(em(), KEY, {
    name,
    title: name,
    sourceType: 'csv',
    config: { path: file },
    precedence,
    streams: [
      {
        stream: path.basename(file, '.csv'),
        mapping: { dataSet: 'registered_population', region: { code: '所属网格编码' } },
      },
    ],
  });
}

async function run(name: string) {
  const { run } = await queueRun(em(), name, 'manual');
  return executeRun(em(), KEY, run.id, { today: TODAY });
}

beforeAll(async () => {
  orm = await testOrm();
  dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-merge-'));
});

afterAll(async () => {
  await orm.close();
});

describe('merge under source precedence', () => {
  it('keeps the higher-ranked address, records the conflict, merges fields only the lower source has', async () => {
    await connector(
      'merge-huji',
      csv('huji', [row(A, '张三', '清泉镇长城路1号'), row(B, '李四', '清泉镇长城路2号')]),
      {
        currentAddress: 10,
      },
    );
    await connector('merge-minzheng', csv('minzheng', [row(A, '张三', '清泉镇别处9号', '13912345678')]), {});

    expect(await run('merge-huji')).toMatchObject({ read: 2, inserted: 2 });
    const second = await run('merge-minzheng');
    expect(second).toMatchObject({ read: 1, updated: 1, conflicts: 1 });

    const [person] = await runSql<{
      id: string;
      current_address: string;
      phone: string;
      provenance: { fields: Record<string, { connector: string }> };
    }>(em(), 'select id, current_address, phone, provenance from person where id_number = ?', [A]);
    expect(person!.current_address).toBe('清泉镇长城路1号');
    expect(person!.phone).toBe('13912345678');
    expect(person!.provenance.fields.currentAddress!.connector).toBe('merge-huji');
    expect(person!.provenance.fields.phone!.connector).toBe('merge-minzheng');
    const conflicts = await runSql(
      em(),
      'select field, kept_value, kept_source, offered_value, offered_source from merge_conflict where target_type = ? and target_id = ?',
      ['person', person!.id],
    );
    expect(conflicts).toEqual([
      {
        field: 'currentAddress',
        kept_value: '清泉镇长城路1号',
        kept_source: 'merge-huji',
        offered_value: '清泉镇别处9号',
        offered_source: 'merge-minzheng',
      },
    ]);
  });

  it('lets a source change the fields it owns, and marks records a full refresh no longer lists as gone', async () => {
    csv('huji', [row(A, '张三', '清泉镇长城路3号')]);
    const third = await run('merge-huji');
    expect(third).toMatchObject({ read: 1, updated: 1, gone: 1 });
    const [a] = await runSql<{ current_address: string }>(
      em(),
      'select current_address from person where id_number = ?',
      [A],
    );
    expect(a!.current_address).toBe('清泉镇长城路3号');
    // B is still there, only its link says the register no longer lists it.
    const [b] = await runSql<{ n: number }>(
      em(),
      'select count(*)::int as n from person where id_number = ?',
      [B],
    );
    expect(b!.n).toBe(1);
    const gone = await runSql<{ source_key: string }>(
      em(),
      "select l.source_key from source_link l join connector c on c.id = l.connector_id where c.name = 'merge-huji' and l.gone_at is not null",
    );
    expect(gone).toEqual([{ source_key: '2' }]);
  });
});
