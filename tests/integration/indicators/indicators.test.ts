import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSql } from '../../../schema/common/rows';
import { DATA_SETS, filledMandatory } from '../../../schema/datasets';
import { initORM, type MikroORM, migrate } from '../../../schema/db/orm';
import {
  computeIndicators,
  type IndicatorValue,
  indicatorRecords,
} from '../../../schema/indicators/indicators';
import { demoCountyRegions } from '../../../schema/regions/demo-county';
import { loadRegionTree } from '../../../schema/regions/region.service';
import { HUB_ENTITIES } from '../../../workers/entities';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../../support/services';

/**
 * Every indicator on hand-made rows in a scratch database (the demo region tree, nothing else), so each
 * numerator and denominator is known exactly: region scoping, the period's bounds, targets and `met`.
 */

const DB = scratchDatabaseName('indicators');
const COUNTY = '620725';
const QQ = '620725101'; // 清泉镇
const GQ = '620725101001-G01';
const GL = '620725204201-G01'; // 李桥乡

let orm: MikroORM;
const em = () => orm.em.fork() as EntityManager;
const sql = (text: string, params: unknown[] = []) => runSql(em(), text, params);
const at = (code: string) => `(select path from region where code = '${code}')`;

async function value(code: string, from: string, to: string, regionCode = COUNTY): Promise<IndicatorValue> {
  const all = await computeIndicators(em(), { from, to, regionCode });
  const found = all.find((v) => v.code === code);
  if (!found) throw new Error(`no ${code}`);
  return found;
}

