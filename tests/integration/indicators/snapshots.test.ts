import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSql } from '../../../schema/common/rows';
import { initORM, type MikroORM, migrate } from '../../../schema/db/orm';
import { seedDemoCounty } from '../../../schema/demo/seed';
import { computeIndicators, type IndicatorValue } from '../../../schema/indicators/indicators';
import {
  type ComputeIndicators,
  nightlyPeriods,
  periodBounds,
  snapshotFor,
  snapshotRegionCodes,
  snapshotTrend,
  takeNightlySnapshots,
  takeSnapshots,
} from '../../../schema/indicators/snapshots';
import { listTrainingSessions, upsertTrainingSessions } from '../../../schema/indicators/training.service';
import { createLogger } from '../../../schema/runtime/logger';
import { HUB_ENTITIES } from '../../../workers/entities';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../../support/services';

/**
 * Indicator snapshots on a small demo county: what is stored is what was computed, a second snapshot of the
 * same period replaces the first, trends read the stored periods in order, and a period's stored values stay
 * as they were when the live data changes afterwards.
 */

const DB = scratchDatabaseName('snapshots');
const COUNTY = '620725';
const TOWNSHIP = '620725102';

/** A stand-in computation whose numbers say which call made them. */
function fakeCompute(calls: Array<{ from: string; to: string; regionCode?: string | null }>, bump = 0) {
  const compute: ComputeIndicators = async (_em, input) => {
    calls.push(input);
    const n = input.regionCode === COUNTY ? 100 : 10;
    const value: IndicatorValue[] = [
      {
        code: 'items_reported',
        name: '网格上报事项数',
        unit: 'count',
        value: n + bump,
        numerator: n + bump,
        denominator: null,
        target: 8000,
        comparator: '>=',
        met: false,
        detail: { byKind: { incident: n } },
      },
      {
        code: 'dispute_resolution',
        name: '矛盾纠纷排查化解率',
        unit: 'ratio',
        value: 0.966667,
        numerator: 29,
        denominator: 30,
        target: 0.95,
        comparator: '>=',
        met: true,
      },
    ];
    return value;
  };
  return compute;
}

