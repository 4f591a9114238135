import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Command, Option } from 'commander';
import pino from 'pino';
import { type Connector, RunStatus, type SyncRun } from '../../connectors/connector.entity';
import {
  checkConnector,
  createConnector,
  deleteConnector,
  discoverConnector,
  getConnector,
  getRun,
  listConnectors,
  listRuns,
  queueRun,
  secretFieldsSet,
  updateConnector,
} from '../../connectors/connector.service';
import { ConnectorError, specOf } from '../../connectors/protocol';
import { QuarantineStatus } from '../../connectors/quarantine.entity';
import {
  correctQuarantined,
  discardQuarantined,
  listQuarantine,
  type QuarantineEntry,
  replayQuarantined,
} from '../../connectors/quarantine.service';
import { loadSecretKey, type SecretKey, splitSecrets } from '../../connectors/secrets';
import { SOURCES } from '../../connectors/sources';
import { failRun } from '../../connectors/sync';
import { runSql } from '../../schema/common/rows';
import { type Config, ConfigError, loadConfig } from '../../schema/runtime/config';
import { DomainError, StartupError } from '../../schema/runtime/errors';
import type { Logger } from '../../schema/runtime/logger';
import { errorMessage } from '../../schema/runtime/retry';
import { QueueRegistry, SYNC_JOB_OPTIONS } from '../../workers/queues';
import { syncConnectorSchedules } from '../../workers/schedules';
import { openInfrastructure, Stack } from '../hub';
import { connectorDefinition } from '../resolvers/connectors.resolver';

/**
 * `hub connectors …`: the operators' commands, on the database directly (as `hub migrate` does), calling the
 * same domain services as the GraphQL API. Human output by default, `--json` for scripts; logs go to stderr
 * so they never mix with either. Runs are executed by the workers: `run` queues one on the hub's Redis.
 */

export interface Session {
  config: Config;
  logger: Logger;
  em(): EntityManager;
  key: SecretKey;
  /** Set when the command asked for Redis (or, for schedules, when REDIS_URL is configured). */
  queues: QueueRegistry | null;
}

type Redis = 'always' | 'configured' | 'never';

function stderrLogger(config: Config): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'gridhub', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['*.password', '*.authorization'], censor: '***' },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

function exitWith(error: unknown): never {
  if (error instanceof DomainError) {
    process.stderr.write(`gridhub: ${error.code}: ${error.message}\n`);
  } else if (error instanceof StartupError || error instanceof ConfigError) {
    process.stderr.write(`gridhub: ${error.message}\n`);
  } else if (error instanceof ConnectorError) {
    process.stderr.write(`gridhub: ${error.code}: ${error.message}\n`);
  } else {
    process.stderr.write(`gridhub: unexpected failure: ${errorMessage(error)}\n`);
  }
  process.exit(1);
}

/** Opens the database (and Redis when needed), runs the command, closes everything, exits 1 on failure. */
export function command<A extends unknown[]>(
  redis: Redis,
  run: (session: Session, ...args: A) => Promise<void>,
) {
  return async (...args: A) => {
    let config: Config;
    try {
      config = loadConfig();
    } catch (error) {
      exitWith(error);
    }
    const logger = stderrLogger(config);
    const stack = new Stack(logger);
    try {
      const useRedis = redis === 'always' || (redis === 'configured' && Boolean(config.redisUrl));
      const infra = await openInfrastructure(config, logger, stack, { redis: useRedis });
      await infra.migrate();
      let queues: QueueRegistry | null = null;
      if (useRedis) {
        const registry = new QueueRegistry(infra.redisUrl, config.queuePrefix);
        stack.push('queues', () => registry.close());
        queues = registry;
      }
      await run(
        {
          config,
          logger,
          em: () => infra.orm.em.fork() as EntityManager,
          key: loadSecretKey(config.secretKey, config.dataDir),
          queues,
        },
        ...args,
      );
    } catch (error) {
      await stack.unwind();
      exitWith(error);
    }
    await stack.unwind();
  };
}

