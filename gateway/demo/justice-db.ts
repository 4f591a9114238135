import { readFile, rename, writeFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import type { SqlColumn } from './departments';

/**
 * 司法's community-corrections database. With an external PostgreSQL, a sibling database of the hub's
 * (`<hub database>_dept_justice`) on the same server, created when missing and kept across restarts like a
 * department's own database. With the embedded PGlite, a second, in-memory PGlite behind its own socket
 * server: the hub's PGlite is one session served to a pool of one, so a connector could never open a
 * second connection to it.
 */

export interface JusticeTable {
  table: string;
  columns: SqlColumn[];
  rows: ReadonlyArray<Record<string, unknown>>;
}

export interface JusticeDatabase {
  /** postgres://… the connector reads with (credentials included: the connector stores it encrypted). */
  url: string;
  /** The database's name on the server ('postgres' for the in-memory PGlite). */
  database: string;
  embedded: boolean;
  /** Whether this start wrote the rows (not when the external database held them, or the dump had them). */
  filled: boolean;
  stop(): Promise<void>;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

function ddl(t: JusticeTable): string {
  return `create table if not exists ${quote(t.table)} (${t.columns.map((c) => `${quote(c.name)} ${c.type}`).join(', ')})`;
}

function insertSql(t: JusticeTable): string {
  return `insert into ${quote(t.table)} select * from jsonb_populate_recordset(null::${quote(t.table)}, $1::jsonb)`;
}

/** The sibling database's name: the hub's, with `_dept_justice`. */
export function justiceDatabaseName(hubDatabaseUrl: string): string {
  const hub = decodeURIComponent(new URL(hubDatabaseUrl).pathname.slice(1)) || 'postgres';
  return `${hub}_dept_justice`;
}

export interface JusticeDatabaseOptions {
  hubDatabaseUrl: string;
  embedded: boolean;
  /**
   * Embedded only: a dump of the filled in-memory database, reused while `valid` (the same county). A fresh
   * PGlite runs initdb (≈ 5 s); one loaded from its dump starts in ≈ 1 s.
   */
  cache?: { file: string; valid: boolean };
}

export async function openJusticeDatabase(
  table: JusticeTable,
  options: JusticeDatabaseOptions,
): Promise<JusticeDatabase> {
  return options.embedded ? inMemory(table, options.cache) : sibling(table, options.hubDatabaseUrl);
}

/** The in-memory database loaded from its cached dump, or undefined (no usable cache). */
async function fromCache(cache: JusticeDatabaseOptions['cache']): Promise<PGlite | undefined> {
  if (!cache?.valid) return undefined;
  const dump = await readFile(cache.file).catch(() => undefined);
  if (!dump) return undefined;
  try {
    return await PGlite.create({ loadDataDir: new Blob([dump]) });
  } catch {
    return undefined; // unreadable: built afresh below, and the cache rewritten
  }
}

async function inMemory(
  table: JusticeTable,
  cache: JusticeDatabaseOptions['cache'],
): Promise<JusticeDatabase> {
  let db = await fromCache(cache);
  const filled = !db;
  db ??= await PGlite.create();
  try {
    if (filled) {
      await db.exec(ddl(table));
      await db.query(insertSql(table), [JSON.stringify(table.rows)]);
      if (cache) {
        const dump = Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer());
        await writeFile(`${cache.file}.part`, dump);
        await rename(`${cache.file}.part`, cache.file);
      }
    }
    // Room for a connector's sessions to overlap their openings and closings (they never share a transaction).
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
    await server.start();
    return {
      url: `postgres://postgres@${server.getServerConn()}/postgres`,
      database: 'postgres',
      embedded: true,
      filled,
      async stop() {
        await server.stop();
        await db.close();
      },
    };
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

async function sibling(table: JusticeTable, hubDatabaseUrl: string): Promise<JusticeDatabase> {
  const database = justiceDatabaseName(hubDatabaseUrl);
  const admin = new pg.Client({ connectionString: hubDatabaseUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) {
      await admin.query(`create database ${quote(database)}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // another hub created it meanwhile
      });
    }
  } finally {
    await admin.end();
  }
  const u = new URL(hubDatabaseUrl);
  u.pathname = `/${encodeURIComponent(database)}`;
  const url = u.toString();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let filled = false;
  try {
    await client.query('begin');
    await client.query(ddl(table));
    // Serialises two hubs filling it at once; the second finds the rows there.
    await client.query(`lock table ${quote(table.table)} in exclusive mode`);
    const { rows } = await client.query<{ n: number }>(
      `select count(*)::int as n from ${quote(table.table)}`,
    );
    if (rows[0]!.n !== table.rows.length) {
      await client.query(`truncate ${quote(table.table)}`);
      await client.query(insertSql(table), [JSON.stringify(table.rows)]);
      filled = true;
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
  return { url, database, embedded: false, filled, stop: async () => undefined };
}
