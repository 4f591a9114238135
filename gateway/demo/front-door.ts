import type { EntityManager } from '@mikro-orm/postgresql';
import type { SecretKey } from '../../connectors/secrets';
import { generateDemoCounty } from '../../schema/demo/generate';
import type { DemoLeaveOut } from '../../schema/demo/load';
import { seedDemoCounty } from '../../schema/demo/seed';
import type { DemoCounty } from '../../schema/demo/types';
import { OrganizationKind } from '../../schema/organizations/organization.entity';
import { PersonRecordKind } from '../../schema/people/person-record.entity';
import type { Logger } from '../../schema/runtime/logger';
import {
  type DemoRunReport,
  pendingDemoRuns,
  queueDemoRuns,
  registerDemoConnectors,
  runDemoConnectors,
} from './connectors';
import { type DepartmentSimulator, startDepartmentSimulator } from './simulator';

/**
 * The demo county through the front door: its five departments simulated (./simulator.ts), their connectors
 * registered, and on a fresh database the county loaded — the loader writes what no connector brings, then the
 * connectors bring the rest, bad rows ending in quarantine as they would from real departments.
 *
 * What the loader leaves to the connectors (DEMO_LEAVE_OUT): the person records of the four lists the
 * connectors read (户籍人口, 严重精神障碍患者, 留守人员, 社区矫正人员), and the enterprises no other row points at.
 * The people themselves are loaded: their household links (person.household_id), event parties and things'
 * owners are resolved by the loader once, from natural keys, so a person the connectors created later would
 * stay unlinked. The connectors then merge into those people (finding them unchanged, or taking over the
 * fields they rank higher on) and insert the records. Likewise the enterprises that event parties or things
 * refer to are loaded, and the market regulator's connector finds them unchanged; the others it inserts.
 */

export const DEMO_LEAVE_OUT: DemoLeaveOut = {
  personRecordKinds: [
    PersonRecordKind.REGISTERED,
    PersonRecordKind.SEVERE_MENTAL_DISORDER,
    PersonRecordKind.LEFT_BEHIND,
    PersonRecordKind.COMMUNITY_CORRECTION,
  ],
  organizationKinds: [OrganizationKind.ENTERPRISE],
};

/** The seed of the demo county: the same county on every machine. */
export const DEMO_SEED = 1;

export interface DemoCountyOptions {
  em: () => EntityManager;
  scale: number;
  dataDir: string;
  /** The hub's database (the justice bureau's database is its sibling on an external server). */
  databaseUrl: string;
  embedded: boolean;
  secretKey: SecretKey;
  logger: Logger;
  /** Where the simulator's stop is registered, so that it stops with the hub (the hub's Stack). */
  resources: { push(name: string, stop: () => Promise<unknown>): void };
}

export interface DemoCountyStart {
  simulator: DepartmentSimulator;
  /** Whether this start loaded the county (a fresh database). */
  loaded: boolean;
  connectors: string[];
  /** The runs executed by this start (none on a restart with the county loaded). */
  reports: DemoRunReport[];
}

/**
 * Starts the simulator and registers the connectors on every start (so operators can run them again); on a
 * database without people, loads the county and runs the connectors. Runs left queued or running by an
 * interrupted start are resumed.
 */
export async function startDemoCounty(options: DemoCountyOptions): Promise<DemoCountyStart> {
  const { em, logger } = options;
  const started = performance.now();
  // Generated only when needed: to load a fresh database, or to write the departments' store.
  let county: DemoCounty | undefined;
  const countyOnce = () => {
    county ??= generateDemoCounty({ seed: DEMO_SEED, scale: options.scale });
    return county;
  };
  const simulator = await startDepartmentSimulator({
    seed: DEMO_SEED,
    scale: options.scale,
    county: countyOnce,
    dataDir: options.dataDir,
    databaseUrl: options.databaseUrl,
    embedded: options.embedded,
    logger,
  });
  options.resources.push('demo department simulator', () => simulator.stop());

  const connectors = await registerDemoConnectors(em, options.secretKey, simulator);
  const [{ present }] = await em()
    .getConnection()
    .execute<Array<{ present: boolean }>>('select exists (select 1 from person) as present');
  let loaded = false;
  if (!present) {
    await queueDemoRuns(em, connectors);
    ({ loaded } = await seedDemoCounty(
      em(),
      {
        scale: options.scale,
        embedded: options.embedded,
        county: countyOnce(),
        leaveOut: DEMO_LEAVE_OUT,
      },
      logger,
    ));
  } else {
    // The region tree's check, and its log line, as on every start.
    await seedDemoCounty(em(), { scale: options.scale, embedded: options.embedded }, logger);
  }

  const pending = await pendingDemoRuns(em, connectors);
  const reports = await runDemoConnectors(em, options.secretKey, pending, logger);
  if (reports.length) {
    const total = (k: 'read' | 'inserted' | 'updated' | 'unchanged' | 'quarantined') =>
      reports.reduce((n, r) => n + r[k], 0);
    logger.info(
      {
        scale: options.scale,
        ms: Math.round(performance.now() - started),
        connectors: reports.length,
        failed: reports.filter((r) => r.status === 'failed').map((r) => r.connector),
        read: total('read'),
        inserted: total('inserted'),
        updated: total('updated'),
        unchanged: total('unchanged'),
        quarantined: total('quarantined'),
      },
      'demo county loaded through its department connectors',
    );
  } else {
    logger.info({ connectors }, 'demo department connectors registered');
  }
  return { simulator, loaded, connectors, reports };
}
