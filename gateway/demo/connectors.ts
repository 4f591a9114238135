import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type ConnectorInput,
  createConnector,
  getConnector,
  updateConnector,
} from '../../connectors/connector.service';
import type { SecretKey } from '../../connectors/secrets';
import { executeRun, failRun, type RunCounters } from '../../connectors/sync';
import { runSql } from '../../schema/common/rows';
import { personBlockFields, requireSpec } from '../../schema/demo/export';
import { PersonRecordKind } from '../../schema/people/person-record.entity';
import { NotFoundError } from '../../schema/runtime/errors';
import type { Logger } from '../../schema/runtime/logger';
import { errorMessage } from '../../schema/runtime/retry';
import { snakeCase } from './departments';
import type { DepartmentSimulator } from './simulator';

/**
 * The demo county's five department connectors, one per kind of source, registered like any operator's:
 * secrets (民政's bearer token, 司法's database URL) go through createConnector/updateConnector and are
 * stored encrypted. Precedence says who is authoritative: 公安 on the names, birth data and addresses of the
 * people it registers, 卫健 on its diagnoses, 市场监管 on the enterprises' registration.
 */

export const DEMO_CONNECTORS = {
  householdRegister: 'gongan-household-register',
  mentalHealth: 'weijian-severe-mental-disorder',
  leftBehind: 'minzheng-left-behind',
  communityCorrection: 'sifa-community-correction',
  enterprises: 'shichang-enterprises',
} as const;

/** The order the demo runs them in: the household register first, so the others merge into its people. */
export const DEMO_CONNECTOR_ORDER: readonly string[] = Object.values(DEMO_CONNECTORS);

const HIGH = 20;

function ranked(fields: readonly string[]): Record<string, number> {
  return Object.fromEntries(fields.map((f) => [f, HIGH]));
}

/**
 * Records per committed chunk. Measured on the embedded PGlite with the full county's household register
 * (155,000 records): 2,000 took 40 s, 5,000 51–58 s, 10,000 67 s, 20,000 72 s. Bigger chunks lose there
 * because pglite-socket reassembles each message by concatenating its pieces (quadratic in its size) and the
 * heap churns; 1,000 was no faster than 2,000.
 */
const CHUNK_SIZE = 2_000;

/** The connectors' definitions for the simulator's current ports, token and paths. */
export function demoConnectorInputs(sim: DepartmentSimulator): ConnectorInput[] {
  const inputs: ConnectorInput[] = [
    {
      name: DEMO_CONNECTORS.householdRegister,
      title: '公安局 户籍人口 (GBK CSV export)',
      sourceType: 'csv',
      config: { path: sim.files.householdRegister, encoding: 'gbk' },
      streams: [
        {
          stream: path.basename(sim.files.householdRegister, '.csv'),
          chunkSize: CHUNK_SIZE,
          mapping: { dataSet: 'registered_population', region: { code: '所属网格编码' } },
        },
      ],
      precedence: ranked([
        'name',
        'sex',
        'birthDate',
        'ethnicity',
        'registeredRegionCode',
        'registeredAddress',
        'currentAddress',
      ]),
    },
    {
      name: DEMO_CONNECTORS.mentalHealth,
      title: '卫生健康局 严重精神障碍患者 (XLSX)',
      sourceType: 'xlsx',
      config: { path: sim.files.mentalHealth, sheet: sim.files.mentalHealthSheet },
      streams: [
        {
          stream: sim.files.mentalHealthSheet,
          chunkSize: CHUNK_SIZE,
          mapping: { dataSet: 'severe_mental_disorder', region: { code: '所属网格编码' } },
        },
      ],
      precedence: ranked([
        'attributes.diagnosisType',
        'attributes.firstOnsetOn',
        'attributes.riskLevel',
        'attributes.treatmentStatus',
        'attributes.hospitalName',
      ]),
    },
    {
      name: DEMO_CONNECTORS.leftBehind,
      title: '民政局 留守人员 (REST API)',
      sourceType: 'rest',
      config: {
        url: sim.leftBehind.url,
        headers: { authorization: `Bearer ${sim.leftBehind.token}` },
        recordsPath: 'data',
        pagination: { type: 'page', pageParam: 'page', sizeParam: 'size', size: 1_000, firstPage: 1 },
        primaryKey: ['id'],
        streamName: 'left-behind',
      },
      // The API's fields are the data set's own names (idNumber, leftBehindType …): they map by name.
      streams: [
        {
          stream: 'left-behind',
          chunkSize: CHUNK_SIZE,
          mapping: { dataSet: 'left_behind', region: { code: 'gridCode' } },
        },
      ],
      precedence: ranked(['attributes.leftBehindType']),
    },
    {
      name: DEMO_CONNECTORS.enterprises,
      title: '市场监督管理局 非公有制经济组织 (UTF-8 CSV export)',
      sourceType: 'csv',
      config: { path: sim.files.enterprises, encoding: 'utf-8' },
      streams: [
        {
          stream: path.basename(sim.files.enterprises, '.csv'),
          chunkSize: CHUNK_SIZE,
          mapping: { dataSet: 'enterprise', region: { code: '所属网格编码' } },
        },
      ],
      precedence: ranked([
        'name',
        'category',
        'address',
        'legalRepresentative',
        'legalRepresentativeIdNumber',
      ]),
    },
  ];
  if (sim.justice) {
    // The bureau's columns are its own snake_case names: every field is mapped explicitly.
    const correction = requireSpec('person_record', PersonRecordKind.COMMUNITY_CORRECTION);
    const fields = Object.fromEntries(
      [...personBlockFields(PersonRecordKind.COMMUNITY_CORRECTION), ...correction.fields].map((f) => [
        f.name,
        { from: snakeCase(f.name) },
      ]),
    );
    inputs.splice(3, 0, {
      name: DEMO_CONNECTORS.communityCorrection,
      title: '司法局 社区矫正人员 (PostgreSQL, incremental on updated_at)',
      sourceType: 'sql',
      config: {
        dialect: 'postgres',
        url: sim.justice.url,
        query: 'select * from community_correction',
        primaryKey: ['id'],
        cursorField: 'updated_at',
        streamName: 'community_correction',
      },
      streams: [
        {
          stream: 'community_correction',
          mode: 'incremental',
          cursorField: 'updated_at',
          chunkSize: CHUNK_SIZE,
          mapping: {
            dataSet: 'community_correction',
            byLabel: false,
            fields,
            region: { code: 'grid_code' },
          },
        },
      ],
      precedence: ranked(['attributes.correctionCategory', 'attributes.correctionEndOn']),
    });
  }
  return inputs;
}

