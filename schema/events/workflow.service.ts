import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { filterCode } from '../common/listing';
import { inTransaction, type Tx, withConnection } from '../db/tx';
import { validateCitizenId } from '../identifiers/citizen-id';
import { DomainError, NotFoundError } from '../runtime/errors';
import { EventKind, EventStatus } from './event.entity';
import { SupervisionLevel } from './event-detail.entity';
import { countyUnit, describeUnit, isAbove, type Unit } from './units';
import { allowedOperations, EventOperation, OPEN_STATUSES, type Relation } from './workflow';

/**
 * Applies the workflow (./workflow.ts) to events in the database. Every operation runs in one transaction on
 * the event's row lock: it checks the caller's expected step (a concurrent change is a CONFLICT naming what
 * happened), the caller's relation to the holder and the status (a refused operation lists the allowed ones),
 * then moves the event, writes the step log (who, unit, when, comment, attachments), notifications and the
 * new deadline. What must happen after commit — scheduling the deadline's delayed job, pushing notifications
 * to subscribers — is returned to the caller (gateway, workers), which owns Redis.
 *
 * Deadlines: entering awaiting_acceptance gives the new holder `accept_within`; accepting gives
 * `resolve_within` (`hard_resolve_within` for a hard case); a resolution awaits verification within
 * `accept_within`; a failed verification gives the resolver `resolve_within` again; extensions move the
 * deadline, never beyond `max_within` after acceptance. Limits come from event_time_limit, most specific row
 * first (level of the holding unit, then type prefix). An overdue deadline raises a yellow card, and a red one
 * `red_after` later, each exactly once (a unique index on the automatic supervisions).
 */

export interface WorkflowActor {
  /** The principal's name, or handset:<device id>. */
  name: string;
  /** The units it acts for: its region unit and/or departments. */
  units: string[];
  /** Administrators act as the county centre too. */
  admin?: boolean;
}

export interface OperationInput {
  op: EventOperation;
  /** The event's stepSeq the caller saw; a different current one is a CONFLICT. */
  expectedStep?: number | null;
  comment?: string | null;
  /** DISPATCH: the unit below, or dept:<role>. */
  toUnit?: string | null;
  /** REPORT_UP: departments to copy (抄告). */
  copyTo?: string[] | null;
  /** VERIFY: passed or failed. */
  passed?: boolean | null;
  /** SET_URGENT. */
  urgent?: boolean | null;
  /** ACCEPT: a hard case gets the longer limit. */
  hardCase?: boolean | null;
  /** REQUEST_EXTENSION: days asked for. */
  days?: number | null;
  /** DECIDE_EXTENSION. */
  approve?: boolean | null;
  /** SUPERVISE. */
  level?: SupervisionLevel | null;
  /** RESOLVE of a dispute: the resolution block. */
  resolution?: { successful?: boolean | null; method?: string | null } | null;
  /** Ids of attachments already uploaded to this event. */
  attachmentIds?: string[] | null;
}

export interface Notice {
  unit: string;
  kind: string;
  eventId: string;
  eventCode: string;
  message: string;
}

export interface DeadlineSet {
  eventId: string;
  /** The deadline, ISO; a delayed job fires then (stage yellow). */
  at: string;
  kind: string;
}

export interface OperationResult {
  eventId: string;
  code: string;
  op: EventOperation | 'REPORT';
  status: EventStatus;
  holderUnit: string | null;
  stepSeq: number;
  /** The new deadline to schedule, when it changed. */
  deadline: DeadlineSet | null;
  notices: Notice[];
}

interface EventRow {
  id: string;
  code: string;
  kind: EventKind;
  title: string;
  status: EventStatus;
  holder_unit: string | null;
  route: Array<{ unit: string; via: string }>;
  step_seq: number;
  hard_case: boolean;
  deadline_at: Date | null;
  deadline_kind: string | null;
  accepted_at: Date | null;
  resolved_by_unit: string | null;
  type_code: string | null;
  region_path: string;
}

const STEP_LABEL: Record<EventOperation | 'REPORT', string> = {
  REPORT: '上报',
  ACCEPT: '受理',
  REPORT_UP: '上报',
  DISPATCH: '交办',
  HANDLE: '办理',
  RESOLVE: '办结',
  VERIFY: '核查',
  ARCHIVE: '归档',
  RETURN: '回退',
  ABORT: '关闭',
  SET_URGENT: '加急',
  REQUEST_EXTENSION: '延时申请',
  DECIDE_EXTENSION: '延时审批',
  SUPERVISE: '督办',
};

const MAX_COMMENT = 2_000;

async function lockEvent(tx: Tx, eventId: string): Promise<EventRow> {
  if (!/^\d{1,19}$/.test(eventId)) {
    throw new DomainError('BAD_ID', `event id ${JSON.stringify(eventId)} must be a number`, { field: 'id' });
  }
  const [e] = await tx.query<EventRow>(
    `select id, code, kind, title, status, holder_unit, route, step_seq, hard_case, deadline_at, deadline_kind,
       accepted_at, resolved_by_unit, type_code, region_path from event where id = $1 for update`,
    [eventId],
  );
  if (!e) throw new NotFoundError('Event', eventId);
  return e;
}

