import type { EntityManager } from '@mikro-orm/postgresql';
import { withConnection } from '../db/tx';
import { DomainError, NotFoundError } from '../runtime/errors';
import { describeUnit } from './units';
import { OPEN_STATUSES } from './workflow';

/**
 * Read-only reports on the events workflow for operators (`hub events overdue`, `hub events show`): plain
 * rows, no access checks — the CLI runs on the database with the operator's own credentials, as `hub fleet`
 * does. The GraphQL queues apply canSeeEvent instead.
 */

export interface OverdueEvent {
  id: string;
  code: string;
  title: string;
  status: string;
  holderUnit: string;
  deadlineAt: string;
  deadlineKind: string | null;
  /** Whole seconds past the deadline. */
  overdueSeconds: number;
  urgent: boolean;
  /** The highest card raised against the current deadline (yellow_card, red_card), or null if none yet. */
  supervision: string | null;
}

/**
 * Open events past their deadline, longest overdue first. With `unit`: events held by that unit or, for a
 * region unit, by any region unit below it (a township sees its villages' and grids' overdue steps).
 */
export async function overdueEvents(
  em: EntityManager,
  { unit = null, limit = 500 }: { unit?: string | null; limit?: number } = {},
): Promise<OverdueEvent[]> {
  return withConnection(em, async (tx) => {
    let scope: { code: string; path: string | null } | null = null;
    if (unit) {
      const u = await describeUnit(tx, unit).catch((error) => {
        if (error instanceof DomainError) {
          throw new DomainError('UNKNOWN_UNIT', `--unit: no unit ${JSON.stringify(unit)}`, { field: 'unit' });
        }
        throw error;
      });
      scope = { code: u.code, path: u.kind === 'region' ? u.path : null };
    }
    const rows = await tx.query<{
      id: string;
      code: string;
      title: string;
      status: string;
      holder_unit: string;
      deadline_at: Date;
      deadline_kind: string | null;
      overdue: string;
      urgent: boolean;
      card: string | null;
    }>(
      `select e.id, e.code, e.title, e.status::text as status, e.holder_unit, e.deadline_at, e.deadline_kind,
         floor(extract(epoch from now() - e.deadline_at)) as overdue, e.urgent,
         (select s.level::text from event_supervision s
            where s.event_id = e.id and s.auto and s.deadline_at = e.deadline_at
            order by (s.level = 'red_card') desc limit 1) as card
       from event e
       left join region h on h.code = e.holder_unit
       where e.deadline_at < now() and e.status = any($1::event_status[])
         and ($2::text is null or e.holder_unit = $2 or ($3::text is not null and h.path like $3 || '%'))
       order by e.deadline_at, e.id limit $4`,
      [`{${OPEN_STATUSES.join(',')}}`, scope?.code ?? null, scope?.path ?? null, limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      code: r.code,
      title: r.title,
      status: r.status,
      holderUnit: r.holder_unit,
      deadlineAt: new Date(r.deadline_at).toISOString(),
      deadlineKind: r.deadline_kind,
      overdueSeconds: Number(r.overdue),
      urgent: r.urgent,
      supervision: r.card,
    }));
  });
}

export interface EventReport {
  event: {
    id: string;
    code: string;
    kind: string;
    title: string;
    status: string;
    regionCode: string;
    typeCode: string | null;
    description: string | null;
    occurredAt: string;
    reportedAt: string | null;
    reportedBy: string | null;
    holderUnit: string | null;
    holderSince: string | null;
    route: Array<{ unit: string; via: string }>;
    stepSeq: number;
    urgent: boolean;
    hardCase: boolean;
    deadlineAt: string | null;
    deadlineKind: string | null;
    acceptedAt: string | null;
    resolvedAt: string | null;
    resolvedByUnit: string | null;
    resolvedSuccessfully: boolean | null;
    resolutionMethod: string | null;
    resolutionNote: string | null;
  };
  steps: Array<{
    seq: number | null;
    at: string;
    operation: string | null;
    step: string;
    unit: string;
    actor: string | null;
    fromStatus: string | null;
    toStatus: string | null;
    toUnit: string | null;
    comment: string | null;
    verified: boolean | null;
    attachments: string[];
  }>;
  supervisions: Array<{
    at: string;
    level: string;
    unit: string;
    supervisor: string | null;
    targetUnit: string | null;
    auto: boolean;
    opinion: string | null;
  }>;
  extensions: Array<{
    id: string;
    days: number;
    reason: string;
    status: string;
    requestedByUnit: string;
    requestedAt: string;
    decidedByUnit: string | null;
    decidedAt: string | null;
    note: string | null;
  }>;
  /** Metadata only: the bytes are served through the API to those who may see the event. */
  attachments: Array<{
    id: string;
    contentType: string;
    size: number;
    sha256: string;
    fileName: string | null;
    uploadedBy: string;
    createdAt: string;
  }>;
  copies: Array<{ unit: string; copiedBy: string; at: string }>;
}

