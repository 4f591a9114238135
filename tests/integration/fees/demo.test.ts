import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetReport } from '../../../fleet/budget';
import { configureDeviceCa } from '../../../fleet/ca';
import { seedDemoFleet } from '../../../fleet/demo';
import { iccidOf } from '../../../fleet/demo-numbers';
import { PLANTED, seedDemoFees } from '../../../fleet/fees-demo';
import { runSql } from '../../../schema/common/rows';
import { initORM, type MikroORM, migrate } from '../../../schema/db/orm';
import { seedDemoCounty } from '../../../schema/demo/seed';
import { createLogger } from '../../../schema/runtime/logger';
import { HUB_ENTITIES } from '../../../workers/entities';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../../support/services';

/**
 * The demo's reference year of carrier statements on a small demo county: 24 statements (two carriers, twelve
 * months) tie out and import through the carriers' templates, and the reconciliation finds each planted
 * discrepancy and nothing else — the exact list, line by line, with the amount at stake.
 */

const DB = scratchDatabaseName('feesdemo');
const SCALE = 0.05;
const WORKERS = Math.round(1_490 * SCALE);

describe('the demo fees year', () => {
  let orm: MikroORM;
  let dir: string;
  const em = () => orm.em.fork() as EntityManager;

  beforeAll(async () => {
    const url = await recreateDatabase(DB);
    orm = await initORM({ url, poolMax: 2, statementTimeoutMs: 60_000, entities: HUB_ENTITIES });
    await migrate(orm);
    configureDeviceCa({
      passphrase: 'demo fees test passphrase',
      publicUrl: 'http://127.0.0.1:4000',
      certDays: 365,
    });
    await seedDemoCounty(em(), { scale: SCALE, embedded: false }, createLogger('silent'));
    await seedDemoFleet(em(), { scale: SCALE });
    dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-fees-demo-'));
  }, 180_000);
  afterAll(async () => {
    await orm?.close();
    await dropDatabase(DB);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('imports a year from two carriers and finds exactly the planted discrepancies', async () => {
    const summary = await seedDemoFees(em(), { dir });
    expect(summary).toMatchObject({ statements: 24 });
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(24);
    expect(files.filter((f) => f.endsWith('.csv'))).toHaveLength(12);
    expect(existsSync(path.join(dir, '中国电信_2023-10_账单.xlsx'))).toBe(true);

    // The seed's spending, in proportion to the workers: every line of the year, to the fen.
    const spent = Math.round((76_380_000 * WORKERS) / 1_490);
    expect(summary!.totalFen).toBe(spent);
    const budget = await budgetReport(em(), { year: 2023 });
    expect(budget.budgetFen).toBe(Math.round((108_000_000 * WORKERS) / 1_490));
    expect(budget.actualFen).toBe(spent);

    const findings = await runSql<{
      month: string;
      carrier: string;
      class: string;
      iccid: string;
      category: string | null;
      item: string | null;
      amount_fen: string | null;
      at_stake_fen: string;
    }>(
      em(),
      `select to_char(f.billing_month, 'YYYY-MM') as month, f.carrier, f.class, f.iccid, l.category,
         l.item_name as item, l.amount_fen, f.at_stake_fen
       from fee_reconciliation_finding f left join carrier_statement_line l on l.id = f.line_id
       where f.state <> 'matched' order by 1, 2, 3, 4, 5, 6`,
    );
    const sims = new Map(
      (
        await runSql<{ iccid: string; fee: string; activated_on: string }>(
          em(),
          `select iccid, monthly_fee_fen as fee, to_char(activated_on, 'YYYY-MM-DD') as activated_on from sim_card`,
        )
      ).map((s) => [s.iccid, { fee: Number(s.fee), activatedOn: s.activated_on }]),
    );
    const P = PLANTED;
    const fee = (n: number) => sims.get(iccidOf(n))!.fee;
    // January's fee by the carrier rule (fee × 12 / 365 × days from the activation day to the month's end).
    const janDays = 32 - Number(sims.get(iccidOf(P.prorationError))!.activatedOn.slice(8));
    const prorated = Math.round((fee(P.prorationError) * 12 * janDays) / 365);
    const [s1, s2] = P.swapped;
    // month carrier class SIM category item → at stake (SIM-level classes: every line of the SIM, its amount).
    const expected: [string, string, string, number, string, string, number | 'line'][] = [
      [
        '2023-01',
        'ctcc',
        'PRORATION_ERROR',
        P.prorationError,
        'plan_fee',
        '套餐月功能费',
        fee(P.prorationError) - prorated,
      ],
      [
        '2023-03',
        'cmcc',
        'BILLED_NOT_IN_INVENTORY',
        P.billedNotInInventory,
        'plan_fee',
        '套餐及固定费',
        3_000,
      ],
      ['2023-04', 'cmcc', 'UNEXPECTED_CATEGORY', P.thirdParty, 'third_party', '代收费', 2_000],
      ['2023-05', 'cmcc', 'DUPLICATE', P.duplicate, 'plan_fee', '套餐及固定费', fee(P.duplicate)],
      [
        '2023-06',
        'cmcc',
        'PLAN_MISMATCH',
        P.planMismatch,
        'plan_fee',
        '套餐及固定费',
        fee(P.planMismatch) === 3_000 ? 2_800 : -2_800,
      ],
      ['2023-06', 'ctcc', 'NO_ASSIGNED_WORKER', P.handedBack, 'plan_fee', '套餐月功能费', fee(P.handedBack)],
      ['2023-07', 'cmcc', 'OVERAGE', P.overage, 'data', '上网费', 12_850 - 5_000],
      ['2023-08', 'cmcc', 'HANDSET_SILENT', P.silent, 'plan_fee', '套餐及固定费', fee(P.silent)],
      ['2023-08', 'cmcc', 'HANDSET_SILENT', P.silent, 'data', '上网费', 'line'],
      ['2023-08', 'cmcc', 'HANDSET_SILENT', P.silent, 'voice', '语音通信费', 'line'],
      ['2023-08', 'cmcc', 'HANDSET_SILENT', P.silent, 'sms', '短信彩信费', 'line'],
      ['2023-09', 'cmcc', 'INACTIVE_SIM_BILLED', P.cancelled, 'plan_fee', '套餐及固定费', fee(P.cancelled)],
      ['2023-09', 'cmcc', 'ZERO_USAGE', P.zeroUsage, 'plan_fee', '套餐及固定费', fee(P.zeroUsage)],
      ['2023-10', 'ctcc', 'UNEXPECTED_CATEGORY', P.roaming, 'data', '国际漫游流量费', 3_500],
      ['2023-10', 'ctcc', 'SIM_IN_OTHER_HANDSET', s1, 'plan_fee', '套餐月功能费', fee(s1)],
      ['2023-10', 'ctcc', 'SIM_IN_OTHER_HANDSET', s1, 'data', '上网费', 'line'],
      ['2023-10', 'ctcc', 'SIM_IN_OTHER_HANDSET', s1, 'voice', '通话费', 'line'],
      ['2023-10', 'ctcc', 'SIM_IN_OTHER_HANDSET', s1, 'sms', '短信费', 'line'],
      ['2023-10', 'ctcc', 'SIM_IN_OTHER_HANDSET', s2, 'plan_fee', '套餐月功能费', fee(s2)],
      ['2023-10', 'ctcc', 'SIM_IN_OTHER_HANDSET', s2, 'data', '上网费', 'line'],
      ['2023-10', 'ctcc', 'SIM_IN_OTHER_HANDSET', s2, 'voice', '通话费', 'line'],
      ['2023-11', 'ctcc', 'ACTIVE_NOT_BILLED', P.notBilled, '-', '-', fee(P.notBilled)],
    ];
    const lineLevel = new Set(['HANDSET_SILENT', 'SIM_IN_OTHER_HANDSET']);
    const actual = findings.map((f) => {
      // A SIM-level class on a line puts the whole line at stake.
      if (lineLevel.has(f.class) && f.category !== 'plan_fee') expect(f.at_stake_fen).toBe(f.amount_fen);
      const atStake = lineLevel.has(f.class) && f.category !== 'plan_fee' ? 'line' : Number(f.at_stake_fen);
      return [f.month, f.carrier, f.class, f.iccid, f.category ?? '-', f.item ?? '-', atStake];
    });
    expect(actual).toEqual(
      expected.map(([month, carrier, cls, n, category, item, atStake]) => [
        month,
        carrier,
        cls,
        iccidOf(n),
        category,
        item,
        atStake,
      ]),
    );

    // Everything else matched, and the runs agree with the findings.
    const [runs] = await runSql<{ runs: string; lines: string; matched: string; discrepancies: string }>(
      em(),
      `select count(*) as runs, sum(lines) as lines, sum(matched) as matched, sum(discrepancies) as discrepancies
         from fee_reconciliation_run where status = 'succeeded'`,
    );
    expect(Number(runs!.runs)).toBe(24);
    expect(Number(runs!.lines)).toBe(summary!.lines);
    expect(Number(runs!.discrepancies)).toBe(expected.length);
    expect(Number(runs!.matched)).toBe(summary!.lines - (expected.length - 1));
    expect(summary!.byClass).toMatchObject({ DUPLICATE: 1, OVERAGE: 1, ACTIVE_NOT_BILLED: 1 });

    // A second start loads nothing.
    expect(await seedDemoFees(em(), { dir })).toBeNull();
  }, 180_000);
});
