import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningHub } from '../../../gateway/hub';
import { runSql } from '../../../schema/common/rows';
import { withConnection } from '../../../schema/db/tx';
import { storeAttachments } from '../../../schema/events/workflow.service';
import { demoCountyRegions } from '../../../schema/regions/demo-county';
import { loadRegionTree } from '../../../schema/regions/region.service';
import { gql, startTestHub, testKey } from '../../support/hub';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../../support/services';

/**
 * The departments' and centres' side of the events workflow over real HTTP and WebSocket against a started
 * gateway on real PostgreSQL and Redis: a village centre reports, the township accepts and dispatches to public
 * security, which resolves; the township's verification fails once, then passes, and it archives. Refusals
 * keep their codes (OPERATION_NOT_ALLOWED with the allowed list, CONFLICT for two operators on one step,
 * NOT_HOLDER, EVENT_NOT_FOUND for an event a department may not see); the queues list what each unit holds;
 * the subscription pushes the dispatch to the receiving department as it happens.
 */

const DB = scratchDatabaseName('evapi');
const COUNTY = '620725';
const TOWNSHIP = '620725101';
const VILLAGE = '620725101001';
const POLICE = 'dept:public_security';
// biome-ignore lint/suspicious/noExplicitAny: the assertions walk arbitrary response JSON
type Data = Record<string, any>;
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('a sign'),
]);

let hub: RunningHub;
let url: string;
const keys: Record<string, string | undefined> = {};
const em = () => hub.infrastructure.orm.em.fork();

async function ask(who: string, query: string, variables: Record<string, unknown> = {}) {
  // Public security's policy requires every request to declare its purpose.
  const { body } = await gql<Data>(url, query, variables, {
    key: keys[who],
    headers: { 'x-purpose': 'event-workflow' },
  });
  return { data: body.data as Data, errors: body.errors as Data[] | undefined };
}

async function ok(who: string, query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  const { data, errors } = await ask(who, query, variables);
  expect(errors, JSON.stringify(errors)).toBeUndefined();
  return data;
}

const RESULT = 'eventId code operation status holderUnit stepSeq deadlineAt created';

const op = (mutation: string, args = '') =>
  `mutation($id: ID!, $step: Int, $comment: String) { r: ${mutation}(id: $id, expectedStep: $step, comment: $comment${args}) { ${RESULT} } }`;

async function report(who: string, title: string): Promise<Data> {
  const { r } = await ok(
    who,
    `mutation($input: ReportEventInput!) { r: reportEvent(input: $input) { ${RESULT} } }`,
    { input: { title, description: `${title}: 测试` } },
  );
  return r;
}

const queue = async (who: string, kind: string): Promise<string[]> => {
  const data = await ok(
    who,
    `query($q: EventQueueKind!) { eventQueue(queue: $q, first: 100) { nodes { id } } }`,
    {
      q: kind,
    },
  );
  return data.eventQueue.nodes.map((n: Data) => n.id);
};

beforeAll(async () => {
  hub = await startTestHub({ DATABASE_URL: await recreateDatabase(DB) }, { gateway: true, workers: false });
  url = hub.gateway!.url;
  await loadRegionTree(em(), demoCountyRegions());
  keys.village = await testKey(hub, ['centre_operator'], { unitCode: VILLAGE });
  keys.township = await testKey(hub, ['centre_operator'], { unitCode: TOWNSHIP });
  keys.township2 = await testKey(hub, ['township_office'], { unitCode: TOWNSHIP });
  keys.county = await testKey(hub, ['centre_operator'], { unitCode: COUNTY });
  keys.police = await testKey(hub, ['public_security']);
  keys.civil = await testKey(hub, ['civil_affairs']);
  keys.finance = await testKey(hub, ['finance']);
}, 120_000);

afterAll(async () => {
  await hub?.stop();
  await dropDatabase(DB);
});

/** A graphql-ws client over a real WebSocket, as `who`. */
function wsClient(who: string): Client {
  return createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: keys[who] ? { authorization: `Bearer ${keys[who]}` } : {},
    retryAttempts: 0,
    lazy: false,
    // Connection errors reach the subscriptions' sinks, which the tests assert on; not the console too.
    onNonLazyError: () => undefined,
  });
}