describe('indicator snapshots', () => {
  let orm: MikroORM;
  const em = () => orm.em.fork() as EntityManager;

  beforeAll(async () => {
    const url = await recreateDatabase(DB);
    orm = await initORM({ url, poolMax: 2, statementTimeoutMs: 60_000, entities: HUB_ENTITIES });
    await migrate(orm);
    await seedDemoCounty(em(), { scale: 0.02, embedded: false }, createLogger('silent'));
  }, 180_000);
  afterAll(async () => {
    await orm?.close();
    await dropDatabase(DB);
  });

  it('knows the periods: years, quarters, months and days, and refuses anything else', () => {
    expect(periodBounds('2023')).toMatchObject({ from: '2023-01-01', to: '2024-01-01', granularity: 'year' });
    expect(periodBounds('2023-Q4')).toMatchObject({ from: '2023-10-01', to: '2024-01-01' });
    expect(periodBounds('2023-Q1')).toMatchObject({ from: '2023-01-01', to: '2023-04-01' });
    expect(periodBounds('2023-02')).toMatchObject({
      from: '2023-02-01',
      to: '2023-03-01',
      granularity: 'month',
    });
    expect(periodBounds('2023-12-31')).toMatchObject({
      from: '2023-12-31',
      to: '2024-01-01',
      granularity: 'day',
    });
    for (const bad of ['2023-13', '2023-Q5', '2023-02-30', '23', 'last year'])
      expect(() => periodBounds(bad), bad).toThrow(/not a year/);
    // 01:45 China time on 1 December (17:45 UTC the day before): November is snapshotted one last time.
    expect(nightlyPeriods(new Date('2023-11-30T17:45:00Z'))).toEqual([
      '2023-11-30',
      '2023-11',
      '2023-Q4',
      '2023',
    ]);
    expect(nightlyPeriods(new Date('2024-01-01T01:45:00Z'))).toEqual([
      '2023-12-31',
      '2023-12',
      '2023-Q4',
      '2023',
    ]);
  });

  it('stores each indicator per region as computed, and replaces it on a second snapshot', async () => {
    const calls: Array<{ from: string; to: string; regionCode?: string | null }> = [];
    const first = await takeSnapshots(em(), fakeCompute(calls), {
      period: '2023-Q1',
      regionCodes: [COUNTY, TOWNSHIP],
    });
    expect(first).toMatchObject({
      period: '2023-Q1',
      from: '2023-01-01',
      to: '2023-04-01',
      regions: 2,
      stored: 4,
    });
    expect(calls).toEqual([
      { from: '2023-01-01', to: '2023-04-01', regionCode: COUNTY },
      { from: '2023-01-01', to: '2023-04-01', regionCode: TOWNSHIP },
    ]);
    const stored = await snapshotFor(em(), '2023-Q1', COUNTY);
    expect(stored.map((s) => s.code)).toEqual(['dispute_resolution', 'items_reported']);
    expect(stored[1]).toMatchObject({
      code: 'items_reported',
      name: '网格上报事项数',
      unit: 'count',
      value: 100,
      numerator: 100,
      denominator: null,
      target: 8000,
      comparator: '>=',
      met: false,
      detail: { byKind: { incident: 100 } },
      period: '2023-Q1',
      periodStart: '2023-01-01',
      periodEnd: '2023-04-01',
      regionCode: COUNTY,
    });
    expect(stored[0]).toMatchObject({ value: 0.966667, numerator: 29, denominator: 30, met: true });
    expect((await snapshotFor(em(), '2023-Q1', TOWNSHIP))[1]?.value).toBe(10);

    // Again, with other figures: one row per period, region and indicator, holding the latest.
    await takeSnapshots(em(), fakeCompute([], 5), { period: '2023-Q1', regionCodes: [COUNTY] });
    const [{ n }] = await runSql<{ n: string }>(
      em(),
      "select count(*) as n from indicator_snapshot where period = '2023-Q1'",
    );
    expect(Number(n)).toBe(4);
    expect((await snapshotFor(em(), '2023-Q1', COUNTY))[1]?.value).toBe(105);
    expect(await snapshotFor(em(), '2022', COUNTY)).toEqual([]);
  });

  it('computes a running period up to the day given, and keeps the period’s own bounds', async () => {
    const calls: Array<{ from: string; to: string; regionCode?: string | null }> = [];
    const r = await takeSnapshots(em(), fakeCompute(calls), {
      period: '2023-05',
      regionCodes: [COUNTY],
      until: '2023-05-11',
    });
    expect(r).toMatchObject({ from: '2023-05-01', to: '2023-05-11' });
    expect(calls[0]).toMatchObject({ from: '2023-05-01', to: '2023-05-11' });
    expect((await snapshotFor(em(), '2023-05', COUNTY))[0]).toMatchObject({
      periodStart: '2023-05-01',
      periodEnd: '2023-06-01',
    });
    await expect(
      takeSnapshots(em(), fakeCompute([]), { period: '2023-06', regionCodes: [COUNTY], until: '2023-05-11' }),
    ).rejects.toThrow(/has not started/);
  });

  it('reads an indicator’s trend from the stored periods, oldest first, one granularity at a time', async () => {
    for (const [i, period] of ['2023-03', '2023-01', '2023-02'].entries()) {
      await takeSnapshots(em(), fakeCompute([], i), { period, regionCodes: [COUNTY] });
    }
    const trend = await snapshotTrend(em(), 'items_reported', COUNTY, '2023-01-01', '2023-04-01');
    expect(trend.map((t) => [t.period, t.value])).toEqual([
      ['2023-01', 101],
      ['2023-02', 102],
      ['2023-03', 100],
    ]);
    const quarters = await snapshotTrend(
      em(),
      'items_reported',
      COUNTY,
      '2023-01-01',
      '2024-01-01',
      'quarter',
    );
    expect(quarters.map((t) => t.period)).toEqual(['2023-Q1']);
    expect(await snapshotTrend(em(), 'items_reported', TOWNSHIP, '2023-01-01', '2023-04-01')).toEqual([]);
  });

  it('keeps a past year’s stored values when today’s data changes', async () => {
    await takeSnapshots(em(), computeIndicators, { period: '2023', regionCodes: [COUNTY] });
    const before = await snapshotFor(em(), '2023', COUNTY);
    const items = (rows: IndicatorValue[]) => rows.find((v) => v.code === 'items_reported')?.value;
    const live = await computeIndicators(em(), { from: '2023-01-01', to: '2024-01-01', regionCode: COUNTY });
    expect(before.map((v) => v.code)).toEqual(live.map((v) => v.code));
    expect(items(before)).toBe(items(live));
    expect(items(before)).toBeGreaterThan(0);

    // A late report of a 2023 incident: the live figure moves, the snapshot does not.
    await em()
      .getConnection()
      .execute(
        `insert into event (region_code, region_path, provenance, code, kind, title, occurred_at, status, attributes)
         select region_code, region_path, provenance, code || '-LATE', kind, title, occurred_at, status, attributes
           from event where kind = 'incident' order by code limit 1`,
      );
    const after = await computeIndicators(em(), { from: '2023-01-01', to: '2024-01-01', regionCode: COUNTY });
    expect(items(after)).toBe((items(before) ?? 0) + 1);
    expect(items(await snapshotFor(em(), '2023', COUNTY))).toBe(items(before));
  });

  it('snapshots the county and every township nightly', async () => {
    const regions = await snapshotRegionCodes(em());
    expect(regions[0]).toBe(COUNTY);
    expect(regions).toContain(TOWNSHIP);
    expect(regions.every((c) => c === COUNTY || /^620725\d{3}$/.test(c))).toBe(true);
    const calls: Array<{ from: string; to: string; regionCode?: string | null }> = [];
    const result = await takeNightlySnapshots(em(), fakeCompute(calls), new Date('2023-11-26T17:45:00Z'));
    expect(result.periods.map((p) => p.period)).toEqual(['2023-11-26', '2023-11', '2023-Q4', '2023']);
    expect(result.periods.map((p) => p.to)).toEqual(['2023-11-27', '2023-11-27', '2023-11-27', '2023-11-27']);
    expect(result.regions).toBe(regions.length);
    expect(result.stored).toBe(4 * regions.length * 2);
    expect(calls).toHaveLength(4 * regions.length);
  });
});

