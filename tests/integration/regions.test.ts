import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initORM, type MikroORM, migrate } from '../../schema/db/orm';
import { demoCountyRegions } from '../../schema/regions/demo-county';
import { Region, RegionKind, RegionLevel } from '../../schema/regions/region.entity';
import {
  countInSubtree,
  getRegion,
  listRegions,
  loadRegionTree,
  verifyRegionTree,
} from '../../schema/regions/region.service';
import { testOrm } from '../support/orm';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../support/services';

describe('region queries on the demo county', () => {
  let orm: MikroORM;
  let em: () => EntityManager;
  beforeAll(async () => {
    orm = await testOrm();
    em = () => orm.em.fork() as EntityManager;
  });
  afterAll(() => orm.close());

  it('answers "this unit and everything below" with the path prefix', async () => {
    const qingquan = await getRegion(em(), '620725101');
    // 清泉镇: 12 communities with 100 urban grids, 15 villages with one grid each, 7 special grids.
    const grids = await listRegions(em(), { parentCode: '620725101', level: RegionLevel.GRID });
    expect(grids).toHaveLength(122);
    expect(grids.every((g) => g.path.startsWith(qingquan.path))).toBe(true);
    expect(await countInSubtree(em(), qingquan, RegionLevel.VILLAGE)).toBe(27);
    expect(await countInSubtree(em(), await getRegion(em(), '620725'), RegionLevel.GRID)).toBe(220);
    expect(await countInSubtree(em(), await getRegion(em(), '620725204'), RegionLevel.GRID)).toBe(10);
  });

  it('lists children, levels, and nothing above the parent', async () => {
    expect((await listRegions(em(), {})).map((r) => r.code)).toEqual(['620725']);
    expect(await listRegions(em(), { level: RegionLevel.TOWNSHIP })).toHaveLength(8);
    const children = await listRegions(em(), { parentCode: '620725102' });
    expect(children).toHaveLength(17);
    expect(children[0]).toMatchObject({ code: '620725102201', name: '位奇村', level: RegionLevel.VILLAGE });
    expect(await listRegions(em(), { parentCode: '620725102', level: RegionLevel.COUNTY })).toEqual([]);
    expect(await listRegions(em(), { parentCode: '620725102', level: RegionLevel.TOWNSHIP })).toEqual([]);
  });

  it('refuses an unknown code with a stable error code', async () => {
    await expect(getRegion(em(), '620725999')).rejects.toMatchObject({ code: 'REGION_NOT_FOUND' });
    await expect(listRegions(em(), { parentCode: 'nope' })).rejects.toMatchObject({
      code: 'REGION_NOT_FOUND',
    });
  });

  it('uses the prefix index for the subtree predicate', async () => {
    const plan = await orm.em.fork().transactional(async (tx) => {
      await tx.execute('set local enable_seqscan = off');
      return tx.execute<Array<{ 'QUERY PLAN': string }>>(
        "explain select code from region where path like '/620725/620725101/%'",
      );
    });
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/region_path_(prefix_idx|unique)/);
  });

  it('the demo tree is consistent', async () => {
    expect(await verifyRegionTree(em())).toEqual([]);
  });
});

describe('loading a region tree', () => {
  const DB = scratchDatabaseName('regions');
  let orm: MikroORM;
  beforeAll(async () => {
    orm = await initORM({ url: await recreateDatabase(DB), poolMax: 2, statementTimeoutMs: 10_000 });
    await migrate(orm);
  });
  afterAll(async () => {
    await orm.close();
    await dropDatabase(DB);
  });

  it('inserts once, then leaves identical units untouched and updates changed ones', async () => {
    const seeds = demoCountyRegions();
    expect(await loadRegionTree(orm.em.fork(), seeds)).toEqual({ inserted: 352, updated: 0, unchanged: 0 });
    const before = await orm.em.fork().findOneOrFail(Region, { code: '620725101001' });
    expect(await loadRegionTree(orm.em.fork(), seeds)).toEqual({ inserted: 0, updated: 0, unchanged: 352 });

    const renamed = seeds.map((s) => (s.code === '620725101001' ? { ...s, name: '长城街社区' } : s));
    expect(await loadRegionTree(orm.em.fork(), renamed)).toEqual({ inserted: 0, updated: 1, unchanged: 351 });
    const after = await orm.em.fork().findOneOrFail(Region, { code: '620725101001' });
    expect(after.name).toBe('长城街社区');
    expect(after.createdAt).toEqual(before.createdAt);
    expect(after.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
  });

  it('attaches a partial load under units already in the database', async () => {
    const result = await loadRegionTree(orm.em.fork(), [
      {
        code: '620725101001-G99',
        name: '测试网格',
        level: RegionLevel.GRID,
        kind: RegionKind.URBAN_GRID,
        parentCode: '620725101001',
        synthetic: true,
      },
    ]);
    expect(result.inserted).toBe(1);
    const grid = await orm.em.fork().findOneOrFail(Region, { code: '620725101001-G99' });
    expect(grid.path).toBe('/620725/620725101/620725101001/620725101001-G99/');
  });

  it('refuses a unit whose parent is unknown or whose level does not fit its depth', async () => {
    await expect(
      loadRegionTree(orm.em.fork(), [
        {
          code: '620725999001',
          name: 'x',
          level: RegionLevel.VILLAGE,
          kind: RegionKind.VILLAGE,
          parentCode: '620725999',
          synthetic: true,
        },
      ]),
    ).rejects.toMatchObject({ code: 'REGION_PARENT_NOT_FOUND' });
    await expect(
      loadRegionTree(orm.em.fork(), [
        {
          code: '620725101777',
          name: 'x',
          level: RegionLevel.GRID,
          kind: RegionKind.VILLAGE,
          parentCode: '620725101',
          synthetic: true,
        },
      ]),
    ).rejects.toThrow('level grid does not match its depth 2');
  });

  it('the consistency check names units whose path does not extend their parent', async () => {
    await orm.em
      .getConnection()
      .execute("update region set path = '/620725/620725102/620725101002/' where code = '620725101002'");
    const problems = await verifyRegionTree(orm.em.fork());
    expect(problems).toContainEqual({
      code: '620725101002',
      problem: expect.stringContaining("does not extend its parent's path"),
    });
  });
});
