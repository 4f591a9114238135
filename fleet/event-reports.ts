import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { withConnection } from '../schema/db/tx';
import { EventStatus } from '../schema/events/event.entity';
import {
  type OperationResult,
  PHOTO_LIMITS,
  type ReportAttachment,
  type ReportInput,
  reportEvent,
} from '../schema/events/workflow.service';
import { DomainError } from '../schema/runtime/errors';
import { CertificateStatus } from './ca.entity';
import { normaliseSerial } from './certificates';

/**
 * Events reported from grid workers' handsets over mutual TLS. The reporter is whoever holds the client
 * certificate: the handset, its current assignment, the worker, and the worker's grid (the unit the event is
 * reported from). The handset's own id (`clientId`, generated on the handset before the first attempt) makes
 * a retry return the first event instead of creating a second one.
 */

/**
 * JSON with base64 photos: 6 photos of 5 MiB grow to 6 × 6.7 MiB in base64, plus the rest of the report.
 * Only the report route gets this limit; the handsets' other routes keep theirs.
 */
export const EVENT_REPORT_BODY_LIMIT = '42mb';
/** The most events one listing returns (a handset's screen shows a page, not the grid's history). */
export const GRID_EVENTS_MAX = 50;
const GRID_EVENTS_DEFAULT = 20;

/** A handset that may not report: unknown or revoked certificate, no current holder. Answered 403. */
export class HandsetRefused extends DomainError {}

export interface HandsetReporter {
  handsetId: string;
  deviceId: string;
  workerId: string;
  workerName: string;
  /** The worker's grid: the unit its reports come from, the region its listing shows. */
  grid: string;
}

/**
 * Reporters are remembered for a few seconds, so that a handset sending a burst costs one lookup, not one
 * per request: a revoked certificate is refused in the TLS handshake anyway, and a new assignment takes
 * effect within REPORTER_CACHE_MS. Refusals are not remembered.
 */
const REPORTER_CACHE_MS = 5_000;
const REPORTER_CACHE_MAX = 10_000;
const reporters = new Map<string, { reporter: HandsetReporter; until: number }>();

/** The handset holding certificate `serial`, its current holder and the holder's grid; or HandsetRefused. */
export async function reporterOf(em: EntityManager, serial: string): Promise<HandsetReporter> {
  const certSerial = normaliseSerial(serial);
  const now = Date.now();
  const hit = reporters.get(certSerial);
  if (hit && hit.until > now) return hit.reporter;
  const reporter = await lookUpReporter(em, certSerial);
  if (reporters.size >= REPORTER_CACHE_MAX) reporters.clear();
  reporters.set(certSerial, { reporter, until: now + REPORTER_CACHE_MS });
  return reporter;
}

async function lookUpReporter(em: EntityManager, certSerial: string): Promise<HandsetReporter> {
  const [row] = await withConnection(em, (tx) =>
    tx.query<{
      handset_id: string;
      device_id: string;
      cert_status: string;
      not_after: Date | string;
      worker_id: string | null;
      worker_name: string | null;
      grid_code: string | null;
    }>(
      `select h.id::text as handset_id, h.device_id, c.status as cert_status, c.not_after,
              w.id::text as worker_id, w.name as worker_name, w.grid_code
         from device_certificate c join handset h on h.id = c.handset_id
         left join assignment a on a.handset_id = h.id and a.until is null
         left join fleet_worker w on w.id = a.worker_id
        where c.serial = $1`,
      [certSerial],
    ),
  );
  if (!row) throw new HandsetRefused('CERT_UNKNOWN', `certificate ${certSerial} was not issued by this hub`);
  // The handshake refuses revoked certificates; this covers the moments before a new CRL is loaded.
  if (row.cert_status === CertificateStatus.REVOKED)
    throw new HandsetRefused('CERT_REVOKED', `certificate ${certSerial} is revoked`);
  if (new Date(row.not_after).getTime() <= Date.now())
    throw new HandsetRefused('CERT_EXPIRED', `certificate ${certSerial} has expired`);
  if (!row.worker_id || !row.grid_code) {
    throw new HandsetRefused(
      'HANDSET_NOT_ASSIGNED',
      `handset ${row.device_id} is not assigned to a grid worker; only an assigned handset reports events`,
      { field: 'handset', rule: 'CURRENT_ASSIGNMENT' },
    );
  }
  return {
    handsetId: row.handset_id,
    deviceId: row.device_id,
    workerId: row.worker_id,
    workerName: row.worker_name ?? '',
    grid: row.grid_code,
  };
}

