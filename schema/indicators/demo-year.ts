import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '../common/rows';
import type { Logger } from '../runtime/logger';
import { computeIndicators } from './indicators';
import { snapshotRegionCodes, takeSnapshots } from './snapshots';

/** The demo's reference year (its data stands for 2023; see schema/demo). */
export const DEMO_YEAR = '2023';

/**
 * The demo county is loaded today but stands for 2023, so its records were all created "now", after the year
 * ended. Its 2023 snapshot is therefore taken at load, counting every record the hub holds (records as of
 * now) — what the nightly job would have stored on 2024-01-01 — so that the 2023 report shows the year as
 * the county lived it and does not change afterwards. Skipped when the year has a snapshot already.
 */
export async function snapshotDemoYear(
  em: EntityManager,
  { logger }: { logger?: Logger } = {},
): Promise<number> {
  const [present] = await runSql(em, 'select 1 from indicator_snapshot where period = ? limit 1', [
    DEMO_YEAR,
  ]);
  if (present) return 0;
  const result = await takeSnapshots(
    em,
    (e, input) => computeIndicators(e, { ...input, recordsAsOf: 'now' }),
    {
      period: DEMO_YEAR,
      regionCodes: await snapshotRegionCodes(em),
    },
  );
  logger?.info({ period: DEMO_YEAR, stored: result.stored }, 'demo year snapshot taken');
  return result.stored;
}