describe('an event through the centres and a department, over GraphQL', () => {
  it('is reported, accepted, dispatched (pushed live), resolved, verified (failing once) and archived', async () => {
    // Public security listens before anything happens.
    const police = wsClient('police');
    const pushed: Data[] = [];
    const subscriptionErrors: unknown[] = [];
    const connected = new Promise<void>((resolve) => police.on('connected', () => resolve()));
    const stop = police.subscribe(
      { query: 'subscription { eventDispatched { unit kind eventId eventCode message } }' },
      {
        next: (value) => pushed.push(value.data?.eventDispatched as Data),
        error: (error) => subscriptionErrors.push(error),
        complete: () => undefined,
      },
    );
    await connected;
    await sleep(300); // the subscription's source opens just after the connection

    try {
      const reported = await report('village', '道路积水');
      expect(reported).toMatchObject({
        operation: 'REPORT',
        status: 'AWAITING_ACCEPTANCE',
        holderUnit: TOWNSHIP,
        stepSeq: 1,
        created: true,
      });
      expect(reported.deadlineAt).toBeTruthy();
      const id = reported.eventId;
      expect(await queue('township', 'TO_ACCEPT')).toContain(id);
      expect(await queue('police', 'TO_ACCEPT')).not.toContain(id);

      // What the township may do with it, and a refusal listing exactly that.
      const before = await ok('township', 'query($id: ID!) { eventHistory(id: $id) { allowedOperations } }', {
        id,
      });
      expect(before.eventHistory.allowedOperations).toEqual(
        expect.arrayContaining(['ACCEPT', 'REPORT_UP', 'RETURN', 'ABORT']),
      );
      const refused = await ask('township', op('verifyEvent', ', passed: true'), { id, step: 1 });
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: 'OPERATION_NOT_ALLOWED',
        status: 'awaiting_acceptance',
        allowed: before.eventHistory.allowedOperations,
      });

      const accepted = (await ok('township', op('acceptEvent'), { id, step: 1, comment: '受理' })).r;
      expect(accepted).toMatchObject({ status: 'IN_PROGRESS', holderUnit: TOWNSHIP, stepSeq: 2 });
      expect(await queue('township', 'IN_PROGRESS')).toContain(id);

      const dispatched = (
        await ok('township', op('dispatchEvent', ', toUnit: "dept:public_security"'), {
          id,
          step: 2,
          comment: '请派出所处置',
        })
      ).r;
      expect(dispatched).toMatchObject({ status: 'AWAITING_ACCEPTANCE', holderUnit: POLICE, stepSeq: 3 });
      expect(await queue('police', 'TO_ACCEPT')).toContain(id);

      // The dispatch reaches the department's open WebSocket.
      for (let i = 0; i < 50 && !pushed.some((n) => n.eventId === id); i++) await sleep(100);
      expect(subscriptionErrors).toEqual([]);
      expect(pushed.filter((n) => n.eventId === id)).toEqual([
        { unit: POLICE, kind: 'dispatch', eventId: id, eventCode: reported.code, message: '交办: 道路积水' },
      ]);

      // Public security acts; the township verifies its work (the dispatching unit verifies).
      expect((await ok('police', op('acceptEvent'), { id, step: 3 })).r.status).toBe('IN_PROGRESS');
      expect((await ok('police', op('handleEvent'), { id, step: 4, comment: '已到场' })).r.stepSeq).toBe(5);
      const resolved = (await ok('police', op('resolveEvent'), { id, step: 5, comment: '已疏通' })).r;
      expect(resolved).toMatchObject({ status: 'RESOLVED_AWAITING_VERIFICATION', holderUnit: TOWNSHIP });
      expect(await queue('township', 'TO_VERIFY')).toContain(id);

      const failed = (
        await ok('township', op('verifyEvent', ', passed: false'), { id, step: 6, comment: '仍有积水' })
      ).r;
      expect(failed).toMatchObject({ status: 'VERIFICATION_FAILED', holderUnit: POLICE });
      expect(await queue('police', 'IN_PROGRESS')).toContain(id);

      await ok('police', op('resolveEvent'), { id, step: 7, comment: '已彻底疏通' });
      const passed = (
        await ok('township', op('verifyEvent', ', passed: true'), { id, step: 8, comment: '核查通过' })
      ).r;
      expect(passed).toMatchObject({ status: 'VERIFIED', holderUnit: TOWNSHIP, deadlineAt: null });
      const archived = (await ok('township', op('archiveEvent'), { id, step: 9 })).r;
      expect(archived).toMatchObject({ status: 'ARCHIVED', stepSeq: 10 });

      const { eventHistory } = await ok(
        'township',
        `query($id: ID!) { eventHistory(id: $id) {
           event { id code status holderUnit stepSeq }
           steps { operation unit actor toUnit stepSeq verified }
           supervisions { id } extensions { id } attachments { id url } copies { unit }
           allowedOperations } }`,
        { id },
      );
      expect(eventHistory.event).toMatchObject({ id, status: 'ARCHIVED', stepSeq: 10 });
      expect(eventHistory.steps.map((s: Data) => [s.operation, s.unit, s.stepSeq])).toEqual([
        ['REPORT', VILLAGE, 1],
        ['ACCEPT', TOWNSHIP, 2],
        ['DISPATCH', TOWNSHIP, 3],
        ['ACCEPT', POLICE, 4],
        ['HANDLE', POLICE, 5],
        ['RESOLVE', POLICE, 6],
        ['VERIFY', TOWNSHIP, 7],
        ['RESOLVE', POLICE, 8],
        ['VERIFY', TOWNSHIP, 9],
        ['ARCHIVE', TOWNSHIP, 10],
      ]);
      expect(eventHistory.steps[6]).toMatchObject({ verified: false });
      expect(eventHistory.steps[8]).toMatchObject({ verified: true });
      expect(eventHistory.allowedOperations).toEqual([]);

      // Public security held it, so it sees its history, and its notification of the dispatch.
      const seen = await ok('police', 'query($id: ID!) { eventHistory(id: $id) { event { id } } }', { id });
      expect(seen.eventHistory.event.id).toBe(id);
      const { eventNotifications } = await ok(
        'police',
        '{ eventNotifications(unreadOnly: true) { id kind eventId } }',
      );
      const mine = eventNotifications.filter((n: Data) => n.eventId === id);
      expect(mine.map((n: Data) => n.kind)).toEqual(['verification_failed', 'dispatch']);
      const marked = await ok('police', 'mutation($ids: [ID!]!) { markEventNotificationsRead(ids: $ids) }', {
        ids: mine.map((n: Data) => n.id),
      });
      expect(marked.markEventNotificationsRead).toBe(2);
      const after = await ok('police', '{ eventNotifications(unreadOnly: true) { eventId } }');
      expect(after.eventNotifications.filter((n: Data) => n.eventId === id)).toEqual([]);
    } finally {
      stop();
      await police.dispose();
    }
  });
});