// ——— The report's body ——————————————————————————————————————————————————————————————————————————————————

const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** The longest base64 text a photo within PHOTO_LIMITS.bytes can take (4 characters per 3 bytes). */
const MAX_BASE64 = Math.ceil(PHOTO_LIMITS.bytes / 3) * 4;

const optionalText = (max: number) => z.string().max(max).nullable().optional();

const ReportSchema = z.object({
  clientId: z.string(),
  title: z.string().max(200),
  typeCode: optionalText(20),
  description: optionalText(2000),
  placeCode: optionalText(40),
  latitude: z.number().min(-90).max(90).nullable().optional(),
  longitude: z.number().min(-180).max(180).nullable().optional(),
  occurredAt: z.string().max(40).nullable().optional(),
  parties: z
    .array(
      z.object({
        name: z.string().max(50),
        idNumber: optionalText(20),
        role: optionalText(40),
      }),
    )
    .max(50)
    .optional(),
  photos: z
    .array(
      z.object({
        contentType: z.string().max(100),
        data: z.string(),
        fileName: optionalText(200),
      }),
    )
    .optional(),
});

export interface HandsetReport {
  /** The handset's own id of the report; a retry carries the same one. */
  clientId: string;
  input: Omit<ReportInput, 'clientKey' | 'fromUnit'>;
}

function ruleOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return (issue as { input?: unknown }).input === undefined ? 'REQUIRED' : 'TYPE';
    case 'too_small':
    case 'too_big':
      return 'RANGE';
    default:
      return 'FORMAT';
  }
}

function invalid(field: string, rule: string, message: string, problems?: unknown[]): DomainError {
  return new DomainError('EVENT_REPORT_INVALID', `${field}: ${message}`, {
    field,
    rule,
    ...(problems ? { problems } : {}),
  });
}

/** `photos[0].data`, as the handset's developer would write the path. */
function fieldOf(path: PropertyKey[]): string {
  return (
    path.reduce<string>(
      (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
      '',
    ) || 'body'
  );
}

/** A photo's bytes from base64 (a `data:…;base64,` prefix is tolerated); the format is checked, not guessed. */
function decodePhoto(data: string, index: number): Buffer {
  const field = `photos[${index}].data`;
  const text = data.replace(/^data:[\w.+/-]+;base64,/, '').replace(/\s+/g, '');
  if (text.length > MAX_BASE64) {
    throw new DomainError(
      'PHOTO_TOO_LARGE',
      `photos[${index}] is about ${Math.floor((text.length * 3) / 4)} bytes; at most ${PHOTO_LIMITS.bytes} are accepted`,
      { field: `photos[${index}]`, rule: `≤ ${PHOTO_LIMITS.bytes} bytes` },
    );
  }
  if (!text) throw invalid(field, 'NOT_EMPTY', 'the photo is empty');
  // Node's decoder skips characters outside the alphabet; a decoded length short of what the text's length
  // promises is how a bad character shows (cheaper than a regular expression over megabytes).
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = Buffer.from(text, 'base64');
  if (text.length % 4 !== 0 || bytes.length !== (text.length / 4) * 3 - padding)
    throw invalid(field, 'BASE64', 'must be base64 (A–Z a–z 0–9 + /, padded with =)');
  return bytes;
}

/**
 * Validates a report body; throws EVENT_REPORT_INVALID naming the (first) field and its rule, with every
 * problem listed in `problems`. Photos are decoded here; their type (by magic bytes) and size are checked
 * again by reportEvent, which owns those limits.
 */
export function parseHandsetReport(body: unknown): HandsetReport {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw invalid('body', 'TYPE', 'a JSON object is required');
  const parsed = ReportSchema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({
      field: fieldOf(i.path),
      rule: ruleOf(i),
      message: i.message,
    }));
    const first = problems[0]!;
    throw invalid(first.field, first.rule, first.message, problems);
  }
  const r = parsed.data;
  if (!CLIENT_ID.test(r.clientId))
    throw invalid('clientId', 'FORMAT', '1–64 characters of A–Z, a–z, 0–9, _ or -');
  if (!r.title.trim()) throw invalid('title', 'REQUIRED', 'must not be empty');
  let occurredAt: Date | null = null;
  if (r.occurredAt) {
    occurredAt = new Date(r.occurredAt);
    if (Number.isNaN(occurredAt.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(r.occurredAt))
      throw invalid('occurredAt', 'FORMAT', 'an ISO 8601 date and time (2026-11-27T08:30:00+08:00)');
    // A handset's clock may run a little fast; a report from the future beyond that is a wrong date.
    if (occurredAt.getTime() > Date.now() + 10 * 60_000)
      throw invalid('occurredAt', 'NOT_FUTURE', 'lies in the future');
  }
  const photos = r.photos ?? [];
  if (photos.length > PHOTO_LIMITS.count)
    throw invalid('photos', `≤ ${PHOTO_LIMITS.count}`, `at most ${PHOTO_LIMITS.count} photos per report`);
  const decoded: ReportAttachment[] = photos.map((p, i) => ({
    contentType: p.contentType.trim().toLowerCase(),
    content: decodePhoto(p.data, i),
    fileName: p.fileName?.trim() || null,
  }));
  return {
    clientId: r.clientId,
    input: {
      title: r.title,
      typeCode: r.typeCode ?? null,
      description: r.description ?? null,
      placeCode: r.placeCode?.trim() || null,
      latitude: r.latitude ?? null,
      longitude: r.longitude ?? null,
      occurredAt,
      parties: (r.parties ?? []).map((p) => ({ name: p.name, idNumber: p.idNumber, role: p.role })),
      photos: decoded,
    },
  };
}

