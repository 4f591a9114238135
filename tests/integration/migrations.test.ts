import { afterAll, describe, expect, it } from 'vitest';
import { initORM, migrate, pendingMigrations, schemaDrift } from '../../schema/db/orm';
import { HUB_ENTITIES } from '../../workers/entities';
import { testOrm } from '../support/orm';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../support/services';

const DRIFT_DB = scratchDatabaseName('drift');
const CONCURRENT_DB = scratchDatabaseName('concurrent');

describe('migrations', () => {
  afterAll(async () => {
    await dropDatabase(DRIFT_DB);
    await dropDatabase(CONCURRENT_DB);
  });

  it('describe the entities exactly: a database built from them alone has no drift', async () => {
    const orm = await testOrm();
    try {
      expect(await pendingMigrations(orm)).toEqual([]);
      expect(await schemaDrift(orm)).toBe('');
      expect(await migrate(orm)).toEqual([]); // idempotent
    } finally {
      await orm.close();
    }
  });

  it('drift is detected when the database and the entities disagree', async () => {
    const url = await recreateDatabase(DRIFT_DB);
    const orm = await initORM({ url, poolMax: 2, statementTimeoutMs: 10_000, entities: HUB_ENTITIES });
    try {
      await migrate(orm);
      expect(await schemaDrift(orm)).toBe('');
      await orm.em.getConnection().execute('alter table region drop column synthetic');
      expect(await schemaDrift(orm)).toMatch(/alter table "region" add column "synthetic"/);
    } finally {
      await orm.close();
    }
  });

  it('several hubs starting at once migrate exactly once', async () => {
    const url = await recreateDatabase(CONCURRENT_DB);
    const orms = await Promise.all(
      [1, 2, 3].map(() => initORM({ url, poolMax: 2, statementTimeoutMs: 10_000, entities: HUB_ENTITIES })),
    );
    try {
      const applied = await Promise.all(orms.map((orm) => migrate(orm)));
      expect(applied.flat()).toHaveLength(applied.find((a) => a.length)!.length);
      expect(applied.filter((a) => a.length)).toHaveLength(1);
      expect(await schemaDrift(orms[0])).toBe('');
    } finally {
      await Promise.all(orms.map((orm) => orm.close()));
    }
  });
});
