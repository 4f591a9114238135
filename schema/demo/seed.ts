import type { EntityManager } from '@mikro-orm/postgresql';
import { demoCountyRegions } from '../regions/demo-county';
import { loadRegionTree } from '../regions/region.service';
import type { Logger } from '../runtime/logger';
import { type DemoLeaveOut, loadDemoCounty } from './load';
import type { DemoCounty } from './types';

export interface SeedDemoOptions {
  scale: number;
  embedded: boolean;
  /** The county generated beforehand (seed 1 at `scale`); otherwise generated here. */
  county?: DemoCounty;
  /** Rows the caller brings through other means (the department connectors of the demo). */
  leaveOut?: DemoLeaveOut;
}

/**
 * The demo county on a fresh database: the region tree (idempotent), then the synthetic people, places,
 * organisations and events — once. A database that already holds people is left alone, so a restart does
 * not spend seconds re-checking 160,000 rows and never overwrites what a department has loaded. Says
 * whether it loaded the county.
 */
export async function seedDemoCounty(
  em: EntityManager,
  { scale, embedded, county, leaveOut }: SeedDemoOptions,
  logger: Logger,
): Promise<{ loaded: boolean }> {
  const regions = await loadRegionTree(em, demoCountyRegions());
  logger.info(regions, 'demo county region tree loaded');
  const [{ present }] = await em
    .getConnection()
    .execute<Array<{ present: boolean }>>('select exists (select 1 from person) as present');
  if (present) {
    logger.info('demo county data already present; not loaded again');
    return { loaded: false };
  }
  // PGlite's socket server cannot take COPY FROM STDIN; the JSON path carries the same rows. Its chunks stay
  // at 5,000 rows: measured at full scale, 1,000–5,000 load in 25–28 s, 20,000 in 72 s (the socket server
  // reassembles a message by concatenating its pieces, quadratic in the message's size).
  const result = await loadDemoCounty(em, {
    seed: 1,
    scale,
    county,
    leaveOut,
    transport: embedded ? 'json' : 'copy',
    chunkSize: embedded ? 5_000 : 20_000,
  });
  logger.info(
    {
      scale,
      rows: result.rows,
      generateMs: result.generateMs,
      loadMs: result.loadMs,
      analyzeMs: result.analyzeMs,
    },
    'demo county data loaded',
  );
  return { loaded: true };
}
