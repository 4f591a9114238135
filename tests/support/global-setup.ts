import 'reflect-metadata';
import { Client } from 'pg';
import { initORM, migrate } from '../../schema/db/orm';
import { demoCountyRegions } from '../../schema/regions/demo-county';
import { loadRegionTree } from '../../schema/regions/region.service';
import { ADMIN_DATABASE_URL, dropDatabase, recreateDatabase, testDatabaseName } from './services';

/** Drops databases left by runs that crashed before their teardown (their process is gone). */
async function dropAbandonedRunDatabases() {
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      "select datname from pg_database where datname ~ '^gridhub_test_[0-9]+(_[a-z0-9_]+)?$'",
    );
    for (const { datname } of rows) {
      const pid = Number(datname.split('_')[2]);
      let alive = true;
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
      if (!alive) await admin.query(`drop database if exists ${datname} with (force)`);
    }
  } finally {
    await admin.end();
  }
}

/** Once per run: a fresh test database, migrated from the committed migrations, with the demo regions. */
export default async function setup() {
  await dropAbandonedRunDatabases();
  const url = await recreateDatabase(testDatabaseName());
  const orm = await initORM({ url, poolMax: 2, statementTimeoutMs: 30_000 });
  try {
    await migrate(orm);
    await loadRegionTree(orm.em.fork(), demoCountyRegions());
  } finally {
    await orm.close();
  }
  return async () => {
    await dropDatabase(testDatabaseName());
  };
}