export function print(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

/** A plain text table: a header row and aligned columns (widths by characters; CJK text may drift). */
export function table(headers: string[], rows: Array<Array<string | number | null | undefined>>): void {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => [...r[i]!].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length)))
      .join('  ')
      .trimEnd();
  print(line(headers));
  for (const r of cells) print(line(r));
}

export function time(d: Date | null | undefined): string {
  return d ? d.toISOString().replace('T', ' ').slice(0, 19) : '';
}

/** The config as the API shows it: secret fields left out (only their names are listed). */
function publicConfig(c: Connector): Record<string, unknown> {
  const source = SOURCES.get(c.sourceType);
  return source ? splitSecrets(c.config, source.secrets).config : c.config;
}

async function lastRunOf(em: EntityManager, c: Connector): Promise<SyncRun | null> {
  const [run] = await listRuns(em, c.name, 1);
  return run ?? null;
}

function runJson(run: SyncRun, connector?: string): Record<string, unknown> {
  return {
    id: run.id,
    connector,
    status: run.status,
    trigger: run.trigger,
    queuedAt: run.queuedAt,
    startedAt: run.startedAt ?? null,
    finishedAt: run.finishedAt ?? null,
    read: run.read,
    inserted: run.inserted,
    updated: run.updated,
    unchanged: run.unchanged,
    quarantined: run.quarantined,
    skipped: run.skipped,
    gone: run.gone,
    conflicts: run.conflicts,
    errorCode: run.errorCode ?? null,
    error: run.error ?? null,
  };
}

function printReport(run: SyncRun, connector: string): void {
  const took =
    run.startedAt && run.finishedAt
      ? ` in ${((run.finishedAt.getTime() - run.startedAt.getTime()) / 1000).toFixed(1)} s`
      : '';
  print(`run ${run.id} of ${connector} (${run.trigger}): ${run.status}${took}`);
  print(
    `  read ${run.read} = inserted ${run.inserted} + updated ${run.updated} + unchanged ${run.unchanged}` +
      ` + quarantined ${run.quarantined} + skipped ${run.skipped}`,
  );
  print(`  gone ${run.gone}, conflicts ${run.conflicts}`);
  if (run.errorCode || run.error) print(`  error ${run.errorCode ?? ''}: ${run.error ?? ''}`);
  if (run.quarantined) print(`  see: hub connectors quarantine list ${connector} --status open`);
}

async function readDefinition(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new DomainError('FILE_NOT_FOUND', `--file ${file}: ${errorMessage(error)}`, { field: 'file' });
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new DomainError('INVALID_JSON', `--file ${file}: ${errorMessage(error)}`, { field: 'file' });
  }
}

/**
 * Quarantined records hold personal data as the source sent it: printing them is a read, audited as the
 * API's are (before anything is shown, so a failed audit shows nothing).
 */
async function auditRead(session: Session, operation: string, records: QuarantineEntry[]): Promise<void> {
  if (!records.length) return;
  await runSql(
    session.em(),
    `insert into read_audit (principal, role, request_id, operation_name, client_address, record_type, record_ids)
     values (?, 'operator', ?, ?, null, 'QuarantinedRecord', ?::text[])`,
    [
      `cli:${os.userInfo().username}`.slice(0, 100),
      `cli-${randomUUID()}`,
      operation.slice(0, 100),
      `{${records.map((r) => r.id).join(',')}}`,
    ],
  );
}

function quarantineJson(r: QuarantineEntry): Record<string, unknown> {
  return {
    id: r.id,
    connector: r.connectorName,
    stream: r.stream,
    sourceKey: r.sourceKey,
    status: r.status,
    runId: r.run.id,
    raw: r.raw,
    corrected: r.corrected ?? null,
    failures: r.failures,
    createdAt: r.createdAt,
    resolvedAt: r.resolvedAt ?? null,
  };
}