/** The limits for a holder's level and the event's type, most specific first, in seconds. */
export async function limitsFor(
  tx: Tx,
  level: string,
  typeCode: string | null,
): Promise<{ accept: number; resolve: number; hardResolve: number; max: number; redAfter: number }> {
  const [l] = await tx.query<Record<string, string>>(
    `select extract(epoch from accept_within) as accept, extract(epoch from resolve_within) as resolve,
       extract(epoch from hard_resolve_within) as hard, extract(epoch from max_within) as max,
       extract(epoch from red_after) as red
     from event_time_limit where level in ($1, '*') and coalesce($2, '') like type_prefix || '%'
     order by (level = $1) desc, length(type_prefix) desc limit 1`,
    [level, typeCode],
  );
  if (!l) throw new DomainError('NO_TIME_LIMITS', 'event_time_limit has no row for any level and type');
  return {
    accept: Number(l.accept),
    resolve: Number(l.resolve),
    hardResolve: Number(l.hard),
    max: Number(l.max),
    redAfter: Number(l.red),
  };
}

/** How the actor relates to the holder, and the unit it acts as in each relation. */
export async function relate(
  tx: Tx,
  actor: WorkflowActor,
  holder: Unit,
): Promise<{ relations: Relation[]; holderUnit: string | null; superiorUnit: Unit | null }> {
  const units = [...actor.units];
  if (actor.admin) units.push(await countyUnit(tx));
  const relations: Relation[] = [];
  let holderUnit: string | null = null;
  let superiorUnit: Unit | null = null;
  if (units.includes(holder.code)) {
    relations.push('holder');
    holderUnit = holder.code;
  }
  for (const code of new Set(units)) {
    if (code === holder.code) continue;
    const unit = await describeUnit(tx, code).catch(() => null);
    if (unit && isAbove(unit, holder)) {
      if (!superiorUnit || unit.path.length > superiorUnit.path.length) superiorUnit = unit;
    }
  }
  if (superiorUnit) relations.push('superior');
  return { relations, holderUnit, superiorUnit };
}

function text(value: string | null | undefined, field: string, required = false): string | null {
  const t = value?.trim() ?? '';
  if (!t) {
    if (required) throw new DomainError('REQUIRED', `${field} is required`, { field, rule: 'REQUIRED' });
    return null;
  }
  if (t.length > MAX_COMMENT) {
    throw new DomainError('TOO_LONG', `${field} is longer than ${MAX_COMMENT} characters`, {
      field,
      rule: 'TOO_LONG',
    });
  }
  return t;
}

export async function pendingExtension(tx: Tx, eventId: string) {
  const [x] = await tx.query<{ id: string; days: number }>(
    `select id, days from event_extension where event_id = $1 and status = 'pending' order by id limit 1`,
    [eventId],
  );
  return x ?? null;
}

async function checkAttachments(
  tx: Tx,
  eventId: string,
  ids: string[] | null | undefined,
): Promise<string[]> {
  const list = [...new Set(ids ?? [])];
  if (!list.length) return [];
  const found = await tx.query<{ id: string }>(
    'select id from event_attachment where event_id = $1 and id::text = any($2::text[])',
    [eventId, list],
  );
  const missing = list.filter((id) => !found.some((f) => String(f.id) === id));
  if (missing.length) {
    throw new DomainError('UNKNOWN_ATTACHMENT', `attachments ${missing.join(', ')} are not this event's`, {
      field: 'attachmentIds',
      rule: 'UNKNOWN_ATTACHMENT',
    });
  }
  return list;
}

