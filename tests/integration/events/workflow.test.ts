import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSql } from '../../../schema/common/rows';
import { initORM, type MikroORM, migrate } from '../../../schema/db/orm';
import { EventKind, EventStatus } from '../../../schema/events/event.entity';
import { SupervisionLevel } from '../../../schema/events/event-detail.entity';
import { EventOperation } from '../../../schema/events/workflow';
import {
  act,
  fireDeadline,
  type Notice,
  type OperationInput,
  overdueDeadlines,
  reportEvent,
  type WorkflowActor,
} from '../../../schema/events/workflow.service';
import { demoCountyRegions } from '../../../schema/regions/demo-county';
import { loadRegionTree } from '../../../schema/regions/region.service';
import { DomainError } from '../../../schema/runtime/errors';
import { createLogger } from '../../../schema/runtime/logger';
import { HUB_ENTITIES } from '../../../workers/entities';
import { subscribeNotices } from '../../../workers/notices';
import { QueueRegistry, scheduleDeadline } from '../../../workers/queues';
import { workerConnection } from '../../../workers/redis';
import { type RunningWorkers, startWorkers } from '../../../workers/worker';
import { dropDatabase, recreateDatabase, scratchDatabaseName, TEST_REDIS_URL } from '../../support/services';

/**
 * The events workflow on real PostgreSQL through its domain services (act, reportEvent), and its deadlines
 * through real BullMQ workers on Redis: one event's whole life grid → village → township → county centre →
 * department and back, every refusal with its code, and overdue steps raising yellow then red cards once.
 */

const DB = scratchDatabaseName('evworkflow');
const COUNTY = '620725';
const TOWNSHIP = '620725101';
const VILLAGE = '620725101001';
const GRID = '620725101001-G01';
const OTHER_VILLAGE = '620725101002';
const POLICE = 'dept:public_security';
const CIVIL = 'dept:civil_affairs';

const grid: WorkflowActor = { name: 'grid-worker', units: [GRID] };
const village: WorkflowActor = { name: 'village-op', units: [VILLAGE] };
const township: WorkflowActor = { name: 'township-op', units: [TOWNSHIP] };
const county: WorkflowActor = { name: 'county-op', units: [COUNTY] };
const police: WorkflowActor = { name: 'police-op', units: [POLICE] };
const civil: WorkflowActor = { name: 'civil-op', units: [CIVIL] };

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('png body bytes'),
]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('jpeg body bytes')]);

let orm: MikroORM;
const em = () => orm.em.fork() as EntityManager;
const sql = <R = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  runSql<R>(em(), text, params);

let keys = 0;
const report = (extra: Partial<Parameters<typeof reportEvent>[2]> = {}) =>
  reportEvent(em(), grid, { fromUnit: GRID, title: `测试事件 ${++keys}`, ...extra });

/** The error an operation is refused with (fails the test if it succeeds). */
async function refusal(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected the operation to be refused');
}

async function event(id: string) {
  const [e] = await sql<{
    status: string;
    holder_unit: string;
    route: Array<{ unit: string; via: string }>;
    step_seq: number;
    urgent: boolean;
    deadline_at: Date | null;
    deadline_kind: string | null;
    accepted_at: Date | null;
    resolved_by_unit: string | null;
    resolved_successfully: boolean | null;
    resolution_method: string | null;
  }>('select * from event where id = $1', [id]);
  // Plain statements return timestamps as text.
  const at = (v: unknown) => (v == null ? null : new Date(v as string));
  return { ...e!, deadline_at: at(e!.deadline_at), accepted_at: at(e!.accepted_at) };
}

const steps = (id: string) =>
  sql<{
    operation: string;
    unit: string;
    actor: string;
    from_status: string | null;
    to_status: string;
    to_unit: string | null;
    step_seq: number;
  }>(
    `select operation, unit, actor, from_status, to_status, to_unit, step_seq
     from event_step where event_id = $1 order by id`,
    [id],
  );

beforeAll(async () => {
  const url = await recreateDatabase(DB);
  orm = await initORM({ url, poolMax: 6, statementTimeoutMs: 30_000, entities: HUB_ENTITIES });
  await migrate(orm);
  await loadRegionTree(em(), demoCountyRegions());
  // The notice channel is shared by every run on this Redis and each scratch database numbers events from 1:
  // ids of this run's own (still ten digits, as event codes pad them) keep other files' notices apart.
  await sql(`select setval('event_id_seq', $1)`, [process.pid * 1_000]);
});
afterAll(async () => {
  await orm?.close();
  await dropDatabase(DB);
});