describe('refusals', () => {
  it('lets exactly one of two operators accepting the same step win; the other gets CONFLICT', async () => {
    const { eventId: id } = await report('village', '噪音扰民');
    const [a, b] = await Promise.all([
      ask('township', op('acceptEvent'), { id, step: 1 }),
      ask('township2', op('acceptEvent'), { id, step: 1 }),
    ]);
    const outcomes = [a, b];
    const winners = outcomes.filter((o) => !o.errors);
    const losers = outcomes.filter((o) => o.errors);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.data.r).toMatchObject({ status: 'IN_PROGRESS', stepSeq: 2 });
    expect(losers).toHaveLength(1);
    expect(losers[0]!.errors![0]!.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'expectedStep',
      currentStep: 2,
    });
    expect(losers[0]!.errors![0]!.message).toMatch(/changed since step 1: it is at step 2 \(ACCEPT by/);
  });

  it('refuses a department that does not hold an event: NOT_HOLDER to act, EVENT_NOT_FOUND to look', async () => {
    const { eventId: id } = await report('village', '占道经营');
    const acted = await ask('civil', op('acceptEvent'), { id, step: 1 });
    expect(acted.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_HOLDER', holder: TOWNSHIP });
    for (const eventId of [id, '999999999']) {
      const looked = await ask('civil', 'query($id: ID!) { eventHistory(id: $id) { event { id } } }', {
        id: eventId,
      });
      expect(looked.errors?.[0]?.extensions, eventId).toMatchObject({ code: 'EVENT_NOT_FOUND' });
      expect(looked.data).toBeNull();
    }
    // The village that reported it still sees it (it passed it on).
    const village = await ok('village', 'query($id: ID!) { eventHistory(id: $id) { event { id } } }', { id });
    expect(village.eventHistory.event.id).toBe(id);
  });

  it('keeps the workflow from roles without it (finance) and subscriptions from no key', async () => {
    const { errors } = await ask('finance', '{ eventQueue(queue: TO_ACCEPT) { totalCount } }');
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'root:eventQueue' });

    const anonymous = wsClient('nobody');
    try {
      const error = await new Promise<unknown>((resolve) => {
        anonymous.subscribe(
          { query: 'subscription { eventDispatched { eventId } }' },
          { next: resolve, error: resolve, complete: () => resolve('completed without an error') },
        );
      });
      // A refused subscription's source never opens: its one result is the guard's error.
      expect(error).toMatchObject({
        errors: [{ extensions: { code: 'FORBIDDEN', permission: 'root:eventDispatched' } }],
      });
    } finally {
      await anonymous.dispose();
    }

    // Queries and mutations go over HTTP only, where the limits and the read audit apply.
    const township = wsClient('township');
    try {
      const refused = await new Promise<unknown>((resolve) => {
        township.subscribe(
          { query: '{ eventQueue(queue: TO_ACCEPT) { totalCount } }' },
          { next: resolve, error: resolve, complete: () => resolve('completed') },
        );
      });
      expect(refused).toMatchObject([{ extensions: { code: 'SUBSCRIPTIONS_ONLY' } }]);
    } finally {
      await township.dispose();
    }

    // A bad key is not downgraded to anonymous: the connection is closed as Forbidden.
    keys.bad = 'gh_not-a-real-key';
    const bad = wsClient('bad');
    try {
      const closed = await new Promise<unknown>((resolve) => {
        bad.subscribe(
          { query: 'subscription { eventDispatched { eventId } }' },
          { next: resolve, error: resolve, complete: () => resolve('completed') },
        );
      });
      expect((closed as { code?: number }).code).toBe(4403);
    } finally {
      await bad.dispose();
    }
  });
});