beforeAll(async () => {
  const url = await recreateDatabase(DB);
  orm = await initORM({ url, poolMax: 2, statementTimeoutMs: 30_000, entities: HUB_ENTITIES });
  await migrate(orm);
  await loadRegionTree(orm.em.fork(), demoCountyRegions());

  // completeness: places of kind other (code, name, address mandatory), created in 2023.
  for (const [code, region, address, created] of [
    ['P1', GQ, '北街1号', '2023-01-01'],
    ['P2', GQ, null, '2023-01-01'],
    ['P3', GL, '', '2023-02-01'],
    ['P4', GL, null, '2023-08-01'], // after the period's end: not counted
  ] as const) {
    await sql(
      `insert into place (code, kind, name, address, region_code, region_path, created_at)
       values ($1, 'other', 'x', $2, $3, ${at(region)}, $4)`,
      [code, address, region, `${created}T00:00:00+08:00`],
    );
  }

  // disputes and events (occurred in 2023-03), key matters flagged.
  const events: Array<[string, string, string, string, boolean | null, boolean]> = [
    ['E1', 'dispute', GQ, '2023-03-01T10:00:00+08:00', true, true],
    ['E2', 'dispute', GQ, '2023-03-05T10:00:00+08:00', false, false],
    ['E3', 'dispute', GL, '2023-03-10T10:00:00+08:00', true, false],
    ['E4', 'incident', GL, '2023-03-11T10:00:00+08:00', null, true],
    ['E5', 'case', GQ, '2023-03-12T10:00:00+08:00', null, true], // a police case: not a grid report
    ['E6', 'incident', GQ, '2023-04-01T00:00:00+08:00', null, true], // after the period
    ['E7', 'dispute', GQ, '2023-02-28T23:59:59+08:00', true, false], // before it
  ];
  for (const [code, kind, region, occurred, ok, key] of events) {
    await sql(
      `insert into event (code, kind, title, occurred_at, region_code, region_path, resolved_successfully, attributes)
       values ($1, $2::event_kind, 't', $3, $4, ${at(region)}, $5, $6::jsonb)`,
      [code, kind, occurred, region, ok, JSON.stringify(key ? { keyMatter: true } : {})],
    );
  }

  // handsets: workers W1 (GQ, in service), W2 (GQ, no recent check-in), W3 (GL, no handset), W4 left.
  for (const [code, grid, status] of [
    ['W1', GQ, 'active'],
    ['W2', GQ, 'active'],
    ['W3', GL, 'active'],
    ['W4', GL, 'left'],
  ] as const) {
    await sql(
      `insert into fleet_worker (code, name, grid_code, kind, status, created_at)
       values ($1, 'w', $2, 'full_time', $3::worker_status, '2023-01-01T00:00:00+08:00')`,
      [code, grid, status],
    );
  }
  for (const [device, worker, since, until, checkin] of [
    ['H1', 'W1', '2023-01-01', null, '2023-06-20'],
    ['H2', 'W2', '2023-01-01', null, '2023-05-20'], // last check-in 41 days before 2023-07-01
    ['H3', 'W4', '2023-01-01', '2023-06-01', '2023-05-30'], // returned before the end
  ] as const) {
    await sql(
      `insert into handset (device_id, imei1, model, status)
       values ($1::text, '86000000000000' || right($1::text, 1), 'm', 'assigned')`,
      [device],
    );
    await sql(
      `insert into assignment (handset_id, worker_id, since, until, assigned_by)
       select h.id, w.id, $3::date::timestamptz, $4::date::timestamptz, 't' from handset h, fleet_worker w
        where h.device_id = $1 and w.code = $2`,
      [device, worker, since, until],
    );
    await sql(
      `insert into checkin (handset_id, at, cert_serial) select id, $2::date + time '12:00', 's'
         from handset where device_id = $1`,
      [device, checkin],
    );
  }

  // training: Q1 two sessions (county, township), Q2 none, Q3 one; 2023.
  for (const [code, kind, audience, region, held, people] of [
    ['T1', 'training', 'county_staff', COUNTY, '2023-01-15', 40],
    ['T2', 'drill', 'grid_workers', QQ, '2023-03-31', 25],
    ['T3', 'training', 'township_staff', QQ, '2023-07-01', 10],
    ['T4', 'drill', 'grid_workers', QQ, '2024-01-01', 99], // the next year
  ] as const) {
    await sql(
      `insert into training_session (code, kind, title, audience, region_code, region_path, held_on, participants)
       values ($1, $2, 't', $3, $4, ${at(region)}, $5, $6)`,
      [code, kind, audience, region, held, people],
    );
  }

  // satisfaction: 3 answers in QQ in March (01, 03, 05), one in GL (04), one in April.
  for (const [code, region, rating, recorded] of [
    ['S1', GQ, '01', '2023-03-02'],
    ['S2', GQ, '03', '2023-03-03'],
    ['S3', GQ, '05', '2023-03-04'],
    ['S4', GL, '04', '2023-03-05'],
    ['S5', GL, '01', '2023-04-05'],
  ] as const) {
    await sql(
      `insert into situation (code, kind, title, recorded_at, rating, region_code, region_path)
       values ($1, 'safety_survey', 't', $2::date::timestamptz, $3, $4, ${at(region)})`,
      [code, recorded, rating, region],
    );
  }

  // budget 2023: 10,000.00 yuan; January reconciled lines 1,000.00 + 500.00, February 250.00, 2024 ignored.
  await sql(
    `insert into fee_budget (fiscal_year, scope, amount_fen, created_by) values (2023, 'county', 1000000, 't')`,
  );
  await sql(`insert into carrier_template (carrier, name, columns) values ('cmcc', 't', '{}')`);
  for (const [month, amounts] of [
    ['2023-01-01', [100000, 50000]],
    ['2023-02-01', [25000]],
    ['2024-01-01', [70000]],
  ] as const) {
    const [st] = await sql(
      `insert into carrier_statement (carrier, billing_month, template_id, file_name, sha256, imported_by, totals_fen,
         total_fen, line_count)
       select 'cmcc', $1::date, id, 'f', md5($1::text), 't', '{}', 0, 0 from carrier_template where name = 't' returning id`,
      [month],
    );
    const [run] = await sql(
      `insert into fee_reconciliation_run (statement_id, carrier, billing_month, status, params, requested_by)
       values ($1, 'cmcc', $2::date, 'succeeded', '{}', 't') returning id`,
      [st!.id, month],
    );
    let n = 0;
    for (const fen of amounts) {
      const [line] = await sql(
        `insert into carrier_statement_line (statement_id, line_no, category, amount_fen, raw)
         values ($1, $2, 'plan_fee', $3, '{}') returning id`,
        [st!.id, ++n, fen],
      );
      await sql(
        `insert into fee_reconciliation_finding (run_id, carrier, billing_month, line_id, line_key, amount_fen,
           at_stake_fen, state) values ($1, 'cmcc', $2::date, $3, $4, $5, 0, 'matched')`,
        [run!.id, month, line!.id, `k${line!.id}`, fen],
      );
    }
  }

  // key persons: a connector whose stream feeds released prisoners; A complete, B missing releasedOn,
  // C quarantined (open), D quarantined and discarded (not counted), A again in quarantine (counted once).
  const [c] = await sql(
    `insert into connector (name, title, source_type, config, streams) values ('justice', '司法局', 'csv', '{}',
       $1::jsonb) returning id`,
    [
      JSON.stringify([
        { stream: 'released', mapping: { dataSet: 'released_prisoner', region: { code: 'unit' } } },
        { stream: 'firms', mapping: { dataSet: 'enterprise', region: { code: 'unit' } } },
      ]),
    ],
  );
  const [run] = await sql(
    `insert into sync_run (connector_id, status, trigger) values ($1, 'succeeded', 'manual') returning id`,
    [c!.id],
  );
  const complete = {
    isRecidivist: false,
    originalCharge: '01',
    releasedOn: '2020-01-01',
    riskAssessmentType: '01',
    handoverStatus: '01',
  };
  for (const [id, grid, attrs] of [
    ['62072519800101001A', GQ, complete],
    ['62072519800101002B', GL, { ...complete, releasedOn: '' }],
  ] as const) {
    const [p] = await sql(
      `insert into person (id_number, name, sex, birth_date, ethnicity, registered_region_code, registered_address,
         current_address, region_code, region_path)
       values ($1, 'n', '1', '1980-01-01', '01', '620725', 'a', 'b', $2, ${at(grid)}) returning id`,
      [id, grid],
    );
    const [pr] = await sql(
      `insert into person_record (person_id, kind, attributes, region_code, region_path)
       values ($1, 'released_prisoner', $2::jsonb, $3, ${at(grid)}) returning id`,
      [p!.id, JSON.stringify(attrs), grid],
    );
    await sql(
      `insert into source_link (connector_id, stream, source_key, target_type, target_id, content_hash, last_run_id)
       values ($1, 'released', $2, 'person_record', $3, 'h', $4)`,
      [c!.id, id, pr!.id, run!.id],
    );
  }
  for (const [key, id, status] of [
    ['q1', '62072519800101003C', 'open'],
    ['q2', '62072519800101004D', 'discarded'],
    ['q3', '62072519800101001A', 'open'],
  ] as const) {
    await sql(
      `insert into quarantined_record (connector_id, run_id, stream, source_key, raw, failures, status)
       values ($1, $2, 'released', $3, $4::jsonb, '[]', $5::quarantine_status)`,
      [c!.id, run!.id, key, JSON.stringify({ 公民身份号码: id, unit: GQ }), status],
    );
  }
}, 120_000);