/** Applies one operation; see the module comment. */
export async function act(
  em: EntityManager,
  actor: WorkflowActor,
  eventId: string,
  input: OperationInput,
): Promise<OperationResult> {
  return inTransaction(em, async (tx) => {
    const e = await lockEvent(tx, eventId);
    if (input.expectedStep != null && input.expectedStep !== e.step_seq) {
      const [last] = await tx.query<{ operation: string | null; actor: string | null; at: Date }>(
        'select operation, actor, at from event_step where event_id = $1 order by id desc limit 1',
        [e.id],
      );
      throw new DomainError(
        'CONFLICT',
        `event ${e.code} changed since step ${input.expectedStep}: it is at step ${e.step_seq}` +
          (last?.operation
            ? ` (${last.operation} by ${last.actor} at ${new Date(last.at).toISOString()})`
            : '') +
          '; reload it and try again',
        { field: 'expectedStep', rule: 'CONFLICT', currentStep: e.step_seq, status: e.status },
      );
    }
    if (!e.holder_unit) {
      throw new DomainError('NOT_IN_WORKFLOW', `event ${e.code} is imported history, not held by any unit`, {
        field: 'id',
        rule: 'NOT_IN_WORKFLOW',
      });
    }
    const holder = await describeUnit(tx, e.holder_unit);
    const { relations, superiorUnit } = await relate(tx, actor, holder);
    if (!relations.length) {
      throw new DomainError(
        'NOT_HOLDER',
        `event ${e.code} is held by ${holder.code}; ${actor.name} (${actor.units.join(', ') || 'no unit'}) neither holds it nor is above its holder`,
        { field: 'id', rule: 'NOT_HOLDER', holder: holder.code },
      );
    }
    const pending = await pendingExtension(tx, e.id);
    const allowed = allowedOperations(
      {
        status: e.status,
        canReturn: e.route.length > 0,
        hasSuperior: holder.superior !== null,
        pendingExtension: pending !== null,
      },
      relations,
    );
    if (!allowed.includes(input.op)) {
      throw new DomainError(
        'OPERATION_NOT_ALLOWED',
        `${input.op} is not allowed on event ${e.code} (${e.status}, held by ${holder.code}); allowed: ${allowed.join(', ') || 'none'}`,
        { field: 'op', rule: 'OPERATION_NOT_ALLOWED', status: e.status, holder: holder.code, allowed },
      );
    }
    // Holder operations act as the holder; superior-only ones as the actor's nearest unit above it.
    const holderOps = relations.includes('holder');
    const actingUnit =
      holderOps && !['SUPERVISE', 'DECIDE_EXTENSION'].includes(input.op) ? holder.code : superiorUnit!.code;
    const comment = text(input.comment, 'comment', ['RETURN', 'ABORT'].includes(input.op));
    const attachments = await checkAttachments(tx, e.id, input.attachmentIds);
    const notices: Notice[] = [];
    const notify = (unit: string, kind: string, message: string) =>
      notices.push({ unit, kind, eventId: e.id, eventCode: e.code, message });

    let status = e.status;
    let holderUnit: string | null = holder.code;
    let route = e.route;
    let deadline: { seconds: number; kind: string } | null | 'keep' = 'keep';
    let deadlineAt: string | null = null;
    const set: Record<string, unknown> = {};
    let toUnit: string | null = null;
    let verified: boolean | null = null;

    switch (input.op) {
      case EventOperation.ACCEPT: {
        status = EventStatus.IN_PROGRESS;
        const hard = input.hardCase ?? e.hard_case;
        const limits = await limitsFor(tx, holder.level, e.type_code);
        deadline = { seconds: hard ? limits.hardResolve : limits.resolve, kind: 'resolve' };
        set.hard_case = hard;
        set.accepted_at = 'now';
        break;
      }
      case EventOperation.REPORT_UP:
      case EventOperation.DISPATCH: {
        const target =
          input.op === EventOperation.REPORT_UP
            ? await describeUnit(tx, holder.superior!)
            : await describeUnit(tx, text(input.toUnit, 'toUnit', true)!);
        if (
          input.op === EventOperation.DISPATCH &&
          !(target.kind === 'department' || isAbove(holder, target))
        ) {
          throw new DomainError(
            'BAD_DISPATCH',
            `${holder.code} can dispatch only to a unit below it or to a department, not to ${target.code}`,
            { field: 'toUnit', rule: 'BAD_DISPATCH' },
          );
        }
        status = EventStatus.AWAITING_ACCEPTANCE;
        holderUnit = target.code;
        toUnit = target.code;
        route = [
          ...route,
          { unit: holder.code, via: input.op === EventOperation.DISPATCH ? 'dispatch' : 'report_up' },
        ];
        const limits = await limitsFor(tx, target.level, e.type_code);
        deadline = { seconds: limits.accept, kind: 'accept' };
        notify(
          target.code,
          input.op === EventOperation.DISPATCH ? 'dispatch' : 'report',
          `${STEP_LABEL[input.op]}: ${e.title}`,
        );
        for (const copy of input.op === EventOperation.REPORT_UP ? (input.copyTo ?? []) : []) {
          const dept = await describeUnit(tx, copy);
          if (dept.kind !== 'department') {
            throw new DomainError('BAD_COPY', `copies go to departments (dept:<role>), not ${copy}`, {
              field: 'copyTo',
              rule: 'BAD_COPY',
            });
          }
          await tx.query(
            'insert into event_copy (event_id, unit, copied_by) values ($1, $2, $3) on conflict do nothing',
            [e.id, dept.code, actor.name],
          );
          notify(dept.code, 'copy', `抄告: ${e.title}`);
        }
        break;
      }
      case EventOperation.HANDLE:
        break;
      case EventOperation.RESOLVE: {
        // Verified by the unit that dispatched it here; one that took it up itself verifies its own work.
        const last = route[route.length - 1];
        const verifier = last?.via === 'dispatch' ? last.unit : holder.code;
        status = EventStatus.RESOLVED_AWAITING_VERIFICATION;
        holderUnit = verifier;
        set.resolved_by_unit = holder.code;
        set.resolved_at = 'now';
        if (comment) set.resolution_note = comment;
        if (e.kind === EventKind.DISPUTE) {
          if (input.resolution?.successful == null) {
            throw new DomainError('REQUIRED', 'resolving a dispute needs resolution.successful', {
              field: 'resolution.successful',
              rule: 'REQUIRED',
            });
          }
          set.resolved_successfully = input.resolution.successful;
          if (input.resolution.method) {
            set.resolution_method = filterCode(
              'resolution.method',
              'resolution_method',
              input.resolution.method,
            );
          }
          set.resolving_organization = holder.name;
        }
        const limits = await limitsFor(tx, (await describeUnit(tx, verifier)).level, e.type_code);
        deadline = { seconds: limits.accept, kind: 'verify' };
        if (verifier !== holder.code) notify(verifier, 'verify', `待核查: ${e.title}`);
        break;
      }
      case EventOperation.VERIFY: {
        if (input.passed == null) {
          throw new DomainError('REQUIRED', 'VERIFY needs passed: true or false', {
            field: 'passed',
            rule: 'REQUIRED',
          });
        }
        verified = input.passed;
        if (input.passed) {
          status = EventStatus.VERIFIED;
          deadline = null;
        } else {
          status = EventStatus.VERIFICATION_FAILED;
          holderUnit = e.resolved_by_unit ?? holder.code;
          const back = await describeUnit(tx, holderUnit);
          const limits = await limitsFor(tx, back.level, e.type_code);
          deadline = { seconds: limits.resolve, kind: 'resolve' };
          if (holderUnit !== holder.code) notify(holderUnit, 'verification_failed', `核查未通过: ${e.title}`);
        }
        break;
      }
      case EventOperation.ARCHIVE:
        status = EventStatus.ARCHIVED;
        deadline = null;
        break;
      case EventOperation.RETURN: {
        const last = route[route.length - 1]!;
        route = route.slice(0, -1);
        holderUnit = last.unit;
        toUnit = last.unit;
        status = EventStatus.IN_PROGRESS;
        const back = await describeUnit(tx, last.unit);
        const limits = await limitsFor(tx, back.level, e.type_code);
        deadline = { seconds: limits.resolve, kind: 'resolve' };
        notify(last.unit, 'return', `回退: ${e.title}`);
        break;
      }
      case EventOperation.ABORT:
        status = EventStatus.CLOSED;
        deadline = null;
        break;
      case EventOperation.SET_URGENT:
        set.urgent = input.urgent ?? true;
        break;
      case EventOperation.REQUEST_EXTENSION: {
        const days = input.days ?? 0;
        if (!Number.isInteger(days) || days < 1 || days > 15) {
          throw new DomainError('BAD_DAYS', 'an extension is 1 to 15 whole days', {
            field: 'days',
            rule: '1..15',
          });
        }
        await tx.query(
          `insert into event_extension (event_id, days, reason, requested_by_unit, requested_by)
           values ($1, $2, $3, $4, $5)`,
          [e.id, days, text(input.comment, 'comment', true), holder.code, actor.name],
        );
        notify(holder.superior!, 'extension', `延时申请 ${days} 天: ${e.title}`);
        break;
      }
      case EventOperation.DECIDE_EXTENSION: {
        if (input.approve == null) {
          throw new DomainError('REQUIRED', 'DECIDE_EXTENSION needs approve: true or false', {
            field: 'approve',
            rule: 'REQUIRED',
          });
        }
        await tx.query(
          `update event_extension set status = $2, decided_by_unit = $3, decided_by = $4, decided_at = now(), note = $5
           where id = $1`,
          [pending!.id, input.approve ? 'approved' : 'rejected', actingUnit, actor.name, comment],
        );
        if (input.approve && e.deadline_at) {
          const limits = await limitsFor(tx, holder.level, e.type_code);
          const [d] = await tx.query<{ at: Date }>(
            `select least($1::timestamptz + make_interval(days => $2),
                coalesce($3::timestamptz, now()) + make_interval(secs => $4)) as at`,
            [e.deadline_at, pending!.days, e.accepted_at, limits.max],
          );
          deadlineAt = new Date(d!.at).toISOString();
        }
        notify(holder.code, 'extension', `延时申请${input.approve ? '已批准' : '未批准'}: ${e.title}`);
        break;
      }
      case EventOperation.SUPERVISE: {
        const level = input.level ?? SupervisionLevel.NORMAL;
        await tx.query(
          `insert into event_supervision (event_id, level, unit, supervisor, at, opinion, target_unit, step_seq)
           values ($1, $2, $3, $4, now(), $5, $6, $7)`,
          [e.id, level, actingUnit, actor.name, comment, holder.code, e.step_seq + 1],
        );
        notify(holder.code, 'supervision', `督办(${level}): ${e.title}`);
        break;
      }
    }

    // The new deadline, computed in the database's clock.
    if (deadline !== 'keep') {
      if (deadline) {
        const [d] = await tx.query<{ at: Date }>(`select now() + make_interval(secs => $1) as at`, [
          deadline.seconds,
        ]);
        deadlineAt = new Date(d!.at).toISOString();
        set.deadline_kind = deadline.kind;
      } else set.deadline_kind = null;
    }
    const newDeadline = deadline === 'keep' ? (deadlineAt ?? undefined) : deadlineAt;
    const [updated] = await tx.query<{ step_seq: number }>(
      `update event set status = $2, holder_unit = $3::varchar,
         holder_since = case when holder_unit is distinct from $3::varchar or status <> $2::event_status then now() else holder_since end,
         route = $4::jsonb, step_seq = step_seq + 1, updated_at = now(),
         deadline_at = case when $5::boolean then $6::timestamptz else deadline_at end,
         deadline_kind = case when $7::boolean then $8 else deadline_kind end,
         hard_case = coalesce($9, hard_case), urgent = coalesce($10, urgent),
         accepted_at = case when $11::boolean then now() else accepted_at end,
         resolved_by_unit = coalesce($12, resolved_by_unit),
         resolved_at = case when $13::boolean then now() else resolved_at end,
         resolution_note = coalesce($14, resolution_note),
         resolved_successfully = coalesce($15, resolved_successfully),
         resolution_method = coalesce($16, resolution_method),
         resolving_organization = coalesce($17, resolving_organization)
       where id = $1 returning step_seq`,
      [
        e.id,
        status,
        holderUnit,
        JSON.stringify(route),
        newDeadline !== undefined,
        newDeadline ?? null,
        'deadline_kind' in set,
        (set.deadline_kind as string | null | undefined) ?? null,
        (set.hard_case as boolean | undefined) ?? null,
        (set.urgent as boolean | undefined) ?? null,
        set.accepted_at === 'now',
        (set.resolved_by_unit as string | undefined) ?? null,
        set.resolved_at === 'now',
        (set.resolution_note as string | undefined) ?? null,
        (set.resolved_successfully as boolean | undefined) ?? null,
        (set.resolution_method as string | undefined) ?? null,
        (set.resolving_organization as string | undefined) ?? null,
      ],
    );
    const stepSeq = updated!.step_seq;
    await logStep(tx, e.id, {
      op: input.op,
      unit: actingUnit,
      actor: actor.name,
      comment,
      stepSeq,
      fromStatus: e.status,
      toStatus: status,
      toUnit,
      attachments,
      verified,
    });
    await writeNotices(tx, notices);
    return {
      eventId: e.id,
      code: e.code,
      op: input.op,
      status,
      holderUnit,
      stepSeq,
      deadline: newDeadline
        ? {
            eventId: e.id,
            at: newDeadline,
            kind: (set.deadline_kind as string) ?? e.deadline_kind ?? 'resolve',
          }
        : null,
      notices,
    };
  });
}

