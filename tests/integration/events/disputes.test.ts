import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSql } from '../../../schema/common/rows';
import type { MikroORM } from '../../../schema/db/orm';
import { disputeResolutionRate } from '../../../schema/events/disputes';
import { DomainError } from '../../../schema/runtime/errors';
import { testOrm } from '../../support/orm';

/**
 * The dispute resolution rate on hand-made rows in the shared test database (demo regions), in a period no
 * other test writes (2001), so every numerator and denominator is known exactly.
 */

const COUNTY = '620725';
const QINGQUAN = '620725101'; // 清泉镇
const LIQIAO = '620725204'; // 李桥乡
const GRID_Q = '620725101001-G01';
const VILLAGE_Q2 = '620725101002';
const GRID_L = '620725204201-G01';
const TAG = 'dispute-rate-test';

let orm: MikroORM;
const em = () => orm.em.fork() as EntityManager;
const y = (s: string) => new Date(`2001-${s}T00:00:00+08:00`);

/** [region, kind, occurred, resolved_successfully] */
const ROWS: Array<[string, 'dispute' | 'incident', string, boolean | null]> = [
  [GRID_Q, 'dispute', '2001-03-01T10:00:00+08:00', true],
  [GRID_Q, 'dispute', '2001-03-05T10:00:00+08:00', true],
  [GRID_Q, 'dispute', '2001-03-09T10:00:00+08:00', false],
  [VILLAGE_Q2, 'dispute', '2001-03-20T10:00:00+08:00', null], // still open: found, not resolved
  [GRID_L, 'dispute', '2001-03-10T10:00:00+08:00', true],
  [GRID_L, 'dispute', '2001-03-31T23:59:59+08:00', false],
  [GRID_Q, 'incident', '2001-03-02T10:00:00+08:00', true], // not a dispute
  [GRID_Q, 'dispute', '2001-04-01T00:00:00+08:00', true], // the period's end is exclusive
  [GRID_Q, 'dispute', '2001-02-28T23:59:59+08:00', true], // before the period
];

beforeAll(async () => {
  orm = await testOrm();
  let n = 0;
  for (const [region, kind, occurred, ok] of ROWS) {
    await runSql(
      em(),
      `insert into event (code, kind, title, occurred_at, region_code, region_path, resolved_successfully, status)
       select $1, $2::event_kind, $3, $4, code, path, $5, 'archived' from region where code = $6`,
      [`DRT${process.pid}-${++n}`, kind, TAG, occurred, ok, region],
    );
  }
});
afterAll(async () => {
  await runSql(em(), 'delete from event where title = $1', [TAG]);
  await orm?.close();
});

describe('disputeResolutionRate', () => {
  const march = { from: y('03-01'), to: y('04-01') };

  it('divides the successfully resolved by the found, in the period and under the region', async () => {
    expect(await disputeResolutionRate(em(), { ...march, regionCode: COUNTY })).toEqual({
      regionCode: COUNTY,
      from: march.from.toISOString(),
      to: march.to.toISOString(),
      found: 6,
      resolvedSuccessfully: 3,
      rate: 0.5,
    });
    expect(await disputeResolutionRate(em(), { ...march, regionCode: QINGQUAN })).toMatchObject({
      found: 4,
      resolvedSuccessfully: 2,
      rate: 0.5,
    });
    // 1 of 3, rounded to 4 decimals.
    expect(
      await disputeResolutionRate(em(), { from: march.from, to: y('03-10'), regionCode: QINGQUAN }),
    ).toMatchObject({ found: 3, resolvedSuccessfully: 2, rate: 0.6667 });
    expect(await disputeResolutionRate(em(), { ...march, regionCode: GRID_L })).toMatchObject({
      found: 2,
      resolvedSuccessfully: 1,
      rate: 0.5,
    });
  });

  it('has no rate when nothing was found', async () => {
    expect(
      await disputeResolutionRate(em(), { from: y('06-01'), to: y('07-01'), regionCode: LIQIAO }),
    ).toMatchObject({
      found: 0,
      resolvedSuccessfully: 0,
      rate: null,
    });
  });

  it('breaks the figures down one level below the region', async () => {
    const report = await disputeResolutionRate(em(), { ...march, regionCode: QINGQUAN, byRegion: true });
    const rows = report.byRegion!.filter((r) => r.found > 0);
    expect(rows).toEqual([
      {
        regionCode: '620725101001',
        name: expect.any(String),
        found: 3,
        resolvedSuccessfully: 2,
        rate: 0.6667,
      },
      { regionCode: '620725101002', name: expect.any(String), found: 1, resolvedSuccessfully: 0, rate: 0 },
    ]);
    expect(report.byRegion!.every((r) => r.regionCode.startsWith(QINGQUAN))).toBe(true);
    expect(report.byRegion!.filter((r) => r.found === 0).every((r) => r.rate === null)).toBe(true);
    const county = await disputeResolutionRate(em(), { ...march, byRegion: true });
    expect(county.regionCode).toBe(COUNTY);
    expect(
      county.byRegion!.filter((r) => r.found > 0).map((r) => [r.regionCode, r.found, r.resolvedSuccessfully]),
    ).toEqual([
      [QINGQUAN, 4, 2],
      [LIQIAO, 2, 1],
    ]);
  });

  it('refuses an empty period and an unknown region, naming them', async () => {
    await expect(disputeResolutionRate(em(), { from: march.to, to: march.from })).rejects.toMatchObject({
      code: 'BAD_PERIOD',
    });
    const unknown = await disputeResolutionRate(em(), { ...march, regionCode: '999999' }).catch((e) => e);
    expect(unknown).toBeInstanceOf(DomainError);
    expect(unknown.message).toContain('999999');
  });
});