describe('attachments', () => {
  it('lists an event’s photos with their url, served to who may see the event only', async () => {
    const { eventId: id } = await report('village', '广告牌松动');
    const [stored] = await withConnection(em(), (tx) =>
      storeAttachments(tx, id, 'test', [{ contentType: 'image/png', content: PNG, fileName: 'sign.png' }]),
    );
    const { eventHistory } = await ok(
      'township',
      'query($id: ID!) { eventHistory(id: $id) { attachments { id sha256 contentType size fileName url } } }',
      { id },
    );
    expect(eventHistory.attachments).toEqual([
      {
        id: stored,
        sha256: createHash('sha256').update(PNG).digest('hex'),
        contentType: 'image/png',
        size: PNG.length,
        fileName: 'sign.png',
        url: `/events/${id}/attachments/${stored}`,
      },
    ]);
    const get = (who: string) =>
      fetch(`${url}${eventHistory.attachments[0].url}`, {
        headers: { authorization: `Bearer ${keys[who]}` },
      });
    const seen = await get('township');
    expect(seen.status).toBe(200);
    expect(Buffer.from(await seen.arrayBuffer())).toEqual(PNG);
    expect((await get('civil')).status).toBe(404);
  });
});

describe('queues', () => {
  it('lists overdue steps to their holder and to the units above it, not to others', async () => {
    const { eventId: id } = await report('village', '井盖缺失');
    await runSql(em(), `update event set deadline_at = now() - interval '1 hour' where id = ?`, [id]);
    expect(await queue('township', 'OVERDUE')).toContain(id);
    expect(await queue('county', 'OVERDUE')).toContain(id);
    expect(await queue('village', 'OVERDUE')).not.toContain(id);
    expect(await queue('police', 'OVERDUE')).not.toContain(id);
    // Pages are keyset pages in id order with a total.
    const page = await ok(
      'township',
      '{ eventQueue(queue: TO_ACCEPT, first: 1) { totalCount pageInfo { hasNextPage } } }',
    );
    expect(page.eventQueue.totalCount).toBeGreaterThanOrEqual(1);
  });
});