/**
 * Creates the demo's connectors, or updates them to the simulator of this start (its ports and token change
 * with every start). Returns their names in run order.
 */
export async function registerDemoConnectors(
  em: () => EntityManager,
  key: SecretKey,
  sim: DepartmentSimulator,
): Promise<string[]> {
  const names: string[] = [];
  for (const input of demoConnectorInputs(sim)) {
    try {
      await getConnector(em(), input.name);
      await updateConnector(em(), key, input.name, input);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      await createConnector(em(), key, input);
    }
    names.push(input.name);
  }
  return names;
}

export interface DemoRunReport extends RunCounters {
  connector: string;
  runId: string;
  status: 'succeeded' | 'failed';
  ms: number;
  error?: string;
}

/**
 * Queues a run of each connector (one already queued or running is left as it is). Queued before the county
 * is loaded, they survive a start that is interrupted anywhere: the next start finds them and runs them.
 * (One statement on one connection: `queueRun` holds a connection while it takes another, which the
 * embedded hub's pool of one cannot give.)
 */
export async function queueDemoRuns(em: () => EntityManager, names: readonly string[]): Promise<void> {
  await runSql(
    em(),
    `insert into sync_run (connector_id, status, trigger)
     select c.id, 'queued', 'demo' from connector c where c.name = any(?::text[]) order by c.id
     on conflict (connector_id) where status in ('queued', 'running') do nothing`,
    [names],
  );
}

export interface PendingRun {
  connector: string;
  runId: string;
}

/** The connectors whose latest run is queued or running (not finished), in the order of `names`. */
export async function pendingDemoRuns(
  em: () => EntityManager,
  names: readonly string[],
): Promise<PendingRun[]> {
  const rows = await runSql<{ name: string; id: string; status: string }>(
    em(),
    `select distinct on (c.name) c.name, r.id::text as id, r.status::text as status
       from connector c join sync_run r on r.connector_id = c.id
      where c.name = any(?::text[])
      order by c.name, r.id desc`,
    [names],
  );
  const pending = new Map(
    rows.filter((r) => r.status === 'queued' || r.status === 'running').map((r) => [r.name, r.id]),
  );
  return names
    .filter((n) => pending.has(n))
    .map((connector) => ({ connector, runId: pending.get(connector)! }));
}

/**
 * Executes runs one after the other in this process (at start the workers are not up yet, and one run at a
 * time is what PGlite's single session allows), logging each run's report. A run interrupted earlier resumes
 * from its last committed chunk. A run that fails is marked failed and reported; the next one still runs.
 */
export async function runDemoConnectors(
  em: () => EntityManager,
  key: SecretKey,
  runs: readonly PendingRun[],
  logger: Logger,
): Promise<DemoRunReport[]> {
  const reports: DemoRunReport[] = [];
  for (const { connector, runId } of runs) {
    const started = performance.now();
    try {
      const counters = await executeRun(em(), key, runId);
      const report: DemoRunReport = {
        connector,
        runId,
        status: 'succeeded',
        ...counters,
        ms: Math.round(performance.now() - started),
      };
      reports.push(report);
      logger.info(report, 'demo connector run finished');
    } catch (error) {
      await failRun(em(), runId, error).catch(() => undefined);
      const [row] = await runSql<RunCounters>(
        em(),
        'select read, inserted, updated, unchanged, quarantined, skipped, gone, conflicts from sync_run where id = ?',
        [runId],
      );
      const report: DemoRunReport = {
        connector,
        runId,
        status: 'failed',
        ...(row as RunCounters),
        ms: Math.round(performance.now() - started),
        error: errorMessage(error),
      };
      reports.push(report);
      logger.error(report, 'demo connector run failed');
    }
  }
  return reports;
}
