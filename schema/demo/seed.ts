import type { EntityManager } from '@mikro-orm/postgresql';
import { demoCountyRegions } from '../regions/demo-county';
import { loadRegionTree } from '../regions/region.service';
import type { Logger } from '../runtime/logger';
import { loadDemoCounty } from './load';

/**
 * The demo county on a fresh database: the region tree (idempotent), then the synthetic people, places,
 * organisations and events — once. A database that already holds people is left alone, so a restart does
 * not spend seconds re-checking 160,000 rows and never overwrites what a department has loaded.
 */
export async function seedDemoCounty(
  em: EntityManager,
  { scale, embedded }: { scale: number; embedded: boolean },
  logger: Logger,
): Promise<void> {
  const regions = await loadRegionTree(em, demoCountyRegions());
  logger.info(regions, 'demo county region tree loaded');
  const [{ present }] = await em
    .getConnection()
    .execute<Array<{ present: boolean }>>('select exists (select 1 from person) as present');
  if (present) {
    logger.info('demo county data already present; not loaded again');
    return;
  }
  // PGlite's socket server cannot take COPY FROM STDIN; the JSON path carries the same rows.
  const result = await loadDemoCounty(em, {
    seed: 1,
    scale,
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
}
