import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnector, queueRun } from '../../../connectors/connector.service';
import { loadSecretKey } from '../../../connectors/secrets';
import { executeRun } from '../../../connectors/sync';
import { runSql } from '../../../schema/common/rows';
import type { MikroORM } from '../../../schema/db/orm';
import { exportDemoCounty } from '../../../schema/demo/export';
import { generateDemoCounty } from '../../../schema/demo/generate';
import { testOrm } from '../../support/orm';

const KEY = loadSecretKey('11'.repeat(32), os.tmpdir());
const TODAY = '2026-11-26';

let orm: MikroORM;
let dir: string;
let file: string;

function em() {
  return orm.em.fork();
}

async function run(name: string) {
  const { run } = await queueRun(em(), name, 'manual');
  const counters = await executeRun(em(), KEY, run.id, { today: TODAY });
  return { id: run.id, ...counters };
}

beforeAll(async () => {
  orm = await testOrm();
  dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-sync-'));
  const county = generateDemoCounty({ seed: 7, scale: 0.005 });
  const files = await exportDemoCounty(county, dir, { encoding: 'gbk' });
  file = files.find((f) => f.dataSet === 'registered_population')!.file;
});

afterAll(async () => {
  await orm.close();
});

describe('sync engine: the household register as a GBK CSV', () => {
  it('loads, then finds nothing changed, then merges one changed row and quarantines bad ones', async () => {
    await createConnector(em(), KEY, {
      name: 'gongan-huji',
      title: '公安 户籍人口',
      sourceType: 'csv',
      config: { path: file, encoding: 'gbk' },
      streams: [
        {
          stream: path.basename(file, '.csv'),
          chunkSize: 100,
          mapping: { dataSet: 'registered_population', region: { code: '所属网格编码' } },
        },
      ],
    });
    const first = await run('gongan-huji');
    expect(first.read).toBeGreaterThan(100);
    expect(first.read).toBe(
      first.inserted + first.updated + first.unchanged + first.quarantined + first.skipped,
    );
    expect(first.quarantined).toBe(0);
    expect(first.inserted).toBe(first.read);

    const second = await run('gongan-huji');
    expect(second.unchanged).toBe(second.read);
    expect(second.inserted + second.updated).toBe(0);

    // Change one person's address, break another's ID number.
    const text = iconv.decode(readFileSync(file), 'gbk').split('\r\n');
    const header = text[0]!.split(',');
    const addr = header.indexOf('现住门(楼)详址');
    const idCol = header.indexOf('公民身份号码');
    const row1 = text[1]!.split(',');
    row1[addr] = '城关镇新街99号';
    text[1] = row1.join(',');
    const row2 = text[2]!.split(',');
    row2[idCol] = `${row2[idCol]!.slice(0, 17)}${row2[idCol]!.endsWith('0') ? '1' : '0'}`;
    text[2] = row2.join(',');
    writeFileSync(file, iconv.encode(text.join('\r\n'), 'gbk'));

    const third = await run('gongan-huji');
    expect(third.updated).toBe(1);
    expect(third.quarantined).toBe(1);
    expect(third.read).toBe(
      third.inserted + third.updated + third.unchanged + third.quarantined + third.skipped,
    );
    const [q] = await runSql<{ failures: Array<{ field: string; rule: string }> }>(
      em(),
      "select failures from quarantined_record where status = 'open'",
    );
    expect(q!.failures[0]).toMatchObject({ field: 'idNumber' });
    const [p] = await runSql<{
      current_address: string;
      provenance: { fields: Record<string, { connector: string }> };
    }>(em(), 'select current_address, provenance from person where id_number = ?', [row1[idCol]]);
    expect(p!.current_address).toBe('城关镇新街99号');
    expect(p!.provenance.fields.currentAddress!.connector).toBe('gongan-huji');
  });
});