describe('the workflow', () => {
  it('carries an event grid → village → township → county → department and back, verification failing once', async () => {
    const reported = await report({ title: '路灯损坏', clientKey: 'life-1' });
    const id = reported.eventId;
    expect(reported).toMatchObject({
      created: true,
      status: EventStatus.AWAITING_ACCEPTANCE,
      holderUnit: VILLAGE,
      stepSeq: 1,
      deadline: { eventId: id, kind: 'accept' },
    });
    expect(reported.notices).toEqual([expect.objectContaining({ unit: VILLAGE, kind: 'report' })]);

    // Each step: who acts, what, and where the event then is.
    const walk: Array<[WorkflowActor, OperationInput, string, string]> = [
      [village, { op: EventOperation.ACCEPT }, EventStatus.IN_PROGRESS, VILLAGE],
      [village, { op: EventOperation.REPORT_UP }, EventStatus.AWAITING_ACCEPTANCE, TOWNSHIP],
      [township, { op: EventOperation.ACCEPT }, EventStatus.IN_PROGRESS, TOWNSHIP],
      [township, { op: EventOperation.REPORT_UP }, EventStatus.AWAITING_ACCEPTANCE, COUNTY],
      [county, { op: EventOperation.ACCEPT }, EventStatus.IN_PROGRESS, COUNTY],
      [county, { op: EventOperation.DISPATCH, toUnit: POLICE }, EventStatus.AWAITING_ACCEPTANCE, POLICE],
      [police, { op: EventOperation.ACCEPT }, EventStatus.IN_PROGRESS, POLICE],
      [police, { op: EventOperation.HANDLE, comment: '已派民警' }, EventStatus.IN_PROGRESS, POLICE],
      [
        police,
        { op: EventOperation.RESOLVE, comment: '已修复' },
        EventStatus.RESOLVED_AWAITING_VERIFICATION,
        COUNTY,
      ],
      [
        county,
        { op: EventOperation.VERIFY, passed: false, comment: '未修好' },
        EventStatus.VERIFICATION_FAILED,
        POLICE,
      ],
      [
        police,
        { op: EventOperation.RESOLVE, comment: '已更换' },
        EventStatus.RESOLVED_AWAITING_VERIFICATION,
        COUNTY,
      ],
      [county, { op: EventOperation.VERIFY, passed: true }, EventStatus.VERIFIED, COUNTY],
      [county, { op: EventOperation.ARCHIVE }, EventStatus.ARCHIVED, COUNTY],
    ];
    let step = 1;
    for (const [actor, input, status, holder] of walk) {
      const result = await act(em(), actor, id, { ...input, expectedStep: step });
      step += 1;
      expect(result, `${input.op} by ${actor.name}`).toMatchObject({
        status,
        holderUnit: holder,
        stepSeq: step,
      });
      const e = await event(id);
      expect(e).toMatchObject({ status, holder_unit: holder, step_seq: step });
    }

    const e = await event(id);
    expect(e.route).toEqual([
      { unit: GRID, via: 'report' },
      { unit: VILLAGE, via: 'report_up' },
      { unit: TOWNSHIP, via: 'report_up' },
      { unit: COUNTY, via: 'dispatch' },
    ]);
    expect(e.resolved_by_unit).toBe(POLICE);
    expect(e.deadline_at).toBeNull();

    const A = EventStatus.AWAITING_ACCEPTANCE;
    const P = EventStatus.IN_PROGRESS;
    const R = EventStatus.RESOLVED_AWAITING_VERIFICATION;
    const F = EventStatus.VERIFICATION_FAILED;
    expect(
      (await steps(id)).map((s) => [
        s.step_seq,
        s.operation,
        s.unit,
        s.actor,
        s.from_status,
        s.to_status,
        s.to_unit,
      ]),
    ).toEqual([
      [1, 'REPORT', GRID, 'grid-worker', null, A, VILLAGE],
      [2, 'ACCEPT', VILLAGE, 'village-op', A, P, null],
      [3, 'REPORT_UP', VILLAGE, 'village-op', P, A, TOWNSHIP],
      [4, 'ACCEPT', TOWNSHIP, 'township-op', A, P, null],
      [5, 'REPORT_UP', TOWNSHIP, 'township-op', P, A, COUNTY],
      [6, 'ACCEPT', COUNTY, 'county-op', A, P, null],
      [7, 'DISPATCH', COUNTY, 'county-op', P, A, POLICE],
      [8, 'ACCEPT', POLICE, 'police-op', A, P, null],
      [9, 'HANDLE', POLICE, 'police-op', P, P, null],
      [10, 'RESOLVE', POLICE, 'police-op', P, R, null],
      [11, 'VERIFY', COUNTY, 'county-op', R, F, null],
      [12, 'RESOLVE', POLICE, 'police-op', F, R, null],
      [13, 'VERIFY', COUNTY, 'county-op', R, EventStatus.VERIFIED, null],
      [14, 'ARCHIVE', COUNTY, 'county-op', EventStatus.VERIFIED, EventStatus.ARCHIVED, null],
    ]);
    const [verdicts] = await sql<{ failed: string; passed: string }>(
      `select count(*) filter (where verified = false) as failed, count(*) filter (where verified) as passed
       from event_step where event_id = $1 and operation = 'VERIFY'`,
      [id],
    );
    expect(verdicts).toEqual({ failed: '1', passed: '1' });
    // Notices went to each receiving unit, and the failed verification back to the department.
    const notified = await sql<{ unit: string; kind: string }>(
      'select unit, kind from event_notification where event_id = $1 order by id',
      [id],
    );
    expect(notified).toEqual([
      { unit: VILLAGE, kind: 'report' },
      { unit: TOWNSHIP, kind: 'report' },
      { unit: COUNTY, kind: 'report' },
      { unit: POLICE, kind: 'dispatch' },
      { unit: COUNTY, kind: 'verify' },
      { unit: POLICE, kind: 'verification_failed' },
      { unit: COUNTY, kind: 'verify' },
    ]);
  });

  it('refuses an operation the state does not allow, listing the allowed ones', async () => {
    const { eventId } = await report();
    const refused = await refusal(act(em(), village, eventId, { op: EventOperation.RESOLVE }));
    expect(refused.code).toBe('OPERATION_NOT_ALLOWED');
    expect(refused.details).toMatchObject({
      status: EventStatus.AWAITING_ACCEPTANCE,
      holder: VILLAGE,
      allowed: ['ACCEPT', 'REPORT_UP', 'RETURN', 'ABORT', 'SET_URGENT'],
    });
    expect(refused.message).toContain('allowed: ACCEPT, REPORT_UP, RETURN, ABORT, SET_URGENT');
    // A superior sees only what a superior may do.
    const above = await refusal(act(em(), township, eventId, { op: EventOperation.ACCEPT }));
    expect(above.details.allowed).toEqual(['ABORT', 'SET_URGENT', 'SUPERVISE']);
    expect((await event(eventId)).step_seq).toBe(1);
  });

  it('refuses a stale expectedStep with CONFLICT, and of two concurrent ACCEPTs exactly one wins', async () => {
    const { eventId } = await report();
    const stale = await refusal(act(em(), village, eventId, { op: EventOperation.ACCEPT, expectedStep: 0 }));
    expect(stale.code).toBe('CONFLICT');
    expect(stale.details).toMatchObject({ currentStep: 1, status: EventStatus.AWAITING_ACCEPTANCE });

    const outcomes = await Promise.allSettled([
      act(em(), village, eventId, { op: EventOperation.ACCEPT, expectedStep: 1 }),
      act(em(), { ...village, name: 'village-op-2' }, eventId, {
        op: EventOperation.ACCEPT,
        expectedStep: 1,
      }),
    ]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[];
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(DomainError);
    expect(lost[0]!.reason.code).toBe('CONFLICT');
    expect(lost[0]!.reason.message).toMatch(/it is at step 2 \(ACCEPT by village-op(-2)? at /);
    expect((await steps(eventId)).filter((s) => s.operation === 'ACCEPT')).toHaveLength(1);
  });

  it('refuses a department acting on an event it does not hold (NOT_HOLDER)', async () => {
    const { eventId } = await report();
    const atVillage = await refusal(act(em(), police, eventId, { op: EventOperation.ACCEPT }));
    expect(atVillage.code).toBe('NOT_HOLDER');
    expect(atVillage.details).toMatchObject({ holder: VILLAGE });

    await act(em(), village, eventId, { op: EventOperation.ACCEPT });
    await act(em(), village, eventId, { op: EventOperation.REPORT_UP });
    await act(em(), township, eventId, { op: EventOperation.ACCEPT });
    await act(em(), township, eventId, { op: EventOperation.REPORT_UP });
    await act(em(), county, eventId, { op: EventOperation.ACCEPT });
    await act(em(), county, eventId, { op: EventOperation.DISPATCH, toUnit: CIVIL });
    const other = await refusal(act(em(), police, eventId, { op: EventOperation.ACCEPT }));
    expect(other.code).toBe('NOT_HOLDER');
    expect(other.details).toMatchObject({ holder: CIVIL });
    // A village is not above another village's event either.
    const sideways = await refusal(
      act(em(), { name: 'other', units: [OTHER_VILLAGE] }, eventId, { op: EventOperation.SUPERVISE }),
    );
    expect(sideways.code).toBe('NOT_HOLDER');
    await act(em(), civil, eventId, { op: EventOperation.ACCEPT });
    expect((await event(eventId)).status).toBe(EventStatus.IN_PROGRESS);
  });

  it('returns an event to the unit that passed it on; ABORT needs a comment', async () => {
    const { eventId } = await report();
    await act(em(), village, eventId, { op: EventOperation.ACCEPT });
    await act(em(), village, eventId, { op: EventOperation.REPORT_UP });
    const noReason = await refusal(act(em(), township, eventId, { op: EventOperation.RETURN }));
    expect(noReason).toMatchObject({ code: 'REQUIRED', details: { field: 'comment' } });
    const back = await act(em(), township, eventId, { op: EventOperation.RETURN, comment: '不属本级' });
    expect(back).toMatchObject({ status: EventStatus.IN_PROGRESS, holderUnit: VILLAGE });
    expect((await event(eventId)).route).toEqual([{ unit: GRID, via: 'report' }]);
    const [last] = (await steps(eventId)).slice(-1);
    expect(last).toMatchObject({ operation: 'RETURN', unit: TOWNSHIP, to_unit: VILLAGE });
    expect(back.notices).toEqual([expect.objectContaining({ unit: VILLAGE, kind: 'return' })]);

    const abort = await refusal(act(em(), village, eventId, { op: EventOperation.ABORT, comment: '  ' }));
    expect(abort).toMatchObject({ code: 'REQUIRED', details: { field: 'comment' } });
    const closed = await act(em(), township, eventId, { op: EventOperation.ABORT, comment: '重复上报' });
    expect(closed.status).toBe(EventStatus.CLOSED);
    expect(closed.deadline).toBeNull();
    const after = await refusal(act(em(), village, eventId, { op: EventOperation.HANDLE }));
    expect(after.details.allowed).toEqual([]);
  });

  it('sets the urgent flag, by the holder or a superior', async () => {
    const { eventId } = await report();
    await act(em(), township, eventId, { op: EventOperation.SET_URGENT, urgent: true });
    expect((await event(eventId)).urgent).toBe(true);
    await act(em(), village, eventId, { op: EventOperation.SET_URGENT, urgent: false });
    expect((await event(eventId)).urgent).toBe(false);
  });

  it('moves the deadline by an approved extension, never beyond max_within after acceptance', async () => {
    const { eventId } = await report();
    await act(em(), village, eventId, { op: EventOperation.ACCEPT });
    const accepted = await event(eventId);
    const day = 86_400_000;
    expect(accepted.deadline_at!.getTime() - accepted.accepted_at!.getTime()).toBeCloseTo(3 * day, -3);

    const noReason = await refusal(
      act(em(), village, eventId, { op: EventOperation.REQUEST_EXTENSION, days: 2 }),
    );
    expect(noReason.code).toBe('REQUIRED');
    await act(em(), village, eventId, { op: EventOperation.REQUEST_EXTENSION, days: 2, comment: '等配件' });
    // One pending request at a time; the holder cannot approve its own.
    const twice = await refusal(
      act(em(), village, eventId, { op: EventOperation.REQUEST_EXTENSION, days: 1, comment: 'x' }),
    );
    expect(twice.code).toBe('OPERATION_NOT_ALLOWED');
    const self = await refusal(
      act(em(), village, eventId, { op: EventOperation.DECIDE_EXTENSION, approve: true }),
    );
    expect(self.code).toBe('OPERATION_NOT_ALLOWED');
    const approved = await act(em(), township, eventId, {
      op: EventOperation.DECIDE_EXTENSION,
      approve: true,
    });
    const moved = await event(eventId);
    expect(moved.deadline_at!.getTime() - accepted.deadline_at!.getTime()).toBe(2 * day);
    expect(approved.deadline).toEqual({ eventId, at: moved.deadline_at!.toISOString(), kind: 'resolve' });

    await act(em(), village, eventId, {
      op: EventOperation.REQUEST_EXTENSION,
      days: 15,
      comment: '工程量大',
    });
    await act(em(), township, eventId, {
      op: EventOperation.DECIDE_EXTENSION,
      approve: true,
      comment: '同意',
    });
    const capped = await event(eventId);
    expect(capped.deadline_at!.getTime() - capped.accepted_at!.getTime()).toBe(15 * day);

    const extensions = await sql<{ days: number; status: string; decided_by_unit: string }>(
      'select days, status, decided_by_unit from event_extension where event_id = $1 order by id',
      [eventId],
    );
    expect(extensions).toEqual([
      { days: 2, status: 'approved', decided_by_unit: TOWNSHIP },
      { days: 15, status: 'approved', decided_by_unit: TOWNSHIP },
    ]);
  });

  it('lets a superior supervise, not the holder itself', async () => {
    const { eventId } = await report();
    const own = await refusal(
      act(em(), village, eventId, { op: EventOperation.SUPERVISE, level: SupervisionLevel.YELLOW_CARD }),
    );
    expect(own.code).toBe('OPERATION_NOT_ALLOWED');
    expect(own.details.allowed).not.toContain('SUPERVISE');
    const result = await act(em(), county, eventId, {
      op: EventOperation.SUPERVISE,
      level: SupervisionLevel.YELLOW_CARD,
      comment: '尽快受理',
    });
    expect(result.notices).toEqual([expect.objectContaining({ unit: VILLAGE, kind: 'supervision' })]);
    const rows = await sql(
      'select level, unit, supervisor, target_unit, auto from event_supervision where event_id = $1',
      [eventId],
    );
    expect(rows).toEqual([
      { level: 'yellow_card', unit: COUNTY, supervisor: 'county-op', target_unit: VILLAGE, auto: false },
    ]);
    // Supervising is not taking over: the event stays with its holder.
    expect(await event(eventId)).toMatchObject({
      holder_unit: VILLAGE,
      status: EventStatus.AWAITING_ACCEPTANCE,
    });
  });

  it('resolves a dispute only with resolution.successful, storing method and success', async () => {
    const { eventId } = await report({ kind: EventKind.DISPUTE, typeCode: '0101', title: '邻里纠纷' });
    await act(em(), village, eventId, { op: EventOperation.ACCEPT });
    const missing = await refusal(act(em(), village, eventId, { op: EventOperation.RESOLVE }));
    expect(missing).toMatchObject({ code: 'REQUIRED', details: { field: 'resolution.successful' } });
    const badMethod = await refusal(
      act(em(), village, eventId, {
        op: EventOperation.RESOLVE,
        resolution: { successful: true, method: '77' },
      }),
    );
    expect(badMethod.details.field).toBe('resolution.method');
    const done = await act(em(), village, eventId, {
      op: EventOperation.RESOLVE,
      resolution: { successful: true, method: '01' },
      comment: '调解成功',
    });
    // Taken up by the village itself (reported to it, not dispatched): it verifies its own work.
    expect(done).toMatchObject({ status: EventStatus.RESOLVED_AWAITING_VERIFICATION, holderUnit: VILLAGE });
    expect(await event(eventId)).toMatchObject({ resolved_successfully: true, resolution_method: '01' });
  });

  it('dedupes a retried report by its client key', async () => {
    const first = await report({ clientKey: 'handset-7:abc' });
    const again = await report({ clientKey: 'handset-7:abc', title: '重发' });
    expect(again).toMatchObject({ created: false, eventId: first.eventId, code: first.code, deadline: null });
    const [{ n }] = await sql<{ n: string }>(
      `select count(*) as n from event where client_key = 'handset-7:abc'`,
    );
    expect(n).toBe('1');
    // Concurrent retries too.
    const racing = await Promise.all([1, 2, 3].map(() => report({ clientKey: 'handset-7:race' })));
    expect(new Set(racing.map((r) => r.eventId)).size).toBe(1);
    expect(racing.filter((r) => r.created)).toHaveLength(1);
  });

  it('stores photos checked by their bytes, with their sha256; a wrong magic is PHOTO_TYPE', async () => {
    const { eventId } = await report({
      photos: [
        { contentType: 'image/png', content: PNG, fileName: 'a.png' },
        { contentType: 'image/jpeg', content: JPEG },
      ],
    });
    const stored = await sql<{
      content_type: string;
      size: number;
      sha256: string;
      file_name: string | null;
    }>('select content_type, size, sha256, file_name from event_attachment where event_id = $1 order by id', [
      eventId,
    ]);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(stored).toEqual([
      { content_type: 'image/png', size: PNG.length, sha256: sha(PNG), file_name: 'a.png' },
      { content_type: 'image/jpeg', size: JPEG.length, sha256: sha(JPEG), file_name: null },
    ]);
    const [first] = await steps(eventId);
    const [{ attachments }] = await sql<{ attachments: string[] }>(
      `select attachments from event_step where event_id = $1 and operation = 'REPORT'`,
      [eventId],
    );
    expect(first!.operation).toBe('REPORT');
    expect(attachments).toHaveLength(2);

    const before = await sql<{ n: string }>('select count(*) as n from event');
    const wrong = await refusal(report({ photos: [{ contentType: 'image/png', content: JPEG }] }));
    expect(wrong).toMatchObject({ code: 'PHOTO_TYPE', details: { field: 'photos[0]' } });
    const garbage = await refusal(
      report({ photos: [{ contentType: 'image/jpeg', content: Buffer.from('GIF89a') }] }),
    );
    expect(garbage.code).toBe('PHOTO_TYPE');
    expect(await sql('select count(*) as n from event')).toEqual(before);
  });
});

describe('deadlines on real BullMQ workers', () => {
  const prefix = `test-evdeadline-${process.pid}`;
  let registry: QueueRegistry;
  let workers: RunningWorkers | null = null;
  let queueEvents: QueueEvents;
  const published: Notice[] = [];
  let unsubscribe: () => Promise<void>;
  const start = () =>
    startWorkers({
      redisUrl: TEST_REDIS_URL,
      registry,
      concurrency: 2,
      closeTimeoutMs: 3_000,
      orm,
      logger: createLogger('silent'),
      secretKey: Buffer.alloc(32),
    });

  const cards = (eventId: string) =>
    sql<{ level: string; unit: string; target_unit: string; deadline_at: Date }>(
      `select level, unit, target_unit, deadline_at from event_supervision where event_id = $1 and auto order by id`,
      [eventId],
    );
  async function until<T>(what: string, probe: () => Promise<T | null | false>, ms = 15_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    await sql(
      `update event_time_limit set accept_within = '1 second', resolve_within = '1 second', red_after = '1 second'
       where level = '*' and type_prefix = ''`,
    );
    registry = new QueueRegistry(TEST_REDIS_URL, prefix);
    queueEvents = new QueueEvents('events', { connection: workerConnection(TEST_REDIS_URL), prefix });
    await queueEvents.waitUntilReady();
    unsubscribe = await subscribeNotices(TEST_REDIS_URL, (n) => published.push(n), undefined, prefix);
    workers = await start();
  });
  afterAll(async () => {
    await workers?.close();
    await unsubscribe?.();
    await queueEvents?.close();
    for (const q of ['upkeep', 'sync', 'events'] as const)
      await registry.queue(q).obliterate({ force: true });
    await registry.close();
  });

  it('raises a yellow card, then a red one, notifying the superior unit, each exactly once', async () => {
    const reported = await report({ title: '超时事件' });
    const { eventId } = reported;
    await scheduleDeadline(registry, reported.deadline!);
    const fired = await until('the red card', async () => {
      const rows = await cards(eventId);
      return rows.length === 2 && rows;
    });
    const deadlineAt = new Date(reported.deadline!.at).getTime();
    expect(fired.map((c) => [c.level, c.unit, c.target_unit, new Date(c.deadline_at).getTime()])).toEqual([
      ['yellow_card', TOWNSHIP, VILLAGE, deadlineAt],
      ['red_card', TOWNSHIP, VILLAGE, deadlineAt],
    ]);
    const notes = await sql<{ unit: string; kind: string }>(
      `select unit, kind from event_notification where event_id = $1 and kind like 'overdue%' order by id`,
      [eventId],
    );
    expect(notes).toEqual([
      { unit: TOWNSHIP, kind: 'overdue_yellow' },
      { unit: TOWNSHIP, kind: 'overdue_red' },
    ]);
    await until('the published notices', async () =>
      published.filter((n) => n.eventId === eventId).length >= 2 ? true : null,
    );
    expect(published.filter((n) => n.eventId === eventId).map((n) => [n.unit, n.kind])).toEqual([
      [TOWNSHIP, 'overdue_yellow'],
      [TOWNSHIP, 'overdue_red'],
    ]);
    const log = (await steps(eventId)).filter((s) => s.operation === 'SUPERVISE');
    expect(log.map((s) => [s.unit, s.actor])).toEqual([
      [TOWNSHIP, 'system'],
      [TOWNSHIP, 'system'],
    ]);

    // Nothing fires twice: the sweep, the same deadline queued again, a direct second firing.
    const sweep = await registry.add('events', 'deadline-sweep', {});
    const swept = await sweep.waitUntilFinished(queueEvents, 15_000);
    expect(overdueDeadlines).toBeTypeOf('function');
    expect((await overdueDeadlines(em())).find((d) => d.eventId === eventId)).toMatchObject({
      yellow: true,
      red: true,
    });
    expect(swept).toEqual({ fired: expect.any(Number) });
    await scheduleDeadline(registry, reported.deadline!);
    const again = await registry.add(
      'events',
      'deadline',
      { eventId, deadlineAt: reported.deadline!.at, stage: 'yellow' },
      { jobId: `again-${eventId}` },
    );
    expect(await again.waitUntilFinished(queueEvents, 15_000)).toMatchObject({
      fired: false,
      reason: 'already_fired',
    });
    expect(await fireDeadline(em(), eventId, reported.deadline!.at, 'red')).toMatchObject({
      fired: false,
      reason: 'already_fired',
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(await cards(eventId)).toHaveLength(2);
    expect(
      await sql(`select 1 from event_notification where event_id = $1 and kind like 'overdue%'`, [eventId]),
    ).toHaveLength(2);
    expect(published.filter((n) => n.eventId === eventId)).toHaveLength(2);
  });

  it('finds a deadline that moved on (the event was accepted) stale: nothing raised', async () => {
    const reported = await report({ title: '及时受理' });
    const { eventId } = reported;
    const job = await scheduleDeadline(registry, reported.deadline!);
    await act(em(), village, eventId, { op: EventOperation.ACCEPT });
    expect(await job.waitUntilFinished(queueEvents, 15_000)).toMatchObject({ fired: false, reason: 'stale' });
    expect(await fireDeadline(em(), eventId, reported.deadline!.at, 'yellow')).toMatchObject({
      fired: false,
      reason: 'stale',
    });
    const old = await sql(`select 1 from event_supervision where event_id = $1 and deadline_at = $2`, [
      eventId,
      reported.deadline!.at,
    ]);
    expect(old).toEqual([]);
    // The accepted event is now on its own (resolve) deadline, due once it passes.
    expect((await event(eventId)).deadline_kind).toBe('resolve');
  });

  it('keeps a queued deadline through a restart of the workers and fires it once', async () => {
    await workers!.close();
    workers = null;
    const reported = await report({ title: '重启之后' });
    const { eventId } = reported;
    await scheduleDeadline(registry, reported.deadline!);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await cards(eventId)).toEqual([]); // due, but nobody is working
    workers = await start();
    const fired = await until('the red card after the restart', async () => {
      const rows = await cards(eventId);
      return rows.length === 2 && rows;
    });
    expect(fired.map((c) => c.level)).toEqual(['yellow_card', 'red_card']);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await cards(eventId)).toHaveLength(2);
    expect(published.filter((n) => n.eventId === eventId).map((n) => n.kind)).toEqual([
      'overdue_yellow',
      'overdue_red',
    ]);
  });
});
