import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { queryRows, runSql } from '../schema/common/rows';
import { dataSetById } from '../schema/datasets';
import { withConnection } from '../schema/db/tx';
import { DomainError, NotFoundError } from '../schema/runtime/errors';
import { Connector, RunStatus, SyncRun } from './connector.entity';
import { type Catalog, type CheckResult, ConnectorError, type Source, safeCheck } from './protocol';
import { decryptSecrets, encryptSecrets, joinSecrets, type SecretKey, splitSecrets } from './secrets';
import { SOURCES } from './sources';
import { type StreamConfig, StreamConfigSchema } from './streams';

/**
 * Registering and managing connectors: configs validated against their source's spec, secrets split out and
 * encrypted, streams and mappings validated; check and discover on a saved connector; queuing runs (at most
 * one active per connector, guaranteed by a unique index).
 */

export const ConnectorInputSchema = z.object({
  name: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9_-]{1,99}$/, { message: 'must be 2–100 lower-case letters, digits, - or _' }),
  title: z.string().trim().min(1).max(200),
  sourceType: z.string(),
  config: z.record(z.string(), z.unknown()),
  streams: z.array(StreamConfigSchema).min(1, { message: 'at least one stream to sync' }),
  precedence: z.record(z.string(), z.number().int()).default({}),
  schedule: z.string().trim().min(1).max(100).nullable().default(null),
  enabled: z.boolean().default(true),
});
export type ConnectorInput = z.input<typeof ConnectorInputSchema>;

function sourceOf(type: string): Source<Record<string, unknown>> {
  const source = SOURCES.get(type);
  if (!source) {
    throw new DomainError(
      'UNKNOWN_SOURCE_TYPE',
      `No source type "${type}" (known: ${[...SOURCES.keys()].join(', ')})`,
      {
        field: 'sourceType',
      },
    );
  }
  return source as unknown as Source<Record<string, unknown>>;
}

function invalid(prefix: string, error: z.ZodError): DomainError {
  const problems = error.issues.map((i) => `${[prefix, ...i.path].filter(Boolean).join('.')}: ${i.message}`);
  return new DomainError('INVALID_CONNECTOR', `Invalid connector: ${problems.join('; ')}`, { problems });
}

/** A cron expression of five fields (minute hour day month weekday), the shape BullMQ's scheduler reads. */
function checkSchedule(schedule: string | null): void {
  if (schedule === null) return;
  if (schedule.split(/\s+/).length !== 5) {
    throw new DomainError(
      'INVALID_CONNECTOR',
      `schedule "${schedule}": a cron expression has five fields (e.g. "0 2 * * *")`,
      {
        field: 'schedule',
      },
    );
  }
}

function validate(
  input: unknown,
): z.output<typeof ConnectorInputSchema> & { parsedConfig: Record<string, unknown> } {
  const parsed = ConnectorInputSchema.safeParse(input);
  if (!parsed.success) throw invalid('', parsed.error);
  const source = sourceOf(parsed.data.sourceType);
  const config = source.config.safeParse(parsed.data.config);
  if (!config.success) throw invalid('config', config.error);
  for (const [i, s] of parsed.data.streams.entries()) {
    if (!dataSetById(s.mapping.dataSet)) {
      throw new DomainError(
        'INVALID_CONNECTOR',
        `streams.${i}.mapping.dataSet: no data set "${s.mapping.dataSet}"`,
        {
          field: `streams.${i}.mapping.dataSet`,
        },
      );
    }
  }
  checkSchedule(parsed.data.schedule);
  return { ...parsed.data, parsedConfig: config.data };
}

export async function createConnector(em: EntityManager, key: SecretKey, input: unknown): Promise<Connector> {
  const v = validate(input);
  const source = sourceOf(v.sourceType);
  const { config, secrets } = splitSecrets(v.config, source.secrets);
  try {
    const [row] = await queryRows(
      em,
      Connector,
      `insert into connector (name, title, source_type, config, secrets, streams, precedence, schedule, enabled)
       values (?, ?, ?, ?::jsonb, ?, ?::jsonb, ?::jsonb, ?, ?) returning *`,
      [
        v.name,
        v.title,
        v.sourceType,
        JSON.stringify(config),
        Object.keys(secrets).length ? encryptSecrets(key, secrets) : null,
        JSON.stringify(v.streams),
        JSON.stringify(v.precedence),
        v.schedule,
        v.enabled,
      ],
    );
    return row!;
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      throw new DomainError('CONNECTOR_EXISTS', `A connector named "${v.name}" exists already`, {
        field: 'name',
      });
    }
    throw error;
  }
}

/**
 * Replaces a connector's definition. Secret fields left out of `config` keep their stored values, so an
 * operator can change a query without re-typing the password.
 */
