import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importInventory } from '../../../fleet/import';
import { HandsetStatus, SimStatus } from '../../../fleet/inventory.entity';
import {
  assign,
  createHandset,
  createSim,
  createWorker,
  setHandsetStatus,
  setSimStatus,
  unassign,
} from '../../../fleet/inventory.service';
import { changesOf } from '../../../fleet/search';
import { runSql } from '../../../schema/common/rows';
import type { MikroORM } from '../../../schema/db/orm';
import { luhnCheckDigit } from '../../../schema/identifiers/luhn';
import { FIXTURE } from '../../support/fixture';
import { testOrm } from '../../support/orm';

/**
 * The inventory against real PostgreSQL: one-record writes with their history, status rules, assignments,
 * and the spreadsheet import (CSV in GBK, XLSX) that writes everything or nothing.
 */

// TAC 86123400 + a serial in this file's own range keeps its handsets apart from other tests'.
const imei = (n: number) => {
  const body = `86123400${String(500_000 + n).padStart(6, '0')}`;
  return body + luhnCheckDigit(body);
};
const iccid = (n: number) => {
  const body = `8986001234${String(700_000_000 + n).padStart(9, '0')}`;
  return body + luhnCheckDigit(body);
};
const msisdn = (n: number) => `1389${String(7_000_000 + n).padStart(7, '0')}`;

let orm: MikroORM;
let dir: string;
const em = () => orm.em.fork();
const ACTOR = 'it-office-test';

beforeAll(async () => {
  orm = await testOrm();
  dir = mkdtempSync(path.join(os.tmpdir(), 'fleet-inventory-'));
});
afterAll(async () => {
  await orm?.close();
});

