import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Logger } from '../runtime/logger';
import { acquirePidLock } from '../runtime/pid-lock';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * PGlite (PostgreSQL compiled to WASM) with its files in `<dataDir>/pglite`, served on a free loopback
 * port so the ordinary `pg` driver and MikroORM talk to it as to any server. PGlite is one session:
 * the caller must use a pool of one connection. A lock file keeps a second hub off the same files.
 */
export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedPostgres> {
  const dir = path.join(dataDir, 'pglite');
  await mkdir(dir, { recursive: true });
  const lock = await acquirePidLock(
    path.join(dataDir, 'pglite.lock'),
    'the embedded PostgreSQL data directory',
  );
  const started = Date.now();
  let db: PGlite;
  try {
    db = await PGlite.create({ dataDir: dir });
  } catch (error) {
    await lock.release();
    throw error;
  }
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
  await server.start();
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  logger.info({ dataDir: dir, url, ms: Date.now() - started }, 'embedded PostgreSQL (PGlite) started');
  return {
    url,
    async stop() {
      await server.stop();
      await db.close();
      await lock.release();
      logger.info('embedded PostgreSQL stopped');
    },
  };
}