export async function updateConnector(
  em: EntityManager,
  key: SecretKey,
  name: string,
  input: unknown,
): Promise<Connector> {
  const existing = await getConnector(em, name);
  const stored = existing.secrets ? decryptSecrets(key, existing.secrets) : {};
  const raw = input as Record<string, unknown>;
  const merged = { ...raw, config: joinSecrets(stored, (raw.config as Record<string, unknown>) ?? {}) };
  const v = validate(merged);
  const source = sourceOf(v.sourceType);
  const { config, secrets } = splitSecrets(v.config, source.secrets);
  const [row] = await queryRows(
    em,
    Connector,
    `update connector set name = ?, title = ?, source_type = ?, config = ?::jsonb, secrets = ?, streams = ?::jsonb,
            precedence = ?::jsonb, schedule = ?, enabled = ?, updated_at = now()
      where id = ? returning *`,
    [
      v.name,
      v.title,
      v.sourceType,
      JSON.stringify(config),
      Object.keys(secrets).length ? encryptSecrets(key, secrets) : null,
      JSON.stringify(v.streams),
      JSON.stringify(v.precedence),
      v.schedule,
      v.enabled,
      existing.id,
    ],
  );
  return row!;
}

/** Deletes a connector with its runs, links and quarantine; the records it supplied stay. */
export async function deleteConnector(em: EntityManager, name: string): Promise<boolean> {
  const rows = await runSql<{ id: string }>(em, 'delete from connector where name = ? returning id', [name]);
  return rows.length > 0;
}

export async function getConnector(em: EntityManager, name: string): Promise<Connector> {
  const [row] = await queryRows(em, Connector, 'select * from connector where name = ?', [name]);
  if (!row) throw new NotFoundError('Connector', name);
  return row;
}

export function listConnectors(em: EntityManager): Promise<Connector[]> {
  return queryRows(em, Connector, 'select * from connector order by name');
}

/** The connector's full config, secrets decrypted and validated, for its source. */
export function sourceConfig(
  connector: Connector,
  key: SecretKey,
): { source: Source<Record<string, unknown>>; config: Record<string, unknown> } {
  const source = sourceOf(connector.sourceType);
  const whole = joinSecrets(
    connector.config,
    connector.secrets ? decryptSecrets(key, connector.secrets) : {},
  );
  const parsed = source.config.safeParse(whole);
  if (!parsed.success) {
    throw new ConnectorError('config', 'INVALID_CONFIG', invalid('config', parsed.error).message);
  }
  return { source, config: parsed.data };
}

/** Which secret fields are set (never their values). */
export function secretFieldsSet(connector: Connector, key: SecretKey): string[] {
  return connector.secrets ? Object.keys(decryptSecrets(key, connector.secrets)) : [];
}

export async function checkConnector(em: EntityManager, key: SecretKey, name: string): Promise<CheckResult> {
  const connector = await getConnector(em, name);
  const source = sourceOf(connector.sourceType);
  const whole = joinSecrets(
    connector.config,
    connector.secrets ? decryptSecrets(key, connector.secrets) : {},
  );
  return safeCheck(source, whole);
}

/** Checks a config that is not saved yet (the "test connection" button of a form). */
export function checkConfig(sourceType: string, config: unknown): Promise<CheckResult> {
  return safeCheck(sourceOf(sourceType), config);
}

export async function discoverConnector(em: EntityManager, key: SecretKey, name: string): Promise<Catalog> {
  const { source, config } = sourceConfig(await getConnector(em, name), key);
  return source.discover(config);
}

/**
 * Queues a run. If the connector's last run failed on a transient error part-way, that run is queued again
 * and resumes from its last committed chunk (so the next run resumes, as operators expect); otherwise a new
 * run is created. At most one run per connector is queued or running: a second request is refused.
 */
export async function queueRun(
  em: EntityManager,
  name: string,
  trigger: string,
): Promise<{ run: SyncRun; resumed: boolean }> {
  const connector = await getConnector(em, name);
  // The run row is read back after the connection is released: with PGlite the pool holds one connection.
  const queued = await withConnection(em, async (tx) => {
    try {
      const [last] = await tx.query<{
        id: string;
        status: string;
        error_code: string | null;
        checkpoint: object;
      }>(
        'select id, status, error_code, checkpoint from sync_run where connector_id = $1 order by id desc limit 1',
        [connector.id],
      );
      if (
        last &&
        last.status === RunStatus.FAILED &&
        last.error_code?.startsWith('TRANSIENT') &&
        Object.keys(last.checkpoint).length
      ) {
        await tx.query(
          `update sync_run set status = 'queued', error = null, error_code = null, finished_at = null where id = $1`,
          [last.id],
        );
        return { id: last.id, resumed: true };
      }
      const [row] = await tx.query<{ id: string }>(
        `insert into sync_run (connector_id, status, trigger) values ($1, 'queued', $2) returning id`,
        [connector.id, trigger],
      );
      return { id: row!.id, resumed: false };
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw new DomainError('RUN_ACTIVE', `Connector "${name}" has a run queued or running already`, {
          connector: name,
        });
      }
      throw error;
    }
  });
  return { run: await getRun(em, queued.id), resumed: queued.resumed };
}

export async function getRun(em: EntityManager, id: string): Promise<SyncRun> {
  const [run] = await queryRows(em, SyncRun, 'select * from sync_run where id = ?', [id]);
  if (!run) throw new NotFoundError('Run', id, 'RUN_NOT_FOUND');
  return run;
}

export async function listRuns(em: EntityManager, name: string | null, limit = 20): Promise<SyncRun[]> {
  if (!name) return queryRows(em, SyncRun, 'select * from sync_run order by id desc limit ?', [limit]);
  const connector = await getConnector(em, name);
  return queryRows(em, SyncRun, 'select * from sync_run where connector_id = ? order by id desc limit ?', [
    connector.id,
    limit,
  ]);
}

export type { StreamConfig };
