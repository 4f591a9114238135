import path from 'node:path';
import type { DemoCounty } from '../../schema/demo/types';
import type { Logger } from '../../schema/runtime/logger';
import { errorMessage } from '../../schema/runtime/retry';
import { type DepartmentFiles, prepareDepartments } from './departments';
import type { InjectedFault } from './faults';
import { type JusticeDatabase, openJusticeDatabase } from './justice-db';
import { type LeftBehindApi, startLeftBehindApi } from './left-behind-api';

/**
 * The demo county's departments, simulated on the hub's machine: their exports in `<dataDir>/departments/`
 * (公安 GBK CSV, 卫健 XLSX, 市场监管 UTF-8 CSV), 民政's paginated JSON API on a loopback port, and 司法's SQL
 * database. The demo's connectors read them as they would read the real systems. Started with every demo
 * hub (so operators can run the connectors again), stopped with it.
 */

export interface DepartmentSimulator {
  dir: string;
  files: DepartmentFiles;
  leftBehind: Pick<LeftBehindApi, 'url' | 'token'>;
  /** Null when the database server refused to create the sibling database (the connector is then left out). */
  justice: Omit<JusticeDatabase, 'stop'> | null;
  /** The bad rows injected, as their connectors will see them. */
  faults: InjectedFault[];
  /** Records each department holds, by data set (bad ones included). */
  records: Record<string, number>;
  stop(): Promise<void>;
}

export interface SimulatorOptions {
  seed: number | string;
  scale: number;
  /** The county of that seed and scale; called only when the departments' store must be (re)written. */
  county: () => DemoCounty;
  dataDir: string;
  /** The hub's database: the justice database is its sibling on the same server, unless embedded. */
  databaseUrl: string;
  embedded: boolean;
  logger: Logger;
}

export async function startDepartmentSimulator(options: SimulatorOptions): Promise<DepartmentSimulator> {
  const { logger } = options;
  const started = performance.now();
  const dir = path.join(options.dataDir, 'departments');
  const store = await prepareDepartments(dir, options, options.county);

  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    const api = await startLeftBehindApi(store.leftBehind);
    stops.push(api.stop);
    let justice: JusticeDatabase | null = null;
    try {
      justice = await openJusticeDatabase(store.communityCorrection, {
        hubDatabaseUrl: options.databaseUrl,
        embedded: options.embedded,
        cache: { file: path.join(dir, 'justice-pglite.tar.gz'), valid: !store.written },
      });
      stops.push(justice.stop);
    } catch (error) {
      if (options.embedded) throw error;
      logger.warn(
        { err: errorMessage(error) },
        "the justice bureau's demo database could not be created next to the hub's (the hub's user may lack CREATEDB); its connector is left out",
      );
    }
    logger.info(
      {
        dir,
        written: store.written,
        leftBehindApi: api.url,
        justiceDatabase: justice ? (justice.embedded ? 'in-memory PGlite' : justice.database) : null,
        records: store.records,
        badRows: store.faults.length,
        ms: Math.round(performance.now() - started),
      },
      'demo department simulator started',
    );
    return {
      dir,
      files: store.files,
      leftBehind: { url: api.url, token: api.token },
      justice: justice && {
        url: justice.url,
        database: justice.database,
        embedded: justice.embedded,
        filled: justice.filled,
      },
      faults: store.faults,
      records: store.records,
      stop: async () => {
        await stop();
        logger.info('demo department simulator stopped');
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