async function logStep(
  tx: Tx,
  eventId: string,
  s: {
    op: EventOperation | 'REPORT';
    unit: string;
    actor: string;
    comment: string | null;
    stepSeq: number;
    fromStatus: string | null;
    toStatus: string;
    toUnit: string | null;
    attachments: string[];
    verified?: boolean | null;
  },
): Promise<void> {
  await tx.query(
    `insert into event_step (event_id, step, unit, at, handler, opinion, verifier, verified, verification_opinion,
       operation, step_seq, from_status, to_status, to_unit, actor, attachments)
     values ($1, $2, $3, now(), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $4, $14::jsonb)`,
    [
      eventId,
      STEP_LABEL[s.op],
      s.unit,
      s.actor,
      s.comment,
      s.verified != null ? s.actor : null,
      s.verified ?? null,
      s.verified != null ? s.comment : null,
      s.op,
      s.stepSeq,
      s.fromStatus,
      s.toStatus,
      s.toUnit,
      JSON.stringify(s.attachments),
    ],
  );
}

async function writeNotices(tx: Tx, notices: Notice[]): Promise<void> {
  for (const n of notices) {
    await tx.query('insert into event_notification (unit, event_id, kind, message) values ($1, $2, $3, $4)', [
      n.unit,
      n.eventId,
      n.kind,
      n.message,
    ]);
  }
}

