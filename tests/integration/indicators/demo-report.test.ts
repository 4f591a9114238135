import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureDeviceCa } from '../../../fleet/ca';
import { seedDemoFleet } from '../../../fleet/demo';
import { seedDemoFees } from '../../../fleet/fees-demo';
import { runSql } from '../../../schema/common/rows';
import { initORM, type MikroORM, migrate } from '../../../schema/db/orm';
import { seedDemoCounty } from '../../../schema/demo/seed';
import { snapshotDemoYear } from '../../../schema/indicators/demo-year';
import { selfEvaluationReport } from '../../../schema/indicators/report';
import { createLogger } from '../../../schema/runtime/logger';
import { HUB_ENTITIES } from '../../../workers/entities';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../../support/services';

/**
 * The demo county at full scale reproduces the seed's 2023 (domain.md §1) in its self-evaluation report:
 * 8,276 items reported by grids, 2,340 key matters, 580 disputes resolved, at least 1,000 of 1,490 handsets in
 * service, 29 drills and 1,280 person-times of training, 1,080,000 yuan budgeted and 763,800 spent, the base
 * data complete above target — from the year's snapshot, taken as the demo loads. (The key-person entry rate
 * counts what departments' connectors supplied, so it is checked where the demo loads through them:
 * tests/integration/demo/front-door.test.ts.)
 */

const DB = scratchDatabaseName('demoreport');

describe('the demo county’s 2023 self-evaluation report', () => {
  let orm: MikroORM;
  const em = () => orm.em.fork() as EntityManager;

  beforeAll(async () => {
    const url = await recreateDatabase(DB);
    orm = await initORM({ url, poolMax: 4, statementTimeoutMs: 300_000, entities: HUB_ENTITIES });
    await migrate(orm);
    configureDeviceCa({
      passphrase: 'demo report test passphrase',
      publicUrl: 'http://127.0.0.1:4000',
      certDays: 365,
    });
    await seedDemoCounty(em(), { scale: 1, embedded: false }, createLogger('silent'));
    await seedDemoFleet(em(), { scale: 1 });
    await seedDemoFees(em());
    await snapshotDemoYear(em());
  }, 600_000);
  afterAll(async () => {
    await orm?.close();
    await dropDatabase(DB);
  });

  it('shows the seed’s figures in its indicator table', async () => {
    const report = await selfEvaluationReport(em(), 2023);
    expect(report.source).toBe('snapshot');
    const row = (code: string) => {
      const r = report.indicators.find((i) => i.code === code);
      if (!r) throw new Error(`no ${code} row in the report`);
      return r;
    };
    expect(row('items_reported')).toMatchObject({ value: 8_276, met: true });
    expect(row('key_matters')).toMatchObject({ value: 2_340, met: true });
    expect(row('disputes_resolved').value).toBe(580);
    expect(row('dispute_resolution')).toMatchObject({ numerator: 580, denominator: 600, met: true });
    expect(row('handsets_in_service').value).toBeGreaterThanOrEqual(1_000);
    expect(row('handsets_in_service').met).toBe(true);
    expect(report.overview.workers).toBe(1_490);
    expect(row('training_person_times')).toMatchObject({ value: 1_280, met: true });
    expect(row('training_per_quarter').met).toBe(true);
    const [drills] = await runSql<{ n: string }>(
      em(),
      `select count(*) as n from training_session where kind = 'drill' and held_on between '2023-01-01' and '2023-12-31'`,
    );
    expect(Number(drills!.n)).toBe(29);
    expect(row('budget_execution')).toMatchObject({ numerator: 763_800, denominator: 1_080_000 });
    expect(report.funds).toMatchObject({ budget: 1_080_000, spent: 763_800 });
    expect(report.funds.executionRate).toBeCloseTo(0.7072, 4);
    expect(row('completeness').value).toBeGreaterThanOrEqual(0.8);
    expect(row('completeness').met).toBe(true);
    expect(report.score.total).toBeGreaterThan(0);
    expect(report.score.total).toBeLessThanOrEqual(100);
  }, 120_000);
});