function printQuarantined(records: QuarantineEntry[]): void {
  for (const r of records) {
    print(
      `#${r.id}  ${r.connectorName} / ${r.stream} / record ${r.sourceKey}  ${r.status}  ${time(r.createdAt)}`,
    );
    for (const f of r.failures) print(`    ${f.field} (${f.rule}): ${f.message}`);
    if (r.corrected && Object.keys(r.corrected).length)
      print(`    corrected: ${JSON.stringify(r.corrected)}`);
  }
}

async function applySchedules(session: Session): Promise<void> {
  if (session.queues) await syncConnectorSchedules(session.em(), session.queues);
  else print('(no REDIS_URL: schedules take effect when the workers next start)');
}

/** Polls a run until it ends; prints its counters on stderr as they move (when a person is watching). */
async function waitForRun(session: Session, runId: string, json: boolean): Promise<SyncRun> {
  let lastRead = -1;
  for (;;) {
    const run = await getRun(session.em(), runId);
    if (run.status === RunStatus.SUCCEEDED || run.status === RunStatus.FAILED) return run;
    if (!json && process.stderr.isTTY && run.read !== lastRead) {
      lastRead = run.read;
      process.stderr.write(`  ${run.status}: ${run.read} read, ${run.quarantined} quarantined\n`);
    }
    await sleep(500);
  }
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerConnectorCommands(program: Command): void {
  const connectors = program
    .command('connectors')
    .description("register, check, run and fix the departments' connectors (on the database directly)");
  const jsonOption = () => new Option('--json', 'machine-readable output');

  connectors
    .command('list')
    .description('the registered connectors with their last run')
    .addOption(jsonOption())
    .action(
      command('never', async (s, opts: { json?: boolean }) => {
        const list = await listConnectors(s.em());
        const rows = await Promise.all(list.map(async (c) => ({ c, last: await lastRunOf(s.em(), c) })));
        if (opts.json) {
          printJson(
            rows.map(({ c, last }) => ({
              name: c.name,
              title: c.title,
              sourceType: c.sourceType,
              schedule: c.schedule ?? null,
              enabled: c.enabled,
              streams: c.streams.map((st) => st.stream),
              lastRun: last ? runJson(last) : null,
            })),
          );
          return;
        }
        if (!rows.length) {
          print('no connectors yet: hub connectors create --file connector.json');
          return;
        }
        table(
          ['NAME', 'TYPE', 'ENABLED', 'SCHEDULE', 'LAST RUN', 'TITLE'],
          rows.map(({ c, last }) => [
            c.name,
            c.sourceType,
            c.enabled ? 'yes' : 'no',
            c.schedule ?? '-',
            last ? `#${last.id} ${last.status} ${time(last.finishedAt ?? last.queuedAt)}` : '-',
            c.title,
          ]),
        );
      }),
    );

  connectors
    .command('show')
    .description('one connector: config (secrets never shown), streams, precedence, last run')
    .argument('<name>')
    .addOption(jsonOption())
    .action(
      command('never', async (s, name: string, opts: { json?: boolean }) => {
        const c = await getConnector(s.em(), name);
        const last = await lastRunOf(s.em(), c);
        const shown = {
          name: c.name,
          title: c.title,
          sourceType: c.sourceType,
          config: publicConfig(c),
          secretFieldsSet: secretFieldsSet(c, s.key),
          streams: c.streams,
          precedence: c.precedence,
          schedule: c.schedule ?? null,
          enabled: c.enabled,
          createdAt: c.createdAt,
          updatedAt: c.updatedAt,
          lastRun: last ? runJson(last) : null,
        };
        if (opts.json) {
          printJson(shown);
          return;
        }
        print(`${c.name}: ${c.title}`);
        print(`  source type  ${c.sourceType}`);
        print(`  enabled      ${c.enabled ? 'yes' : 'no'}`);
        print(`  schedule     ${c.schedule ?? '-'}`);
        print(`  secrets set  ${shown.secretFieldsSet.join(', ') || '-'}`);
        print(`  config       ${JSON.stringify(shown.config)}`);
        print(`  precedence   ${JSON.stringify(c.precedence)}`);
        for (const st of c.streams) {
          print(`  stream ${st.stream}: ${st.mode}, ${st.onInvalid} invalid records → ${st.mapping.dataSet}`);
        }
        if (last) printReport(last, c.name);
      }),
    );

  connectors
    .command('create')
    .description('register a connector from a JSON definition (name, title, sourceType, config, streams…)')
    .requiredOption('--file <file>', 'the definition, a JSON object')
    .addOption(jsonOption())
    .action(
      command('configured', async (s, opts: { file: string; json?: boolean }) => {
        const definition = connectorDefinition(null, await readDefinition(opts.file));
        const c = await createConnector(s.em(), s.key, definition);
        if (opts.json) printJson({ name: c.name, id: c.id, created: true });
        else print(`created connector ${c.name}`);
        await applySchedules(s);
      }),
    );

  connectors
    .command('update')
    .description('change a connector: fields the JSON leaves out keep their values (secrets too)')
    .argument('<name>')
    .requiredOption('--file <file>', 'the changes, a JSON object')
    .addOption(jsonOption())
    .action(
      command('configured', async (s, name: string, opts: { file: string; json?: boolean }) => {
        const existing = await getConnector(s.em(), name);
        const definition = connectorDefinition(existing, await readDefinition(opts.file));
        const c = await updateConnector(s.em(), s.key, name, definition);
        if (opts.json) printJson({ name: c.name, id: c.id, updated: true });
        else print(`updated connector ${c.name}`);
        await applySchedules(s);
      }),
    );

  connectors
    .command('delete')
    .description('delete a connector with its runs, links and quarantine (the records it supplied stay)')
    .argument('<name>')
    .addOption(jsonOption())
    .action(
      command('configured', async (s, name: string, opts: { json?: boolean }) => {
        await getConnector(s.em(), name);
        await deleteConnector(s.em(), name);
        if (opts.json) printJson({ name, deleted: true });
        else print(`deleted connector ${name}`);
        await applySchedules(s);
      }),
    );

  connectors
    .command('check')
    .description("test a connector's connection and config (exit 1 when it fails)")
    .argument('<name>')
    .addOption(jsonOption())
    .action(
      command('never', async (s, name: string, opts: { json?: boolean }) => {
        const result = await checkConnector(s.em(), s.key, name);
        if (opts.json) printJson(result);
        else print(result.ok ? `${name}: ok` : `${name}: FAILED ${result.code}: ${result.reason}`);
        if (!result.ok) process.exitCode = 1;
      }),
    );

  connectors
    .command('discover')
    .description("list the source's streams and their fields")
    .argument('<name>')
    .addOption(jsonOption())
    .action(
      command('never', async (s, name: string, opts: { json?: boolean }) => {
        const catalog = await discoverConnector(s.em(), s.key, name);
        if (opts.json) {
          printJson(catalog);
          return;
        }
        for (const st of catalog.streams) {
          const extras = [
            st.primaryKey.length ? `key ${st.primaryKey.join(', ')}` : '',
            st.supportsIncremental ? `incremental on ${st.cursorCandidates.join(' | ') || '-'}` : 'full only',
          ].filter(Boolean);
          print(`stream ${st.name} (${extras.join('; ')})`);
          table(
            ['  FIELD', 'TYPE'],
            st.fields.map((f) => [`  ${f.name}`, f.type]),
          );
        }
      }),
    );

  connectors
    .command('spec')
    .description('the source types, or the config JSON Schema of one (secret fields flagged)')
    .argument('[type]')
    .addOption(jsonOption())
    .action(async (type: string | undefined, opts: { json?: boolean }) => {
      try {
        if (type) {
          const source = SOURCES.get(type);
          if (!source) {
            throw new DomainError(
              'UNKNOWN_SOURCE_TYPE',
              `No source type "${type}" (known: ${[...SOURCES.keys()].join(', ')})`,
              { field: 'type' },
            );
          }
          printJson(specOf(source));
          return;
        }
        const types = [...SOURCES.values()].map((s) => ({
          type: s.type,
          title: s.title,
          secrets: [...s.secrets],
        }));
        if (opts.json) printJson(types);
        else
          table(
            ['TYPE', 'SECRET FIELDS', 'TITLE'],
            types.map((t) => [t.type, t.secrets.join(', ') || '-', t.title]),
          );
      } catch (error) {
        exitWith(error);
      }
    });

  connectors
    .command('run')
    .description('queue a run for the workers; with --wait, wait for its report (exit 1 if it fails)')
    .argument('<name>')
    .option('--wait', 'wait until the run ends and print its report')
    .addOption(jsonOption())
    .action(
      command('always', async (s, name: string, opts: { wait?: boolean; json?: boolean }) => {
        const queues = s.queues!;
        const { run, resumed } = await queueRun(s.em(), name, 'manual');
        try {
          await queues.add(
            'sync',
            'run-connector',
            { runId: run.id },
            { ...SYNC_JOB_OPTIONS, jobId: `run-${run.id}-${Date.now()}` },
          );
        } catch (error) {
          // A run no worker will ever see must not block the next one (one active run per connector).
          await failRun(
            s.em(),
            run.id,
            new ConnectorError(
              'transient',
              'QUEUE_UNAVAILABLE',
              `the run could not be queued: ${errorMessage(error)}`,
            ),
          );
          throw error;
        }
        if (!opts.json)
          print(`run ${run.id} of ${name} ${resumed ? 'resumes from its last chunk' : 'queued'}`);
        const workers = await queues
          .queue('sync')
          .getWorkersCount()
          .catch(() => -1);
        if (workers === 0) {
          process.stderr.write(
            'gridhub: no worker is connected to the sync queue; the run starts when one is (hub start or hub worker)\n',
          );
        }
        if (!opts.wait) {
          if (opts.json) printJson({ ...runJson(await getRun(s.em(), run.id), name), resumed });
          return;
        }
        const done = await waitForRun(s, run.id, Boolean(opts.json));
        if (opts.json) printJson({ ...runJson(done, name), resumed });
        else printReport(done, name);
        if (done.status === RunStatus.FAILED) process.exitCode = 1;
      }),
    );

  connectors
    .command('runs')
    .description("recent runs, newest first: one connector's or all")
    .argument('[name]')
    .option('--limit <n>', 'how many', (v) => Number.parseInt(v, 10), 20)
    .addOption(jsonOption())
    .action(
      command('never', async (s, name: string | undefined, opts: { limit: number; json?: boolean }) => {
        const runs = await listRuns(s.em(), name ?? null, Math.max(1, Math.min(opts.limit || 20, 1000)));
        const names = new Map((await listConnectors(s.em())).map((c) => [c.id, c.name]));
        if (opts.json) {
          printJson(runs.map((r) => runJson(r, names.get(r.connector.id))));
          return;
        }
        table(
          [
            'RUN',
            'CONNECTOR',
            'TRIGGER',
            'STATUS',
            'QUEUED',
            'READ',
            'INS',
            'UPD',
            'SAME',
            'QUAR',
            'SKIP',
            'ERROR',
          ],
          runs.map((r) => [
            r.id,
            names.get(r.connector.id),
            r.trigger,
            r.status,
            time(r.queuedAt),
            r.read,
            r.inserted,
            r.updated,
            r.unchanged,
            r.quarantined,
            r.skipped,
            r.errorCode ?? '',
          ]),
        );
      }),
    );

  const quarantine = connectors
    .command('quarantine')
    .description('records refused by validation: list, correct, replay, discard');

  quarantine
    .command('list')
    .description('quarantined records (raw values as the source sent them; the read is audited)')
    .argument('[name]', 'only this connector')
    .addOption(
      new Option('--status <status>', 'only in this state').choices(['open', 'replayed', 'discarded']),
    )
    .option('--limit <n>', 'how many', (v) => Number.parseInt(v, 10), 100)
    .option('--after <id>', 'continue after this record id')
    .addOption(jsonOption())
    .action(
      command(
        'never',
        async (
          s,
          name: string | undefined,
          opts: { status?: QuarantineStatus; limit: number; after?: string; json?: boolean },
        ) => {
          const page = await listQuarantine(s.em(), {
            connector: name ?? null,
            status: opts.status ?? null,
            first: Math.max(1, Math.min(opts.limit || 100, 1000)),
            after: opts.after && /^\d{1,19}$/.test(opts.after) ? opts.after : null,
          });
          await auditRead(s, 'hub connectors quarantine list', page.nodes);
          if (opts.json) {
            printJson(page.nodes.map(quarantineJson));
            return;
          }
          if (!page.nodes.length) print('no quarantined records');
          printQuarantined(page.nodes);
          if (page.hasNextPage) print(`more: --after ${page.nodes.at(-1)!.id}`);
        },
      ),
    );

  quarantine
    .command('correct')
    .description('store corrections for an open record, applied over its raw values on replay')
    .argument('<id>')
    .requiredOption('--set <field=value>', 'a corrected value (repeat for more fields)', collect)
    .addOption(jsonOption())
    .action(
      command('never', async (s, id: string, opts: { set: string[]; json?: boolean }) => {
        const corrected: Record<string, string> = {};
        for (const pair of opts.set) {
          const at = pair.indexOf('=');
          if (at < 1) {
            throw new DomainError('INVALID_CORRECTION', `--set ${pair}: write it as field=value`, {
              field: 'set',
            });
          }
          corrected[pair.slice(0, at)] = pair.slice(at + 1);
        }
        const entry = await correctQuarantined(s.em(), id, corrected);
        await auditRead(s, 'hub connectors quarantine correct', [entry]);
        if (opts.json) printJson(quarantineJson(entry));
        else print(`corrected record ${entry.id}: ${JSON.stringify(entry.corrected)}; replay it to apply`);
      }),
    );

  quarantine
    .command('replay')
    .description('replay open records (corrections applied) through the mapping, validation and the merge')
    .argument('[name]', "this connector's open records")
    .option('--id <id>', 'only this record (repeat for more)', collect)
    .addOption(jsonOption())
    .action(
      command('never', async (s, name: string | undefined, opts: { id?: string[]; json?: boolean }) => {
        const report = await replayQuarantined(s.em(), { ids: opts.id ?? null, connector: name ?? null });
        await auditRead(s, 'hub connectors quarantine replay', report.records);
        if (opts.json) {
          printJson({
            replayed: report.replayed,
            stillOpen: report.stillOpen,
            runs: report.runs.map((r) => runJson(r)),
            records: report.records.map(quarantineJson),
          });
          return;
        }
        if (!report.records.length) {
          print('no open records to replay');
          return;
        }
        print(`replayed ${report.replayed}, still open ${report.stillOpen}`);
        printQuarantined(report.records.filter((r) => r.status !== QuarantineStatus.REPLAYED));
      }),
    );

  quarantine
    .command('discard')
    .description('discard an open record, with the reason (it is kept, never replayed)')
    .argument('<id>')
    .requiredOption('--reason <reason>', 'why')
    .addOption(jsonOption())
    .action(
      command('never', async (s, id: string, opts: { reason: string; json?: boolean }) => {
        const entry = await discardQuarantined(s.em(), id, opts.reason);
        if (opts.json) printJson({ id: entry.id, status: entry.status, reason: opts.reason });
        else print(`discarded record ${entry.id}`);
      }),
    );
}