// ——— Reports ————————————————————————————————————————————————————————————————————————————————————————————

export interface ReportParty {
  name: string;
  idNumber?: string | null;
  role?: string | null;
}

export interface ReportAttachment {
  contentType: string;
  content: Buffer;
  fileName?: string | null;
}

export interface ReportInput {
  /** A retry with the same key returns the first event instead of creating another. */
  clientKey?: string | null;
  /** The reporter's unit (a grid); the event belongs to its region. */
  fromUnit: string;
  /** Default: the reporter's superior (a grid's village). */
  toUnit?: string | null;
  kind?: EventKind;
  title: string;
  typeCode?: string | null;
  description?: string | null;
  placeCode?: string | null;
  latitude?: number | null;
  longitude?: number | null;
  occurredAt?: Date | null;
  parties?: ReportParty[];
  photos?: ReportAttachment[];
  copyTo?: string[];
}

export const PHOTO_LIMITS = { count: 6, bytes: 5 * 1024 * 1024 };
const PHOTO_TYPES: Array<{ type: string; test: (b: Buffer) => boolean }> = [
  { type: 'image/jpeg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  {
    type: 'image/png',
    test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  {
    type: 'image/webp',
    test: (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP',
  },
];

/** A photo's type from its bytes; the declared type must agree. */
export function checkPhoto(photo: ReportAttachment, index: number): void {
  const field = `photos[${index}]`;
  if (photo.content.length === 0) {
    throw new DomainError('EMPTY_PHOTO', `${field} is empty`, { field, rule: 'NOT_EMPTY' });
  }
  if (photo.content.length > PHOTO_LIMITS.bytes) {
    throw new DomainError(
      'PHOTO_TOO_LARGE',
      `${field} is ${photo.content.length} bytes; at most ${PHOTO_LIMITS.bytes} are accepted`,
      { field, rule: `≤ ${PHOTO_LIMITS.bytes} bytes` },
    );
  }
  const sniffed = PHOTO_TYPES.find((t) => t.test(photo.content))?.type;
  if (!sniffed || sniffed !== photo.contentType) {
    throw new DomainError(
      'PHOTO_TYPE',
      `${field} must be JPEG, PNG or WebP, its content matching its type (${photo.contentType}${sniffed ? `, content ${sniffed}` : ', content unrecognised'})`,
      { field, rule: PHOTO_TYPES.map((t) => t.type).join('|') },
    );
  }
}

/** Stores attachments for an event (deduplicated by checksum); returns their ids in order. */
export async function storeAttachments(
  tx: Tx,
  eventId: string,
  by: string,
  files: ReportAttachment[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const f of files) {
    const sha256 = createHash('sha256').update(f.content).digest('hex');
    const [row] = await tx.query<{ id: string }>(
      `insert into event_attachment (event_id, sha256, content_type, size, content, file_name, uploaded_by)
       values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (event_id, sha256) do update set sha256 = excluded.sha256 returning id`,
      [eventId, sha256, f.contentType, f.content.length, f.content, f.fileName ?? null, by],
    );
    ids.push(String(row!.id));
  }
  return ids;
}

/**
 * A new event reported up from a unit (a grid worker's handset, a centre's operator): awaiting acceptance
 * at the receiving unit. With a client key, a retry returns the first event (`created: false`).
 */
export async function reportEvent(
  em: EntityManager,
  actor: WorkflowActor,
  input: ReportInput,
): Promise<OperationResult & { created: boolean }> {
  const title = text(input.title, 'title', true)!;
  if (title.length > 200)
    throw new DomainError('TOO_LONG', 'title is longer than 200 characters', { field: 'title' });
  (input.photos ?? []).forEach(checkPhoto);
  if ((input.photos?.length ?? 0) > PHOTO_LIMITS.count) {
    throw new DomainError('TOO_MANY_PHOTOS', `at most ${PHOTO_LIMITS.count} photos per report`, {
      field: 'photos',
      rule: `≤ ${PHOTO_LIMITS.count}`,
    });
  }
  const parties = (input.parties ?? []).map((p, i) => {
    const name = text(p.name, `parties[${i}].name`, true)!.slice(0, 50);
    let idNumber: string | null = null;
    if (p.idNumber?.trim()) {
      const checked = validateCitizenId(p.idNumber, { acceptLegacy15: true });
      if (!checked.ok) {
        throw new DomainError('ID_NUMBER', `parties[${i}].idNumber: ${checked.message}`, {
          field: `parties[${i}].idNumber`,
          rule: checked.rule,
        });
      }
      idNumber = checked.value;
    }
    return { name, idNumber, role: p.role?.trim().slice(0, 40) || null };
  });
  if (input.latitude != null && (input.latitude < -90 || input.latitude > 90)) {
    throw new DomainError('COORDINATES', 'latitude must be within −90 … 90', { field: 'latitude' });
  }
  if (input.longitude != null && (input.longitude < -180 || input.longitude > 180)) {
    throw new DomainError('COORDINATES', 'longitude must be within −180 … 180', { field: 'longitude' });
  }
  const kind = input.kind ?? EventKind.INCIDENT;
  const typeCode = filterCode('typeCode', 'dispute_type', input.typeCode);
  const description = text(input.description, 'description');
  // Without photos or copies the whole write is the one statement below, atomic on its own: begin and commit
  // would add two round trips on a pooled connection to every handset report (tests/bench/RESULTS.md, events).
  const oneStatement = !input.photos?.length && !input.copyTo?.length;
  return (oneStatement ? withConnection : inTransaction)(em, async (tx) => {
    const from = await describeUnit(tx, input.fromUnit);
    if (from.kind !== 'region') {
      throw new DomainError('BAD_REPORTER', `reports come from a region unit, not ${from.code}`, {
        field: 'fromUnit',
      });
    }
    const to = await describeUnit(tx, input.toUnit ?? from.superior ?? from.code);
    let placeId: string | null = null;
    if (input.placeCode) {
      const [place] = await tx.query<{ id: string }>('select id from place where code = $1', [
        input.placeCode,
      ]);
      if (!place) throw new NotFoundError('Place', input.placeCode);
      placeId = place.id;
    }
    // One statement for the event, its first step, the receiving unit's notice and the parties: a handset's
    // report is a few round trips in all (tests/bench/RESULTS.md, events). A retried client key inserts nothing.
    const message = `上报: ${title}`;
    const [row] = await tx.query<{ id: string; code: string; deadline_at: Date }>(
      `with n as (select nextval('event_id_seq') as id),
       lim as (
         select accept_within from event_time_limit
          where level in ($16, '*') and coalesce($7, '') like type_prefix || '%'
          order by (level = $16) desc, length(type_prefix) desc limit 1),
       ev as (
         insert into event (id, code, kind, title, occurred_at, reported_at, region_code, region_path, place_id,
           type_code, description, status, holder_unit, holder_since, route, step_seq, deadline_at, deadline_kind,
           reported_by, client_key, latitude, longitude)
         select n.id, 'SB' || to_char(now() at time zone 'Asia/Shanghai', 'YYYYMMDD') || lpad(n.id::text, 10, '0'),
           $1, $2, coalesce($3, now()), now(), $4, $5, $6, $7, $8, 'awaiting_acceptance', $9, now(), $10::jsonb, 1,
           now() + lim.accept_within, 'accept', $11, $12, $13, $14
         from n, lim
         on conflict (client_key) do nothing
         returning id, code, deadline_at),
       st as (
         insert into event_step (event_id, step, unit, at, handler, opinion, operation, step_seq, to_status, to_unit,
           actor, attachments)
         select ev.id, '上报', $4, now(), $11, $8, 'REPORT', 1, 'awaiting_acceptance', $9, $11, '[]' from ev),
       nt as (
         insert into event_notification (unit, event_id, kind, message) select $9, ev.id, 'report', $15 from ev),
       pa as (
         insert into event_party (event_id, person_id, id_number, name, role)
         select ev.id, (select id from person where id_number = x.id_number), x.id_number, x.name, x.role
           from ev, unnest($17::text[], $18::text[], $19::text[]) as x(id_number, name, role))
       select id, code, deadline_at from ev`,
      [
        kind,
        title,
        input.occurredAt ?? null,
        from.code,
        from.path,
        placeId,
        typeCode,
        description,
        to.code,
        JSON.stringify([{ unit: from.code, via: 'report' }]),
        actor.name,
        input.clientKey ?? null,
        input.latitude ?? null,
        input.longitude ?? null,
        message,
        to.level,
        parties.map((p) => p.idNumber),
        parties.map((p) => p.name),
        parties.map((p) => p.role),
      ],
    );
    if (!row) {
      const [seen] = input.clientKey
        ? await tx.query<{ id: string }>('select id from event where client_key = $1', [input.clientKey])
        : [];
      if (!seen)
        throw new DomainError('NO_TIME_LIMITS', 'event_time_limit has no row for any level and type');
      return { ...(await currentState(tx, seen.id)), created: false };
    }
    const attachments = await storeAttachments(tx, row.id, actor.name, input.photos ?? []);
    if (attachments.length) {
      await tx.query(`update event_step set attachments = $2::jsonb where event_id = $1 and step_seq = 1`, [
        row.id,
        JSON.stringify(attachments),
      ]);
    }
    const notices: Notice[] = [
      { unit: to.code, kind: 'report', eventId: row.id, eventCode: row.code, message },
    ];
    const copies: Notice[] = [];
    for (const copy of input.copyTo ?? []) {
      const dept = await describeUnit(tx, copy);
      await tx.query(
        'insert into event_copy (event_id, unit, copied_by) values ($1, $2, $3) on conflict do nothing',
        [row.id, dept.code, actor.name],
      );
      copies.push({
        unit: dept.code,
        kind: 'copy',
        eventId: row.id,
        eventCode: row.code,
        message: `抄告: ${title}`,
      });
    }
    await writeNotices(tx, copies);
    return {
      eventId: row.id,
      code: row.code,
      op: 'REPORT',
      status: EventStatus.AWAITING_ACCEPTANCE,
      holderUnit: to.code,
      stepSeq: 1,
      deadline: { eventId: row.id, at: new Date(row.deadline_at).toISOString(), kind: 'accept' },
      notices: [...notices, ...copies],
      created: true,
    };
  });
}

async function currentState(tx: Tx, eventId: string): Promise<OperationResult> {
  const [e] = await tx.query<{
    id: string;
    code: string;
    status: EventStatus;
    holder_unit: string | null;
    step_seq: number;
  }>('select id, code, status, holder_unit, step_seq from event where id = $1', [eventId]);
  return {
    eventId: e!.id,
    code: e!.code,
    op: 'REPORT',
    status: e!.status,
    holderUnit: e!.holder_unit,
    stepSeq: e!.step_seq,
    deadline: null,
    notices: [],
  };
}

// ——— Deadlines ——————————————————————————————————————————————————————————————————————————————————————————

export type DeadlineStage = 'yellow' | 'red';

export interface DeadlineFired {
  fired: boolean;
  /** Why nothing happened: the deadline moved on, the event closed, or the card was raised already. */
  reason?: 'stale' | 'not_due' | 'already_fired';
  /** The red card's time after a yellow one. */
  next?: { stage: DeadlineStage; at: string };
  notices: Notice[];
}

/**
 * Fires one stage of an overdue deadline: an automatic supervision (yellow card, then red) on the holder, a
 * step in the log and a notice to the holder's superior. The card's step keeps the event's step number: it
 * does not change who holds what, so an operator's next action with the step number they saw still applies. Only if the deadline is still the event's current
 * one and due; a unique index makes a second firing (a retried job, the sweeper) a no-op.
 */
export async function fireDeadline(
  em: EntityManager,
  eventId: string,
  deadlineAt: string,
  stage: DeadlineStage,
): Promise<DeadlineFired> {
  return inTransaction(em, async (tx) => {
    const e = await lockEvent(tx, eventId);
    if (
      !e.deadline_at ||
      !OPEN_STATUSES.includes(e.status) ||
      new Date(e.deadline_at).getTime() !== Date.parse(deadlineAt)
    ) {
      return { fired: false, reason: 'stale', notices: [] };
    }
    const holder = await describeUnit(tx, e.holder_unit!);
    const limits = await limitsFor(tx, holder.level, e.type_code);
    const [due] = await tx.query<{ due: Date; now: Date }>(
      `select $1::timestamptz + make_interval(secs => $2) as due, now() as now`,
      [e.deadline_at, stage === 'red' ? limits.redAfter : 0],
    );
    if (new Date(due!.now) < new Date(due!.due)) return { fired: false, reason: 'not_due', notices: [] };
    const level = stage === 'yellow' ? SupervisionLevel.YELLOW_CARD : SupervisionLevel.RED_CARD;
    const superior = holder.superior ?? holder.code;
    const opinion = `${e.deadline_kind ?? 'step'} overdue since ${new Date(e.deadline_at).toISOString()}`;
    const inserted = await tx.query<{ id: string }>(
      `insert into event_supervision (event_id, level, unit, supervisor, at, opinion, target_unit, step_seq, deadline_at, auto)
       values ($1, $2, $3, 'system', now(), $4, $5, $6, $7, true)
       on conflict (event_id, deadline_at, level) where auto do nothing returning id`,
      [e.id, level, superior, opinion, holder.code, e.step_seq, e.deadline_at],
    );
    if (!inserted.length) return { fired: false, reason: 'already_fired', notices: [] };
    await tx.query(
      `insert into event_step (event_id, step, unit, at, handler, opinion, operation, step_seq, from_status, to_status, actor)
       values ($1, '督办', $2, now(), 'system', $3, 'SUPERVISE', $4, $5, $5, 'system')`,
      [e.id, superior, `${level}: ${opinion}`, e.step_seq, e.status],
    );
    const notices: Notice[] = [
      {
        unit: superior,
        kind: stage === 'yellow' ? 'overdue_yellow' : 'overdue_red',
        eventId: e.id,
        eventCode: e.code,
        message: `${stage === 'yellow' ? '黄牌' : '红牌'}督办: ${holder.code} 超时 (${e.title})`,
      },
    ];
    await writeNotices(tx, notices);
    const next =
      stage === 'yellow'
        ? {
            stage: 'red' as const,
            at: new Date(new Date(e.deadline_at).getTime() + limits.redAfter * 1000).toISOString(),
          }
        : undefined;
    return { fired: true, next, notices };
  });
}

/** Open events whose deadline has passed: what the sweeper re-fires if a delayed job was lost. */
export async function overdueDeadlines(
  em: EntityManager,
  limit = 500,
): Promise<Array<{ eventId: string; deadlineAt: string; yellow: boolean; red: boolean }>> {
  const rows = await withConnection(em, (tx) =>
    tx.query<{ id: string; deadline_at: Date; yellow: boolean; red: boolean }>(
      `select e.id, e.deadline_at,
         exists (select 1 from event_supervision s where s.event_id = e.id and s.auto and s.deadline_at = e.deadline_at
                   and s.level = 'yellow_card') as yellow,
         exists (select 1 from event_supervision s where s.event_id = e.id and s.auto and s.deadline_at = e.deadline_at
                   and s.level = 'red_card') as red
       from event e
       where e.deadline_at < now() and e.status = any($1::event_status[])
       order by e.deadline_at limit $2`,
      [`{${OPEN_STATUSES.join(',')}}`, limit],
    ),
  );
  return rows.map((r) => ({
    eventId: String(r.id),
    deadlineAt: new Date(r.deadline_at).toISOString(),
    yellow: r.yellow,
    red: r.red,
  }));
}
