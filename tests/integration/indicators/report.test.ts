import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetReport } from '../../../fleet/budget';
import { configureDeviceCa } from '../../../fleet/ca';
import { seedDemoFleet } from '../../../fleet/demo';
import { seedDemoFees } from '../../../fleet/fees-demo';
import type { RunningHub } from '../../../gateway/hub';
import { DEFAULT_POLICIES } from '../../../schema/access/default-policies';
import { runSql } from '../../../schema/common/rows';
import { initORM, type MikroORM, migrate } from '../../../schema/db/orm';
import { seedDemoCounty } from '../../../schema/demo/seed';
import { INDICATOR_CODES } from '../../../schema/indicators/indicators';
import {
  loadRubric,
  periodRange,
  selfEvaluationReport,
  setIndicatorTarget,
} from '../../../schema/indicators/report';
import { renderHtml, renderMarkdown, renderXlsx } from '../../../schema/indicators/report-render';
import { takeSnapshots } from '../../../schema/indicators/snapshots';
import { demoCountyRegions } from '../../../schema/regions/demo-county';
import { loadRegionTree } from '../../../schema/regions/region.service';
import { createLogger } from '../../../schema/runtime/logger';
import { HUB_ENTITIES } from '../../../workers/entities';
import { gql, startTestHub, testKey } from '../../support/hub';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../../support/services';

/**
 * The self-evaluation report from a small demo county (scale 0.05 with its fleet and a year of fees): the
 * overview counts the region and fleet tables, the funds are the budget report's, every indicator is a row
 * of the table and of the XLSX, and once the year is snapshotted the report reads the snapshots and no
 * longer moves when the live data (here: a target) changes.
 */

const DB = scratchDatabaseName('indreport');
// biome-ignore lint/suspicious/noExplicitAny: the assertions walk arbitrary response JSON
type Data = Record<string, any>;
const SCALE = 0.05;