/**
 * Reports the event from the reporter's grid, up to the grid's village. The client key ties the report to
 * the handset, so two handsets choosing the same client id never collide.
 */
export function submitHandsetReport(
  em: EntityManager,
  reporter: HandsetReporter,
  report: HandsetReport,
): Promise<OperationResult & { created: boolean }> {
  return reportEvent(
    em,
    { name: `handset:${reporter.deviceId}`, units: [reporter.grid] },
    {
      ...report.input,
      clientKey: `handset:${reporter.handsetId}:${report.clientId}`,
      fromUnit: reporter.grid,
    },
  );
}

// ——— The grid's events ——————————————————————————————————————————————————————————————————————————————————

export interface GridEvent {
  eventId: string;
  code: string;
  title: string;
  status: EventStatus;
  holderUnit: string | null;
  occurredAt: string | null;
  reportedAt: string | null;
  deadlineAt: string | null;
}

const STATUSES = new Set<string>(Object.values(EventStatus));

/** The listing's query string: `status` one of EventStatus, `first` 1–GRID_EVENTS_MAX. */
export function parseGridEventsQuery(query: Record<string, unknown>): {
  status: EventStatus | null;
  first: number;
} {
  const status = typeof query.status === 'string' && query.status ? query.status : null;
  if (status !== null && !STATUSES.has(status))
    throw invalid('status', 'ENUM', `one of ${[...STATUSES].join(', ')}`);
  let first = GRID_EVENTS_DEFAULT;
  if (query.first !== undefined && query.first !== '') {
    first = Number(query.first);
    if (!Number.isInteger(first) || first < 1 || first > GRID_EVENTS_MAX)
      throw invalid('first', 'RANGE', `a whole number from 1 to ${GRID_EVENTS_MAX}`);
  }
  return { status: status as EventStatus | null, first };
}

const iso = (v: Date | string | null) => (v == null ? null : new Date(v).toISOString());

/** The events of a grid (its region), newest first. */
export async function gridEvents(
  em: EntityManager,
  grid: string,
  { status, first }: { status: EventStatus | null; first: number },
): Promise<GridEvent[]> {
  const rows = await withConnection(em, (tx) =>
    tx.query<{
      id: string;
      code: string;
      title: string;
      status: EventStatus;
      holder_unit: string | null;
      occurred_at: Date | string | null;
      reported_at: Date | string | null;
      deadline_at: Date | string | null;
    }>(
      `select id::text, code, title, status, holder_unit, occurred_at, reported_at, deadline_at
         from event where region_code = $1 and ($2::text is null or status::text = $2)
        order by occurred_at desc, id desc limit $3`,
      [grid, status, Math.min(first, GRID_EVENTS_MAX)],
    ),
  );
  return rows.map((r) => ({
    eventId: r.id,
    code: r.code,
    title: r.title,
    status: r.status,
    holderUnit: r.holder_unit,
    occurredAt: iso(r.occurred_at),
    reportedAt: iso(r.reported_at),
    deadlineAt: iso(r.deadline_at),
  }));
}
