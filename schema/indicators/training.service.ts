import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '../common/rows';
import { validateRecord } from '../datasets';
import { TRAINING_SESSION } from '../datasets/organizations';
import { DomainError, NotFoundError } from '../runtime/errors';

/**
 * 培训、演练 records (the organisation-and-teams module's training_session data set): written by code, so a
 * department's export loaded twice updates rather than duplicates, and listed by period and region for the
 * training indicators and their drill-down.
 */

export interface TrainingSessionInput {
  /** The source's key; a session with this code is updated. */
  code: string;
  kind: string;
  title: string;
  audience: string;
  /** The organising unit: the county, a township or a village. */
  regionCode: string;
  /** `YYYY-MM-DD`. */
  heldOn: string;
  /** Person-times (人次). */
  participants: number;
  organizer?: string | null;
  attributes?: Record<string, unknown>;
}

/** A stored session: its input as given, with its id and its unit's region path. */
export type TrainingSessionRow = Required<TrainingSessionInput> & { id: string; regionPath: string };

export interface TrainingFilter {
  /** `YYYY-MM-DD`, inclusive. */
  from?: string | null;
  /** `YYYY-MM-DD`, exclusive. */
  to?: string | null;
  /** The region and everything below it. */
  regionCode?: string | null;
  kind?: string | null;
  audience?: string | null;
}

export interface UpsertTrainingResult {
  inserted: number;
  updated: number;
}

/**
 * Validates every session against the data set (mandatory fields, kinds, audiences, dates not in the future,
 * counts) and its region, then writes them all in one transaction, inserting new codes and updating known
 * ones. Nothing is written when one fails: the error names the record, the field and the rule.
 */
export async function upsertTrainingSessions(
  em: EntityManager,
  sessions: readonly TrainingSessionInput[],
  options: { today?: string } = {},
): Promise<UpsertTrainingResult> {
  const rows: Array<
    TrainingSessionInput & { organizer: string | null; attributes: Record<string, unknown> }
  > = [];
  const seen = new Set<string>();
  for (const s of sessions) {
    const code = String(s.code ?? '').trim();
    const { regionCode: _region, attributes, ...columns } = { ...s, code };
    const result = validateRecord(TRAINING_SESSION, { columns, attributes: attributes ?? {} }, options);
    if (!result.ok) {
      const first = result.failures[0]!;
      throw new DomainError(
        'TRAINING_SESSION_INVALID',
        `培训演练 ${code || '(no code)'}: ${first.message} [${first.field} ${first.rule}]`,
        { record: code, field: first.field, rule: first.rule, failures: result.failures },
      );
    }
    if (seen.has(code)) {
      throw new DomainError(
        'TRAINING_SESSION_DUPLICATE',
        `培训演练 ${code}: the code appears twice in one batch`,
        {
          record: code,
          field: 'code',
          rule: 'DUPLICATE',
        },
      );
    }
    seen.add(code);
    const n = result.normalised;
    rows.push({
      code,
      kind: String(n.columns.kind),
      title: String(n.columns.title),
      audience: String(n.columns.audience),
      regionCode: String(s.regionCode ?? '').trim(),
      heldOn: String(n.columns.heldOn),
      participants: Number(n.columns.participants),
      organizer: (n.columns.organizer as string | undefined) ?? null,
      attributes: n.attributes,
    });
  }
  if (rows.length === 0) return { inserted: 0, updated: 0 };

  const codes = [...new Set(rows.map((r) => r.regionCode))];
  const regions = await runSql<{ code: string; path: string }>(
    em,
    'select code, path from region where code = any(?::text[])',
    [codes],
  );
  const pathOf = new Map(regions.map((r) => [r.code, r.path]));
  const missing = rows.find((r) => !pathOf.has(r.regionCode));
  if (missing) {
    throw new DomainError(
      'TRAINING_SESSION_INVALID',
      `培训演练 ${missing.code}: region "${missing.regionCode}" does not exist [regionCode REGION_UNKNOWN]`,
      { record: missing.code, field: 'regionCode', rule: 'REGION_UNKNOWN' },
    );
  }

  const payload = JSON.stringify(rows.map((r) => ({ ...r, regionPath: pathOf.get(r.regionCode) })));
  const written = await em.transactional(async (tx) =>
    tx.getConnection().execute<Array<{ inserted: boolean }>>(
      `insert into training_session (code, kind, title, audience, region_code, region_path, held_on, participants,
         organizer, attributes)
       select x.code, x.kind, x.title, x.audience, x."regionCode", x."regionPath", x."heldOn", x.participants,
         x.organizer, coalesce(x.attributes, '{}'::jsonb)
         from jsonb_to_recordset(?::jsonb) as x(code varchar, kind varchar, title varchar, audience varchar,
           "regionCode" varchar, "regionPath" text, "heldOn" date, participants int, organizer varchar,
           attributes jsonb)
       on conflict (code) do update set kind = excluded.kind, title = excluded.title, audience = excluded.audience,
         region_code = excluded.region_code, region_path = excluded.region_path, held_on = excluded.held_on,
         participants = excluded.participants, organizer = excluded.organizer, attributes = excluded.attributes
       returning (xmax = 0) as inserted`,
      [payload],
    ),
  );
  const inserted = written.filter((r) => r.inserted).length;
  return { inserted, updated: written.length - inserted };
}

/** The sessions held in [from, to) in the region and below, by day. */
export async function listTrainingSessions(
  em: EntityManager,
  filter: TrainingFilter = {},
): Promise<TrainingSessionRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.regionCode) {
    const [region] = await runSql<{ path: string }>(em, 'select path from region where code = ?', [
      filter.regionCode.trim(),
    ]);
    if (!region) throw new NotFoundError('Region', filter.regionCode);
    where.push(`t.region_path like ? || '%'`);
    params.push(region.path);
  }
  if (filter.from) {
    where.push('t.held_on >= ?::date');
    params.push(filter.from);
  }
  if (filter.to) {
    where.push('t.held_on < ?::date');
    params.push(filter.to);
  }
  if (filter.kind) {
    where.push('t.kind = ?');
    params.push(filter.kind);
  }
  if (filter.audience) {
    where.push('t.audience = ?');
    params.push(filter.audience);
  }
  return runSql<TrainingSessionRow>(
    em,
    `select t.id::text as id, t.code, t.kind, t.title, t.audience, t.region_code as "regionCode",
            t.region_path as "regionPath", to_char(t.held_on, 'YYYY-MM-DD') as "heldOn", t.participants,
            t.organizer, t.attributes
       from training_session t
      ${where.length ? `where ${where.join(' and ')}` : ''}
      order by t.held_on, t.code`,
    params,
  );
}
