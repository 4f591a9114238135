import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { exportDemoCounty } from '../../../schema/demo/export';
import { generateDemoCounty } from '../../../schema/demo/generate';
import { validateCitizenId } from '../../../schema/identifiers';

describe("the demo county as its departments' exports", () => {
  const county = generateDemoCounty({ seed: 1, scale: 0.02 });
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('writes one GBK CSV per department and data set, with the standard’s Chinese headers and every row', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gridhub-export-'));
    dirs.push(dir);
    const files = await exportDemoCounty(county, dir, { encoding: 'gbk' });
    const names = files.map((f) => path.basename(f.file));
    expect(names).toEqual(
      expect.arrayContaining([
        '公安_户籍人口.csv',
        '公安_流动人口.csv',
        '卫健_肇事肇祸等严重精神障碍患者.csv',
        '司法_社区矫正人员.csv',
        '市场监管_非公有制经济组织.csv',
        '综治_矛盾纠纷事件.csv',
      ]),
    );

    const registered = files.find((f) => f.dataSet === 'registered_population')!;
    const bytes = await readFile(registered.file);
    expect(bytes.subarray(0, 3).toString('hex')).not.toBe('efbbbf'); // GBK, no UTF-8 byte-order mark
    const rows: string[][] = parse(iconv.decode(bytes, 'gbk'));
    const [header, ...data] = rows;
    expect(header).toEqual(
      expect.arrayContaining(['公民身份号码', '姓名', '性别', '所属网格编码', '人户一致标识']),
    );
    expect(data).toHaveLength(county.personRecords.filter((r) => r.kind === 'registered').length);
    const idColumn = header.indexOf('公民身份号码');
    for (const row of data.slice(0, 200)) expect(validateCitizenId(row[idColumn]).ok).toBe(true);

    const disputes = files.find((f) => f.dataSet === 'dispute')!;
    expect(disputes.rows).toBe(county.events.filter((e) => e.kind === 'dispute').length);
  });

  it('can write UTF-8 with a byte-order mark instead, with the same content', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gridhub-export-'));
    dirs.push(dir);
    const files = await exportDemoCounty(county, dir, { encoding: 'utf8' });
    const text = await readFile(files.find((f) => f.dataSet === 'floating_population')!.file, 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const [header] = parse(text.slice(1)) as string[][];
    expect(header).toContain('流入原因');
  });
});