afterAll(async () => {
  await orm?.close();
  await dropDatabase(DB);
});

describe('computeIndicators', () => {
  it('answers every indicator in the contract order', async () => {
    const all = await computeIndicators(em(), { from: '2023-01-01', to: '2024-01-01' });
    expect(all.map((v) => v.code)).toEqual([
      'completeness',
      'key_person_entry',
      'dispute_resolution',
      'handsets_in_service',
      'worker_coverage',
      'training_per_quarter',
      'training_person_times',
      'items_reported',
      'key_matters',
      'disputes_resolved',
      'budget_execution',
      'satisfaction',
    ]);
  });

  it('completeness: filled ÷ mandatory items of the records existing at the end, by data set and region', async () => {
    const v = await value('completeness', '2023-01-01', '2023-07-01');
    expect(v).toMatchObject({ numerator: 7, denominator: 9, target: 0.8, met: false, unit: 'ratio' });
    expect(v.value).toBeCloseTo(7 / 9);
    const byDataSet = (v.detail!.byDataSet as Array<{ dataSet: string; missingByField: object }>).find(
      (d) => d.dataSet === 'other_place',
    );
    expect(byDataSet).toMatchObject({ records: 3, filled: 7, mandatory: 9, missingByField: { address: 2 } });
    const regions = v.detail!.byRegion as Array<{ regionCode: string; filled: number; mandatory: number }>;
    expect(regions.find((r) => r.regionCode === QQ)).toMatchObject({ filled: 5, mandatory: 6 });
    expect(regions.find((r) => r.regionCode === '620725204')).toMatchObject({ filled: 2, mandatory: 3 });
    expect(await value('completeness', '2023-01-01', '2023-07-01', QQ)).toMatchObject({
      numerator: 5,
      denominator: 6,
    });
    // P3 did not exist yet at the end of January.
    expect(await value('completeness', '2023-01-01', '2023-02-01')).toMatchObject({
      numerator: 5,
      denominator: 6,
    });
    const page = await indicatorRecords(
      em(),
      'completeness',
      { from: '2023-01-01', to: '2023-07-01' },
      COUNTY,
      {
        first: 1,
      },
    );
    expect(page.items[0]).toMatchObject({
      code: 'P2',
      detail: { dataSet: 'other_place', missing: ['address'] },
    });
    const next = await indicatorRecords(
      em(),
      'completeness',
      { from: '2023-01-01', to: '2023-07-01' },
      COUNTY,
      {
        first: 5,
        after: page.endCursor,
      },
    );
    expect(next.items.map((i) => i.code)).toEqual(['P3']);
    expect(next.hasNextPage).toBe(false);
  });

  it('completeness counts in SQL what schema/datasets counts in JS (conditions, blanks, empty lists)', async () => {
    const created = '2024-06-01T00:00:00+08:00';
    await sql(
      `insert into place (code, kind, name, address, region_code, region_path, created_at, attributes) values
         ('HA', 'house', 'h', 'a', $1, ${at(GQ)}, $2, $3::jsonb), ('HB', 'house', 'h', 'a', $1, ${at(GQ)}, $2, $4::jsonb)`,
      [
        GQ,
        created,
        JSON.stringify({
          buildingUse: '01',
          ownerName: ' ',
          ownerPhone: '13900000000',
          isRented: true,
          hazardType: '',
        }),
        JSON.stringify({ buildingUse: '01', ownerName: 'o', isRented: false }),
      ],
    );
    for (const attrs of [
      { correctionNumber: 'c1', hasCorrectionTeam: true, correctionTeamMembers: [], isOutOfControl: true },
      {
        correctionNumber: 'c2',
        hasCorrectionTeam: true,
        correctionTeamMembers: ['', null],
        correctionCategory: '01',
      },
      { correctionNumber: '', hasCorrectionTeam: true, correctionTeamMembers: ['01'], hasReoffended: false },
    ]) {
      const [p] = await sql(
        `insert into person (id_number, name, sex, birth_date, region_code, region_path, created_at)
         values ($3, 'n', '2', '1990-01-01', $1, ${at(GL)}, $2) returning id`,
        [GL, created, `6207251990010100${attrs.correctionNumber || 'x'}`],
      );
      await sql(
        `insert into person_record (person_id, kind, attributes, region_code, region_path, created_at)
         values ($1, 'community_correction', $2::jsonb, $3, ${at(GL)}, $4)`,
        [p!.id, JSON.stringify(attrs), GL, created],
      );
    }
    const v = await value('completeness', '2024-01-01', '2025-01-01');
    const byDataSet = v.detail!.byDataSet as Array<{ dataSet: string; filled: number; mandatory: number }>;
    let filled = 0;
    let mandatory = 0;
    for (const spec of DATA_SETS) {
      if (!['place', 'person', 'person_record'].includes(spec.entity)) continue;
      const meta = Object.values(orm.em.getMetadata().getAll()).find((m) => m.tableName === spec.entity)!;
      const foreign = `exists (select 1 from person_record f where f.person_id = r.id and f.kind = 'foreign')`;
      const filter =
        spec.entity === 'person' ? (spec.kind ? foreign : `not ${foreign}`) : `r.kind::text = '${spec.kind}'`;
      const rows = await sql(
        `select * from ${spec.entity} r where r.created_at < '2025-01-01' and ${filter}`,
      );
      let f = 0;
      let m = 0;
      for (const r of rows) {
        const columns: Record<string, unknown> = {};
        for (const prop of Object.values(meta.properties)) {
          const column = prop.fieldNames?.[0];
          if (column) columns[prop.name] = r[column];
        }
        const count = filledMandatory(spec, { columns, attributes: r.attributes as Record<string, unknown> });
        f += count.filled;
        m += count.mandatory;
      }
      expect(
        byDataSet.find((d) => d.dataSet === spec.id),
        spec.id,
      ).toMatchObject({ filled: f, mandatory: m });
      filled += f;
      mandatory += m;
    }
    expect(v).toMatchObject({ numerator: filled, denominator: mandatory });
    const house = byDataSet.find((d) => d.dataSet === 'house') as unknown as { missingByField: object };
    expect(house.missingByField).toMatchObject({ ownerName: 1, rentalUse: 1, hazardType: 1, tenantName: 1 });
  });

  it('key_person_entry: distinct key persons the feeds supplied, merged or still quarantined', async () => {
    expect(await value('key_person_entry', '2026-01-01', '2099-01-01')).toMatchObject({
      numerator: 1,
      denominator: 3,
      met: false,
    });
    expect(await value('key_person_entry', '2026-01-01', '2099-01-01', QQ)).toMatchObject({
      numerator: 1,
      denominator: 2,
    });
    // Before anything was supplied.
    expect(await value('key_person_entry', '2020-01-01', '2021-01-01')).toMatchObject({
      numerator: 0,
      denominator: 0,
      value: null,
      met: null,
    });
    const page = await indicatorRecords(
      em(),
      'key_person_entry',
      { from: '2026-01-01', to: '2099-01-01' },
      COUNTY,
    );
    expect(page.items).toMatchObject([
      { type: 'person_record', reason: 'registered with mandatory items missing', regionCode: GL },
      { type: 'quarantined_record', reason: 'in quarantine, not registered', regionCode: GQ },
    ]);
    const v = await value('key_person_entry', '2026-01-01', '2099-01-01');
    expect(v.detail).toMatchObject({
      byKind: { released_prisoner: { supplied: 3, complete: 1 } },
      byRegion: { '620725101': { supplied: 2, complete: 1 }, '620725204': { supplied: 1, complete: 0 } },
    });
    // Configurable feeds: with only key youth counted, nothing was supplied.
    const youth = await computeIndicators(em(), {
      from: '2026-01-01',
      to: '2099-01-01',
      codes: ['key_person_entry'],
      keyPersonFeeds: { dataSets: ['key_youth'] },
    });
    expect(youth).toMatchObject([{ code: 'key_person_entry', denominator: 0, value: null }]);
    expect(JSON.stringify(page)).not.toContain('62072519800101');
  });

  it('dispute_resolution and disputes_resolved: in the period and the region', async () => {
    const march = ['2023-03-01', '2023-04-01'] as const;
    expect(await value('dispute_resolution', ...march)).toMatchObject({
      numerator: 2,
      denominator: 3,
      met: false,
    });
    expect(await value('disputes_resolved', ...march)).toMatchObject({ value: 2, numerator: 2 });
    expect(await value('dispute_resolution', ...march, QQ)).toMatchObject({ numerator: 1, denominator: 2 });
    const page = await indicatorRecords(em(), 'dispute_resolution', { from: march[0], to: march[1] }, COUNTY);
    expect(page.items.map((i) => i.code)).toEqual(['E2']);
  });

  it('items_reported and key_matters: incidents and disputes of the period; flagged events', async () => {
    const march = ['2023-03-01', '2023-04-01'] as const;
    expect(await value('items_reported', ...march)).toMatchObject({ value: 4, target: 8000, met: false });
    expect(await value('key_matters', ...march)).toMatchObject({ value: 3 });
    expect(await value('items_reported', ...march, QQ)).toMatchObject({ value: 2 });
    expect(await value('items_reported', '2023-02-01', '2023-05-01')).toMatchObject({ value: 6 });
  });

  it('handsets_in_service and worker_coverage: assigned at the end and checked in within 30 days', async () => {
    expect(await value('handsets_in_service', '2023-01-01', '2023-07-01')).toMatchObject({
      value: 1,
      numerator: 1,
      denominator: 2,
    });
    expect(await value('worker_coverage', '2023-01-01', '2023-07-01')).toMatchObject({
      numerator: 1,
      denominator: 3,
    });
    expect(await value('worker_coverage', '2023-01-01', '2023-07-01', '620725204')).toMatchObject({
      numerator: 0,
      denominator: 1,
    });
    // At the end of May H2 (checked in 05-20) and H3 (still assigned) were in service; H1 had not checked in yet.
    expect(await value('handsets_in_service', '2023-01-01', '2023-06-01')).toMatchObject({
      value: 2,
      denominator: 3,
    });
    const may = await indicatorRecords(
      em(),
      'handsets_in_service',
      { from: '2023-01-01', to: '2023-06-01' },
      COUNTY,
    );
    expect(may.items).toMatchObject([{ code: 'H1', reason: 'never checked in' }]);
    // Grid scoping: the handsets of 李桥乡's grid are H3 only, returned before the end of June.
    expect(await value('handsets_in_service', '2023-01-01', '2023-07-01', GL)).toMatchObject({
      value: 0,
      denominator: 0,
    });
    const page = await indicatorRecords(
      em(),
      'handsets_in_service',
      { from: '2023-01-01', to: '2023-07-01' },
      COUNTY,
    );
    expect(page.items).toMatchObject([{ code: 'H2', reason: 'no check-in in the 30 days before the end' }]);
    const uncovered = await indicatorRecords(
      em(),
      'worker_coverage',
      { from: '2023-01-01', to: '2023-07-01' },
      COUNTY,
    );
    expect(uncovered.items.map((i) => i.code)).toEqual(['W2', 'W3']);
  });

  it('training: the fewest sessions in any quarter, and person-times', async () => {
    const year = await value('training_per_quarter', '2023-01-01', '2024-01-01');
    expect(year).toMatchObject({ value: 0, numerator: 3, denominator: 4, target: 1, met: false });
    const quarters = year.detail!.quarters as Array<{ quarter: string; sessions: number }>;
    expect(quarters.map((q) => [q.quarter, q.sessions])).toEqual([
      ['2023-Q1', 2],
      ['2023-Q2', 0],
      ['2023-Q3', 1],
      ['2023-Q4', 0],
    ]);
    expect(await value('training_per_quarter', '2023-01-01', '2023-04-01')).toMatchObject({
      value: 2,
      met: true,
    });
    expect(await value('training_per_quarter', '2023-01-01', '2023-04-01', QQ)).toMatchObject({ value: 1 });
    expect(await value('training_person_times', '2023-01-01', '2024-01-01')).toMatchObject({ value: 75 });
    expect(await value('training_person_times', '2023-01-01', '2024-01-01', QQ)).toMatchObject({ value: 35 });
  });

  it('budget_execution: reconciled lines billed in the period ÷ the county budget of the year, in yuan', async () => {
    const v = await value('budget_execution', '2023-01-01', '2024-01-01');
    expect(v).toMatchObject({ numerator: 1750, denominator: 10000, target: null, met: null });
    expect(v.value).toBeCloseTo(0.175);
    expect(await value('budget_execution', '2023-02-01', '2023-03-01')).toMatchObject({ numerator: 250 });
  });

  it('satisfaction: the top three safety ratings ÷ answers; null without answers', async () => {
    expect(await value('satisfaction', '2023-03-01', '2023-04-01')).toMatchObject({
      numerator: 2,
      denominator: 4,
      value: 0.5,
      met: false,
    });
    expect(await value('satisfaction', '2023-03-01', '2023-04-01', QQ)).toMatchObject({
      numerator: 2,
      denominator: 3,
    });
    expect(await value('satisfaction', '2022-01-01', '2023-01-01')).toMatchObject({ value: null, met: null });
  });

  it('reads targets from indicator_target: a lower target flips met', async () => {
    expect(await value('satisfaction', '2023-03-01', '2023-04-01')).toMatchObject({
      met: false,
      target: 0.9,
    });
    await sql(`update indicator_target set target = 0.5 where code = 'satisfaction'`);
    expect(await value('satisfaction', '2023-03-01', '2023-04-01')).toMatchObject({ met: true, target: 0.5 });
    await sql(`update indicator_target set target = 0.9 where code = 'satisfaction'`);
  });

  it('names the bad period and the unknown region', async () => {
    await expect(computeIndicators(em(), { from: '2023-02-01', to: '2023-01-01' })).rejects.toMatchObject({
      code: 'BAD_PERIOD',
    });
    await expect(
      computeIndicators(em(), { from: '2023-01-01', to: '2023-02-01', regionCode: '999' }),
    ).rejects.toMatchObject({ code: 'REGION_NOT_FOUND' });
  });
});