const iso = (v: unknown): string | null => (v == null ? null : new Date(v as string).toISOString());

/** One event by id (digits) or code, with its step log, supervisions, extensions, attachments and copies. */
export async function eventReport(em: EntityManager, idOrCode: string): Promise<EventReport> {
  const key = idOrCode.trim();
  return withConnection(em, async (tx) => {
    const [e] = await tx.query<Record<string, unknown>>(
      /^\d{1,19}$/.test(key)
        ? 'select * from event where id = $1::bigint'
        : 'select * from event where code = $1',
      [key],
    );
    if (!e) throw new NotFoundError('Event', key);
    const id = String(e.id);
    const [steps, supervisions, extensions, attachments, copies] = await Promise.all([
      tx.query<Record<string, unknown>>('select * from event_step where event_id = $1 order by at, id', [id]),
      tx.query<Record<string, unknown>>(
        'select * from event_supervision where event_id = $1 order by at, id',
        [id],
      ),
      tx.query<Record<string, unknown>>('select * from event_extension where event_id = $1 order by id', [
        id,
      ]),
      tx.query<Record<string, unknown>>(
        `select id, content_type, size, sha256, file_name, uploaded_by, created_at
         from event_attachment where event_id = $1 order by id`,
        [id],
      ),
      tx.query<Record<string, unknown>>('select * from event_copy where event_id = $1 order by id', [id]),
    ]);
    return {
      event: {
        id,
        code: e.code as string,
        kind: e.kind as string,
        title: e.title as string,
        status: e.status as string,
        regionCode: e.region_code as string,
        typeCode: (e.type_code as string | null) ?? null,
        description: (e.description as string | null) ?? null,
        occurredAt: iso(e.occurred_at)!,
        reportedAt: iso(e.reported_at),
        reportedBy: (e.reported_by as string | null) ?? null,
        holderUnit: (e.holder_unit as string | null) ?? null,
        holderSince: iso(e.holder_since),
        route: (e.route as Array<{ unit: string; via: string }>) ?? [],
        stepSeq: Number(e.step_seq),
        urgent: Boolean(e.urgent),
        hardCase: Boolean(e.hard_case),
        deadlineAt: iso(e.deadline_at),
        deadlineKind: (e.deadline_kind as string | null) ?? null,
        acceptedAt: iso(e.accepted_at),
        resolvedAt: iso(e.resolved_at),
        resolvedByUnit: (e.resolved_by_unit as string | null) ?? null,
        resolvedSuccessfully: (e.resolved_successfully as boolean | null) ?? null,
        resolutionMethod: (e.resolution_method as string | null) ?? null,
        resolutionNote: (e.resolution_note as string | null) ?? null,
      },
      steps: steps.map((s) => ({
        seq: s.step_seq == null ? null : Number(s.step_seq),
        at: iso(s.at)!,
        operation: (s.operation as string | null) ?? null,
        step: s.step as string,
        unit: s.unit as string,
        actor: ((s.actor ?? s.handler) as string | null) ?? null,
        fromStatus: (s.from_status as string | null) ?? null,
        toStatus: (s.to_status as string | null) ?? null,
        toUnit: (s.to_unit as string | null) ?? null,
        comment: (s.opinion as string | null) ?? null,
        verified: (s.verified as boolean | null) ?? null,
        attachments: ((s.attachments as unknown[]) ?? []).map(String),
      })),
      supervisions: supervisions.map((s) => ({
        at: iso(s.at)!,
        level: s.level as string,
        unit: s.unit as string,
        supervisor: (s.supervisor as string | null) ?? null,
        targetUnit: (s.target_unit as string | null) ?? null,
        auto: Boolean(s.auto),
        opinion: (s.opinion as string | null) ?? null,
      })),
      extensions: extensions.map((x) => ({
        id: String(x.id),
        days: Number(x.days),
        reason: x.reason as string,
        status: x.status as string,
        requestedByUnit: x.requested_by_unit as string,
        requestedAt: iso(x.requested_at)!,
        decidedByUnit: (x.decided_by_unit as string | null) ?? null,
        decidedAt: iso(x.decided_at),
        note: (x.note as string | null) ?? null,
      })),
      attachments: attachments.map((a) => ({
        id: String(a.id),
        contentType: a.content_type as string,
        size: Number(a.size),
        sha256: a.sha256 as string,
        fileName: (a.file_name as string | null) ?? null,
        uploadedBy: a.uploaded_by as string,
        createdAt: iso(a.created_at)!,
      })),
      copies: copies.map((c) => ({
        unit: c.unit as string,
        copiedBy: c.copied_by as string,
        at: iso(c.at)!,
      })),
    };
  });
}