describe('the self-evaluation report on a small demo county', () => {
  let orm: MikroORM;
  let dir: string;
  const em = () => orm.em.fork() as EntityManager;

  beforeAll(async () => {
    const url = await recreateDatabase(DB);
    orm = await initORM({ url, poolMax: 2, statementTimeoutMs: 120_000, entities: HUB_ENTITIES });
    await migrate(orm);
    configureDeviceCa({
      passphrase: 'indicator report test',
      publicUrl: 'http://127.0.0.1:4000',
      certDays: 365,
    });
    await seedDemoCounty(em(), { scale: SCALE, embedded: false }, createLogger('silent'));
    await seedDemoFleet(em(), { scale: SCALE });
    dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-ind-report-'));
    await seedDemoFees(em(), { dir });
  }, 300_000);
  afterAll(async () => {
    await orm?.close();
    await dropDatabase(DB);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the seeded national rubric', async () => {
    const rubric = await loadRubric(em());
    expect(rubric.sections.map((s) => [s.key, s.points])).toEqual([
      ['budget', 10],
      ['outputs', 50],
      ['benefits', 30],
      ['satisfaction', 10],
    ]);
    await expect(loadRubric(em(), 'nope')).rejects.toThrow(/nope/);
  });

  it('builds the 2023 report live: overview, funds, every indicator, score', async () => {
    const report = await selfEvaluationReport(em(), 2023);
    expect(report.source).toBe('live');
    const [regions] = await runSql<Record<string, string>>(
      em(),
      `select count(*) filter (where level = 'township') as townships, count(*) filter (where level = 'grid') as grids,
         count(*) filter (where kind = 'village') as villages, count(*) filter (where kind = 'community') as communities
       from region`,
    );
    expect(report.overview).toMatchObject({
      regionCode: '620725',
      townships: Number(regions!.townships),
      grids: Number(regions!.grids),
      villages: Number(regions!.villages),
      communities: Number(regions!.communities),
    });
    expect(report.overview.grids).toBe(
      report.overview.urbanGrids + report.overview.ruralGrids + report.overview.specialGrids,
    );
    const [workers] = await runSql<{ n: string }>(
      em(),
      `select count(*) as n from fleet_worker where status = 'active'`,
    );
    expect(report.overview.workers).toBe(Number(workers!.n));
    expect(report.overview.handsetsAssigned).toBeGreaterThan(0);

    expect(report.indicators.map((r) => r.code)).toEqual([...INDICATOR_CODES]);
    const budget = await budgetReport(em(), { year: 2023 });
    expect(report.funds.budget).toBeCloseTo(budget.budgetFen / 100, 2);
    expect(report.funds.spent).toBeCloseTo(budget.actualFen / 100, 2);

    const scored = report.indicators.filter((r) => r.points != null);
    expect(scored).toHaveLength(10);
    expect(report.score.total).toBeCloseTo(
      scored.reduce((a, r) => a + r.points!, 0),
      2,
    );
    expect(report.score.total).toBeGreaterThan(0);
    expect(report.score.total).toBeLessThanOrEqual(100);

    const md = renderMarkdown(report);
    for (const r of report.indicators) expect(md).toContain(`| ${r.name} |`);
    const html = renderHtml(report);
    expect(html.match(/<tr data-code=/g)).toHaveLength(INDICATOR_CODES.length);
  }, 120_000);

  it('writes an XLSX holding every indicator row', async () => {
    const report = await selfEvaluationReport(em(), 2023);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await renderXlsx(report)) as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.name).toBe('绩效指标');
    const rows: Array<{ code: string; value: unknown; points: unknown }> = [];
    ws.eachRow((row) => {
      const code = row.getCell(2).value;
      if (typeof code === 'string' && (INDICATOR_CODES as readonly string[]).includes(code))
        rows.push({ code, value: row.getCell(7).value, points: row.getCell(12).value });
    });
    expect(rows.map((r) => r.code)).toEqual([...INDICATOR_CODES]);
    for (const r of report.indicators) {
      const row = rows.find((x) => x.code === r.code)!;
      expect(row.value ?? null).toBe(r.value);
      expect(row.points ?? null).toBe(r.points);
    }
  }, 120_000);

  it('reads the year’s snapshots once taken, and a later target change does not move it', async () => {
    await takeSnapshots(em(), undefined, { period: '2023', regionCodes: ['620725'] });
    const before = await selfEvaluationReport(em(), 2023);
    expect(before.source).toBe('snapshot');
    expect(before.indicators.map((r) => r.code)).toEqual([...INDICATOR_CODES]);

    await setIndicatorTarget(em(), 'test', 'items_reported', 1_000_000);
    const after = await selfEvaluationReport(em(), 2023);
    expect(after.indicators).toEqual(before.indicators);
    expect(after.score.total).toBe(before.score.total);
    const [t] = await runSql<{ target: string; updated_by: string }>(
      em(),
      `select target, updated_by from indicator_target where code = 'items_reported'`,
    );
    expect(t).toEqual({ target: '1000000.0000', updated_by: 'test' });
    await expect(setIndicatorTarget(em(), 'test', 'items_reported', -1)).rejects.toThrow(
      /items_reported: target/,
    );
  }, 120_000);

  it('scopes the report to a township', async () => {
    const report = await selfEvaluationReport(em(), 2023, { regionCode: '620725102' });
    expect(report.overview).toMatchObject({ regionCode: '620725102', townships: 1 });
    expect(report.title).toContain(report.overview.regionName);
    await expect(selfEvaluationReport(em(), 2023, { regionCode: '999' })).rejects.toThrow(/999/);
  }, 120_000);

  it('reads periods as dates, a year or a quarter', () => {
    expect(periodRange({ year: 2023 })).toEqual({ from: '2023-01-01', to: '2024-01-01', label: '2023' });
    expect(periodRange({ year: 2023, quarter: 4 })).toEqual({
      from: '2023-10-01',
      to: '2024-01-01',
      label: '2023-Q4',
    });
    expect(periodRange({ year: 2023, quarter: 2 })).toMatchObject({ from: '2023-04-01', to: '2023-07-01' });
    expect(periodRange({ from: '2023-03-01', to: '2023-03-08' })).toMatchObject({ from: '2023-03-01' });
    expect(() => periodRange({ year: 2023, quarter: 5 })).toThrow(/period\.quarter/);
    expect(() => periodRange({ from: '2023-03-08', to: '2023-03-01' })).toThrow(/period\.to/);
    expect(() => periodRange({})).toThrow(/period\.year/);
  });
});