describe('one record at a time', () => {
  it('creates a handset, normalising an IMEISV and full-width digits, and keeps its history', async () => {
    const imeisv = `${imei(1).slice(0, 14)}03`; // the 16-digit IMEISV of imei(1)
    const h = await createHandset(em(), ACTOR, {
      deviceId: 'INV-0001',
      imei1: imeisv,
      imei2: imei(2).replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))),
      model: 'Huawei nova 9',
      purchaseDate: '2023年3月1日',
    });
    expect(h).toMatchObject({
      imei1: imei(1),
      imei2: imei(2),
      status: HandsetStatus.IN_STOCK,
      purchaseDate: '2023-03-01',
    });
    const history = await changesOf(em(), 'handset', h.id);
    expect(history.map((c) => c.changes)).toEqual([{ created: [null, 'in_stock'] }]);
    // A second create of the same device id is refused (an import would update it; a create must not).
    await expect(
      createHandset(em(), ACTOR, { deviceId: 'INV-0001', imei1: imei(9), model: 'x' }),
    ).rejects.toMatchObject({ code: 'HANDSET_EXISTS', details: { field: 'deviceId' } });
  });

  it('refuses bad input naming every field and rule, and writes nothing', async () => {
    const wrongCheck = `${imei(3).slice(0, 14)}${(Number(imei(3)[14]) + 1) % 10}`;
    const attempt = createHandset(em(), ACTOR, {
      deviceId: 'INV-0003',
      imei1: wrongCheck,
      model: '',
      purchaseDate: '2023-02-30',
    });
    await expect(attempt).rejects.toMatchObject({
      code: 'IMEI_CHECK',
      details: {
        record: 'handset INV-0003',
        failures: [
          expect.objectContaining({ field: 'imei1', rule: 'IMEI_CHECK' }),
          expect.objectContaining({ field: 'model', rule: 'REQUIRED' }),
          expect.objectContaining({ field: 'purchaseDate', rule: 'DATE' }),
        ],
      },
    });
    expect(await runSql(em(), `select 1 from handset where device_id = 'INV-0003'`)).toHaveLength(0);
    // An IMEI that another handset holds (as its second IMEI) is refused too.
    await expect(
      createHandset(em(), ACTOR, { deviceId: 'INV-0004', imei1: imei(2), model: 'x' }),
    ).rejects.toMatchObject({
      code: 'IMEI_TAKEN',
      details: { failures: [expect.objectContaining({ field: 'imei1' })] },
    });
  });

  it('assigns a handset and SIM to a worker, activating the SIM; refuses a second holder; unassigns', async () => {
    await createHandset(em(), ACTOR, { deviceId: 'INV-0010', imei1: imei(10), model: 'Honor X30' });
    const sim = await createSim(em(), ACTOR, {
      iccid: `${iccid(10).slice(0, 19)}F`, // modem padding: the 19-digit body with a trailing F
      msisdn: msisdn(10),
      plan: '政务专用 30 元',
      monthlyFee: '30.00',
    });
    expect(sim).toMatchObject({
      iccid: iccid(10),
      carrier: 'cmcc',
      monthlyFeeFen: 3000,
      status: SimStatus.STOCK,
    });
    await createWorker(em(), ACTOR, {
      code: 'W-INV-1',
      name: '王芳',
      gridCode: FIXTURE.grid,
      kind: '专职',
      phone: '13912345678',
    });
    await createWorker(em(), ACTOR, {
      code: 'W-INV-2',
      name: '李强',
      gridCode: FIXTURE.grid,
      kind: 'auxiliary',
    });
    await expect(
      createWorker(em(), ACTOR, {
        code: 'W-INV-3',
        name: '赵敏',
        gridCode: '620725999999-G99',
        kind: '兼职',
      }),
    ).rejects.toMatchObject({ code: 'GRID_UNKNOWN' });

    const a = await assign(em(), ACTOR, { deviceId: 'INV-0010', workerCode: 'W-INV-1', iccid: iccid(10) });
    expect(a.until).toBeNull();
    const [state] = await runSql<{ h: string; s: string; activated: string | null }>(
      em(),
      `select h.status as h, s.status as s, s.activated_on as activated from handset h, sim_card s
       where h.device_id = 'INV-0010' and s.iccid = ?`,
      [iccid(10)],
    );
    expect(state).toMatchObject({ h: 'assigned', s: 'active' });
    expect(state!.activated).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    await expect(assign(em(), ACTOR, { deviceId: 'INV-0010', workerCode: 'W-INV-2' })).rejects.toMatchObject({
      code: 'HANDSET_ASSIGNED',
      message: expect.stringContaining('W-INV-1'),
    });
    // The same assignment again changes nothing.
    await assign(em(), ACTOR, { deviceId: 'INV-0010', workerCode: 'W-INV-1', iccid: iccid(10) });
    await expect(setHandsetStatus(em(), ACTOR, 'INV-0010', HandsetStatus.RETIRED)).rejects.toMatchObject({
      code: 'STATUS_TRANSITION',
    });
    await expect(setSimStatus(em(), ACTOR, iccid(10), SimStatus.CANCELLED)).rejects.toMatchObject({
      code: 'SIM_ASSIGNED',
    });

    const back = await unassign(em(), ACTOR, { deviceId: 'INV-0010', reason: '调岗' });
    expect(back.status).toBe(HandsetStatus.IN_STOCK);
    const history = await changesOf(em(), 'handset', back.id);
    expect(history[0]).toMatchObject({ reason: '调岗', changes: { worker: ['W-INV-1', null] } });
    const [audit] = await runSql<{ n: string }>(
      em(),
      `select count(*) as n from fleet_audit where handset_id = ? and action in ('assign', 'unassign')`,
      [back.id],
    );
    expect(Number(audit!.n)).toBe(2);
    // Lost, then retired (final).
    await setHandsetStatus(em(), ACTOR, 'INV-0010', HandsetStatus.LOST, '下乡途中遗失');
    await setHandsetStatus(em(), ACTOR, 'INV-0010', HandsetStatus.RETIRED);
    await expect(setHandsetStatus(em(), ACTOR, 'INV-0010', HandsetStatus.IN_STOCK)).rejects.toMatchObject({
      code: 'STATUS_TRANSITION',
      message: expect.stringContaining('nothing (final)'),
    });
  });

  it('keeps the fleet history append-only', async () => {
    await expect(runSql(em(), 'delete from fleet_change')).rejects.toThrow(/append-only/);
    await expect(runSql(em(), `update fleet_audit set actor = 'x'`)).rejects.toThrow(/append-only/);
  });
});