describe('training sessions', () => {
  let orm: MikroORM;
  const em = () => orm.em.fork() as EntityManager;
  const DB2 = scratchDatabaseName('training');

  beforeAll(async () => {
    const url = await recreateDatabase(DB2);
    orm = await initORM({ url, poolMax: 2, statementTimeoutMs: 60_000, entities: HUB_ENTITIES });
    await migrate(orm);
    await seedDemoCounty(em(), { scale: 0.02, embedded: false }, createLogger('silent'));
  }, 180_000);
  afterAll(async () => {
    await orm?.close();
    await dropDatabase(DB2);
  });

  it('loads the demo county’s year of training with the county', async () => {
    const all = await listTrainingSessions(em(), { from: '2023-01-01', to: '2024-01-01' });
    expect(all.filter((s) => s.kind === 'training')).toHaveLength(12);
    expect(all.filter((s) => s.kind === 'drill').length).toBeGreaterThanOrEqual(1);
    expect(all.reduce((n, s) => n + s.participants, 0)).toBe(Math.round(1280 * 0.02));
  });

  it('upserts by code and lists by period and region', async () => {
    const session = {
      code: 'TEST-PX-1',
      kind: 'drill',
      title: '位奇镇消防安全应急疏散演练',
      audience: 'grid_workers',
      regionCode: TOWNSHIP,
      heldOn: '2023-06-15',
      participants: 40,
      organizer: '位奇镇综治中心',
    };
    expect(await upsertTrainingSessions(em(), [session])).toEqual({ inserted: 1, updated: 0 });
    expect(await upsertTrainingSessions(em(), [{ ...session, participants: 42 }])).toEqual({
      inserted: 0,
      updated: 1,
    });
    const june = await listTrainingSessions(em(), {
      from: '2023-06-01',
      to: '2023-07-01',
      regionCode: TOWNSHIP,
    });
    const mine = june.find((s) => s.code === 'TEST-PX-1');
    expect(mine).toMatchObject({
      participants: 42,
      regionPath: `/${COUNTY}/${TOWNSHIP}/`,
      heldOn: '2023-06-15',
    });
    expect(june.every((s) => s.regionPath.startsWith(`/${COUNTY}/${TOWNSHIP}/`))).toBe(true);
    expect(june.every((s) => s.heldOn >= '2023-06-01' && s.heldOn < '2023-07-01')).toBe(true);
    const other = await listTrainingSessions(em(), { regionCode: '620725103' });
    expect(other.some((s) => s.code === 'TEST-PX-1')).toBe(false);
  });

  it('refuses invalid sessions, naming the record, the field and the rule, and writes none of the batch', async () => {
    const good = {
      code: 'TEST-PX-2',
      kind: 'training',
      title: '网格员履职能力培训',
      audience: 'grid_workers',
      regionCode: COUNTY,
      heldOn: '2023-03-01',
      participants: 80,
      organizer: '山丹县综治中心',
    };
    await expect(
      upsertTrainingSessions(em(), [good, { ...good, code: 'TEST-PX-3', kind: 'party' }]),
    ).rejects.toMatchObject({
      code: 'TRAINING_SESSION_INVALID',
      details: { record: 'TEST-PX-3', field: 'kind' },
    });
    await expect(
      upsertTrainingSessions(em(), [{ ...good, code: 'TEST-PX-4', participants: -1 }]),
    ).rejects.toMatchObject({
      details: { record: 'TEST-PX-4', field: 'participants', rule: 'OUT_OF_RANGE' },
    });
    await expect(
      upsertTrainingSessions(em(), [{ ...good, code: 'TEST-PX-5', regionCode: '620725999' }]),
    ).rejects.toMatchObject({
      details: { record: 'TEST-PX-5', field: 'regionCode', rule: 'REGION_UNKNOWN' },
    });
    await expect(upsertTrainingSessions(em(), [{ ...good, title: '' }])).rejects.toMatchObject({
      details: { record: 'TEST-PX-2', field: 'title' },
    });
    expect((await listTrainingSessions(em(), {})).some((s) => s.code.startsWith('TEST-PX-2'))).toBe(false);
  });
});