describe('the indicators over GraphQL', () => {
  const GDB = scratchDatabaseName('indgql');
  let hub: RunningHub;
  let url: string;
  const keys: Record<string, string> = {};
  const em = () => hub.infrastructure.orm.em.fork() as EntityManager;
  const ask = (who: string, query: string, variables: Record<string, unknown> = {}) =>
    gql<Data>(url, query, variables, { key: keys[who] });

  beforeAll(async () => {
    hub = await startTestHub(
      { DATABASE_URL: await recreateDatabase(GDB) },
      { gateway: true, workers: false },
    );
    url = hub.gateway!.url;
    await loadRegionTree(em(), demoCountyRegions());
    keys.admin = await testKey(hub, ['admin']);
    // The default policies as this change defines them (the seeded rows follow in the migration).
    keys.township = await testKey(hub, ['ind_township'], {
      unitCode: '620725102',
      policy: DEFAULT_POLICIES.township_office as unknown as Record<string, unknown>,
    });
    keys.finance = await testKey(hub, ['ind_finance'], {
      policy: DEFAULT_POLICIES.finance as unknown as Record<string, unknown>,
    });
  }, 120_000);
  afterAll(async () => {
    await hub?.stop();
    await dropDatabase(GDB);
  });

  it('answers the report with its Markdown and HTML, and the indicators of a quarter', async () => {
    const { body } = await ask(
      'admin',
      `{ selfEvaluationReport(year: 2023) { title source overview { townships grids } funds { budget spent }
           indicators { code name met points maxPoints } score { total maxPoints sections { key points } }
           markdown html }
         indicators(period: { year: 2023, quarter: 1 }) { from to regionCode indicators { code value target met } } }`,
    );
    expect(body.errors).toBeUndefined();
    const r = body.data!.selfEvaluationReport;
    expect(r.overview.townships).toBe(8);
    expect(r.indicators.map((i: { code: string }) => i.code)).toEqual([...INDICATOR_CODES]);
    expect(r.score.maxPoints).toBe(100);
    expect(r.markdown).toContain('## 六、自评得分');
    expect(r.html).toContain('<table id="indicators">');
    expect(body.data!.indicators).toMatchObject({
      from: '2023-01-01',
      to: '2023-04-01',
      regionCode: '620725',
    });
  }, 60_000);

  it('answers trends from snapshots and the records behind an indicator', async () => {
    await takeSnapshots(em(), undefined, { period: '2023-01', regionCodes: ['620725'] });
    await takeSnapshots(em(), undefined, { period: '2023-02', regionCodes: ['620725'] });
    const { body } = await ask(
      'admin',
      `{ indicatorTrend(code: "dispute_resolution", from: "2023-01-01", to: "2024-01-01") { period value }
         indicatorRecords(code: "items_reported", period: { year: 2023 }, first: 2) { nodes { id type } hasNextPage } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.indicatorTrend.map((p: { period: string }) => p.period)).toEqual([
      '2023-01',
      '2023-02',
    ]);
    expect(body.data!.indicatorRecords.nodes).toEqual([]);
  }, 60_000);

  it('lets administrators set targets, and no one else', async () => {
    const set = `mutation { setIndicatorTarget(code: "key_matters", target: 2100) { code target updatedBy } }`;
    const ok = await ask('admin', set);
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data!.setIndicatorTarget).toMatchObject({ code: 'key_matters', target: 2100 });
    for (const who of ['township', 'finance']) {
      const denied = await ask(who, set);
      expect(denied.body.errors?.length, who).toBeGreaterThan(0);
    }
  });

  it('keeps a township office to its township, and finance to the report', async () => {
    const own = await ask(
      'township',
      '{ selfEvaluationReport(year: 2023) { overview { regionCode townships } } }',
    );
    expect(own.body.errors).toBeUndefined();
    expect(own.body.data!.selfEvaluationReport.overview).toEqual({ regionCode: '620725102', townships: 1 });
    const other = await ask(
      'township',
      '{ indicators(period: { year: 2023 }, regionCode: "620725103") { regionCode } }',
    );
    expect(other.body.errors?.[0]?.message).toMatch(/620725103 is outside the caller's unit 620725102/);
    const fin = await ask('finance', '{ selfEvaluationReport(year: 2023) { score { total } } }');
    expect(fin.body.errors).toBeUndefined();
    const drill = await ask(
      'finance',
      '{ indicatorRecords(code: "completeness", period: { year: 2023 }) { hasNextPage } }',
    );
    expect(drill.body.errors?.length).toBeGreaterThan(0);
  });
});