describe('spreadsheet import', () => {
  const gbkCsv = (name: string, lines: string[]) => {
    const file = path.join(dir, name);
    writeFileSync(file, iconv.encode(`${lines.join('\r\n')}\r\n`, 'gbk'));
    return file;
  };

  it('imports a GBK CSV of handsets with Chinese headers, then reports a re-import as unchanged', async () => {
    const lines = [
      '资产编号,IMEI1,IMEI2,型号,系统版本,购置日期,状态,备注',
      ...Array.from(
        { length: 20 },
        (_, i) => `CSV-${100 + i},${imei(100 + i)},,华为 畅享 50,HarmonyOS 3.0,2023/4/${1 + (i % 28)},在库,`,
      ),
    ];
    const file = gbkCsv('handsets.csv', lines);
    const report = await importInventory(em(), ACTOR, { kind: 'handsets', file });
    expect(report).toMatchObject({ rows: 20, inserted: 20, updated: 0, errors: [], applied: true });
    expect(report.ignoredColumns).toEqual(['备注']);
    const [row] = await runSql<{ model: string }>(
      em(),
      `select model from handset where device_id = 'CSV-105'`,
    );
    expect(row!.model).toBe('华为 畅享 50');
    const again = await importInventory(em(), ACTOR, { kind: 'handsets', file });
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 20, applied: true });
  });

  it('writes nothing when any row fails, and reports each failure with its row, field and rule', async () => {
    const lines = [
      '资产编号,IMEI1,型号',
      `BAD-1,${imei(200)},Honor`,
      `BAD-2,358718371466676,Honor`, // the identifiers reference's invalid IMEI
      `BAD-3,${imei(200)},Honor`, // the same IMEI as row 2
      `BAD-4,${imei(203)},`,
    ];
    const report = await importInventory(em(), ACTOR, { kind: 'handsets', file: gbkCsv('bad.csv', lines) });
    expect(report.applied).toBe(false);
    expect(report.errors.map((e) => [e.row, e.key, e.field, e.rule])).toEqual([
      [3, 'BAD-2', 'imei1', 'IMEI_CHECK'],
      [5, 'BAD-4', 'model', 'REQUIRED'],
    ]);
    expect(await runSql(em(), `select 1 from handset where device_id like 'BAD-%'`)).toHaveLength(0);

    // Once the rows are fixed, the duplicate IMEI across rows is what remains, and still nothing is written.
    const fixed = [
      '资产编号,IMEI1,型号',
      `BAD-1,${imei(200)},Honor`,
      `BAD-2,${imei(202)},Honor`,
      `BAD-3,${imei(200)},Honor`,
      `BAD-4,${imei(203)},Honor`,
    ];
    const second = await importInventory(em(), ACTOR, { kind: 'handsets', file: gbkCsv('dup.csv', fixed) });
    expect(second.errors.map((e) => [e.row, e.field, e.rule])).toEqual([[4, 'imei1', 'DUPLICATE_IN_FILE']]);
    expect(second.applied).toBe(false);
    expect(await runSql(em(), `select 1 from handset where device_id like 'BAD-%'`)).toHaveLength(0);
  });

  it('names the missing columns of a sheet that is not an inventory', async () => {
    const file = gbkCsv('wrong.csv', ['姓名,地址', '张三,清泉镇']);
    await expect(importInventory(em(), ACTOR, { kind: 'sims', file })).rejects.toMatchObject({
      code: 'COLUMNS_MISSING',
      message: expect.stringContaining('iccid'),
    });
  });

  it('imports SIMs, workers and assignments from XLSX sheets, dry run first', async () => {
    const workbook = new ExcelJS.Workbook();
    const sims = workbook.addWorksheet('SIM卡');
    sims.addRow(['ICCID', '手机号', '运营商', '套餐', '月租', '开通日期']);
    for (let i = 0; i < 5; i++)
      sims.addRow([iccid(300 + i), msisdn(300 + i), '中国移动', '政务 30', 30, new Date('2023-01-05')]);
    const workers = workbook.addWorksheet('网格员');
    workers.addRow(['工号', '姓名', '所属网格', '类别']);
    for (let i = 0; i < 5; i++)
      workers.addRow([`XW-${i}`, `网格员${i}`, FIXTURE.grid, i < 3 ? '专职' : '兼职']);
    const handsets = workbook.addWorksheet('手机');
    handsets.addRow(['资产编号', 'IMEI', '型号']);
    for (let i = 0; i < 5; i++) handsets.addRow([`XH-${i}`, Number(imei(300 + i)), 'vivo Y77']);
    const assignments = workbook.addWorksheet('领用');
    assignments.addRow(['资产编号', '工号', 'ICCID', '领用日期']);
    for (let i = 0; i < 5; i++) assignments.addRow([`XH-${i}`, `XW-${i}`, iccid(300 + i), '2023-02-01']);
    const file = path.join(dir, 'inventory.xlsx');
    await workbook.xlsx.writeFile(file);

    const dry = await importInventory(em(), ACTOR, { kind: 'sims', file, sheet: 'SIM卡', dryRun: true });
    expect(dry).toMatchObject({ inserted: 5, applied: false, errors: [] });
    expect(await runSql(em(), 'select 1 from sim_card where iccid = ?', [iccid(300)])).toHaveLength(0);

    for (const [kind, sheet] of [
      ['sims', 'SIM卡'],
      ['workers', '网格员'],
      ['handsets', '手机'],
      ['assignments', '领用'],
    ] as const) {
      const report = await importInventory(em(), ACTOR, { kind, file, sheet });
      expect(report, kind).toMatchObject({ inserted: 5, errors: [], applied: true });
    }
    const [open] = await runSql<{ n: string; since: string }>(
      em(),
      `select count(*) as n, min(a.since)::text as since from assignment a join handset h on h.id = a.handset_id
       where h.device_id like 'XH-%' and a.until is null`,
    );
    expect(Number(open!.n)).toBe(5);
    expect(open!.since).toBe('2023-01-31 16:00:00+00'); // 2023-02-01 00:00 in China
    const [sim] = await runSql<{ fee: number; activated: string }>(
      em(),
      'select monthly_fee_fen as fee, activated_on as activated from sim_card where iccid = ?',
      [iccid(300)],
    );
    expect(sim).toEqual({ fee: 3000, activated: '2023-01-05' });
  });
});
