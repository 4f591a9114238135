import path from 'node:path';
import type { EntityClass } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type Options } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import type { Logger } from '../runtime/logger';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export type { MikroORM };

export interface DatabaseOptions {
  url: string;
  poolMax: number;
  statementTimeoutMs: number;
  logger?: Logger;
  /**
   * The entities to map: the schema's own by default. The hub passes everything (schema, connectors, fleet)
   * from its composition root, since schema/ may not import the folders that depend on it.
   */
  entities?: readonly EntityClass<object>[];
}

/** Arbitrary constant shared by every hub process: only one of them migrates at a time. */
const MIGRATION_LOCK_KEY = 7_262_072_5;

export function ormOptions({
  url,
  poolMax,
  statementTimeoutMs,
  logger,
  entities = ENTITIES,
}: DatabaseOptions): Options {
  return defineConfig({
    clientUrl: url,
    // Connect on first use: start-up retries and names an unreachable server itself (see connectDatabase).
    connect: false,
    ensureDatabase: false,
    entities: [...entities],
    extensions: [Migrator],
    pool: { min: 0, max: poolMax },
    // A runaway query ends on the server instead of holding a connection forever.
    driverOptions: {
      connection: { statement_timeout: statementTimeoutMs },
      // knex's own warnings ("Connection Error: …" while the server is away) go to our log, not the console.
      log: {
        warn: (message: string) => logger?.warn({ component: 'knex' }, message),
        error: (message: string) => logger?.error({ component: 'knex' }, message),
        deprecate: (message: string) => logger?.debug({ component: 'knex' }, message),
        debug: (message: string) => logger?.debug({ component: 'knex' }, message),
      },
    },
    forceUtcTimezone: true,
    allowGlobalContext: false,
    debug: false,
    logger: (message) => logger?.debug({ component: 'orm' }, message),
    discovery: { warnWhenNoEntities: true },
    migrations: {
      tableName: 'mikro_orm_migrations',
      migrationsList: MIGRATIONS,
      path: path.join(__dirname, 'migrations'),
      // From the build, new migrations are still written beside the sources, not into dist/.
      pathTs: path.join(__dirname.replace(`${path.sep}dist${path.sep}`, path.sep), 'migrations'),
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
      fileName: (timestamp, name) => `Migration${timestamp}${name ? `_${name}` : ''}`,
    },
  });
}

export function initORM(options: DatabaseOptions): Promise<MikroORM> {
  return MikroORM.init(ormOptions(options));
}

/**
 * Applies pending migrations. Several gateways starting at once against one server migrate exactly once:
 * a session-level advisory lock, held on a connection of its own, serialises them. PGlite has a single
 * session and a pid lock on its files, so it needs (and allows) no such connection.
 */
export async function migrate(orm: MikroORM, { lock = true }: { lock?: boolean } = {}): Promise<string[]> {
  if (!lock) return (await orm.migrator.up()).map((m) => m.name);
  const client = new Client({ connectionString: orm.config.get('clientUrl') });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return (await orm.migrator.up()).map((m) => m.name);
  } finally {
    await client.end();
  }
}

export async function pendingMigrations(orm: MikroORM): Promise<string[]> {
  return (await orm.migrator.getPendingMigrations()).map((m) => m.name);
}

/**
 * SQL that would bring the database in line with the entities. Empty when the committed migrations
 * describe the entities exactly; anything else is drift.
 */
export async function schemaDrift(orm: MikroORM): Promise<string> {
  return (await orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: true })).trim();
}
