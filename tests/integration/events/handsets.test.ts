import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Queue } from 'bullmq';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnrollmentToken, enroll } from '../../../fleet/enrollment.service';
import { attachmentsRouter } from '../../../gateway/attachments';
import type { RunningHub } from '../../../gateway/hub';
import { runSql } from '../../../schema/common/rows';
import { demoCountyRegions } from '../../../schema/regions/demo-county';
import { loadRegionTree } from '../../../schema/regions/region.service';
import { createLogger } from '../../../schema/runtime/logger';
import { redisOptionsFromUrl } from '../../../workers/redis';
import { citizenId } from '../../support/fixture';
import { startTestHub, testKey } from '../../support/hub';
import { dropDatabase, recreateDatabase, scratchDatabaseName, TEST_REDIS_URL } from '../../support/services';
import { insertHandset, makeCsr, type TestHandset } from '../fleet/ca-fixture';

/**
 * Grid workers' handsets report events over mutual TLS (a real TLS client with the certificate the hub
 * issued from an openssl CSR), and the photos are served on the gateway's HTTP app only to principals who
 * may see the event.
 */

const DB = scratchDatabaseName('events_handsets');
const PREFIX = `test-handsets-${process.pid}`;
/** The grid of insertHandset's workers, its village and township. */
const GRID = '620725101001-G01';
const VILLAGE = '620725101001';
const TOWNSHIP = '620725101';

let hub: RunningHub;
let dir: string;
let caPem: string;
let attachmentsUrl: string;
let attachmentsServer: ReturnType<ReturnType<typeof express>['listen']>;
const em = () => hub.infrastructure.orm.em.fork() as EntityManager;

interface Handset {
  h: TestHandset;
  agent: https.Agent;
}

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

/** A handset enrolled with its own openssl key, and a keep-alive TLS agent presenting its certificate. */
async function enrolled(name: string, withSim = true): Promise<Handset> {
  const h = await insertHandset(em(), { withSim });
  const { token } = await createEnrollmentToken(em(), 'it-office', h.deviceId);
  const { csrPem, keyFile } = await makeCsr(dir, name);
  const issued = await enroll(em(), { token, csrPem, deviceId: h.deviceId });
  const agent = new https.Agent({
    keepAlive: true,
    ca: caPem,
    cert: issued.certificatePem,
    key: readFileSync(keyFile),
    servername: 'localhost',
  });
  return { h, agent };
}

function call(handset: Handset, method: string, route: string, body?: unknown): Promise<Reply> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: hub.devices!.port,
        path: route,
        method,
        agent: handset.agent,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': String(payload.length) }
          : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Bytes a sniffer takes for a JPEG: SOI, an APP0 marker, filler, EOI. */
function jpeg(size: number): Buffer {
  const b = randomBytes(size);
  b.set([0xff, 0xd8, 0xff, 0xe0], 0);
  b.set([0xff, 0xd9], size - 2);
  return b;
}
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(200)]);

async function fetchAttachment(key: string | null, eventId: string, attachmentId: string) {
  const res = await fetch(`${attachmentsUrl}/events/${eventId}/attachments/${attachmentId}`, {
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

let worker: Handset;
let idle: Handset;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-handset-events-'));
  hub = await startTestHub(
    {
      DATABASE_URL: await recreateDatabase(DB),
      GRIDHUB_DATA_DIR: path.join(dir, 'data'),
      GRIDHUB_QUEUE_PREFIX: PREFIX,
      GRIDHUB_DEVICE_HOSTNAMES: 'localhost,127.0.0.1',
    },
    { gateway: true, workers: false },
  );
  await loadRegionTree(em(), demoCountyRegions());
  caPem = await (await fetch(`${hub.gateway!.url}/devices/ca.pem`)).text();
  worker = await enrolled('worker');
  idle = await enrolled('idle', false);
  // The router mounted on an app of the test's own, as gateway/server.ts mounts it.
  const app = express();
  app.use(attachmentsRouter({ orm: hub.infrastructure.orm, logger: createLogger('silent') }));
  await new Promise<void>((resolve) => {
    attachmentsServer = app.listen(0, '127.0.0.1', () => resolve());
  });
  attachmentsUrl = `http://127.0.0.1:${(attachmentsServer.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  worker?.agent.destroy();
  idle?.agent.destroy();
  attachmentsServer?.close();
  const queue = new Queue('events', { connection: redisOptionsFromUrl(TEST_REDIS_URL), prefix: PREFIX });
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  await hub?.stop();
  await dropDatabase(DB);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('reporting an event from a handset', () => {
  const photo = jpeg(200 * 1024);
  const sha256 = createHash('sha256').update(photo).digest('hex');
  const partyId = citizenId('620725', '19850312', 7);
  const report = {
    clientId: 'rpt-2026-11-27_0001',
    title: '楼道堆放杂物堵塞消防通道',
    typeCode: null,
    description: '3号楼2单元楼道堆放纸箱和旧家具',
    latitude: 38.0123,
    longitude: 100.4567,
    occurredAt: '2026-11-27T08:30:00+08:00',
    parties: [{ name: '王芳', idNumber: partyId, role: '住户' }, { name: '李强' }],
    photos: [{ contentType: 'image/jpeg', data: photo.toString('base64'), fileName: '楼道.jpg' }],
  };
  let eventId: string;
  let attachmentId: string;

  it('creates the event at the grid’s village, with parties, the photo and the step log', async () => {
    const r = await call(worker, 'POST', '/v1/events', report);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ status: 'awaiting_acceptance', holderUnit: VILLAGE, created: true });
    expect(r.body.code).toMatch(/^SB\d{8}\d{10}$/);
    eventId = r.body.eventId as string;

    const [event] = await runSql<Record<string, unknown>>(
      em(),
      `select region_code, status::text, holder_unit, reported_by, client_key, deadline_at, occurred_at, latitude
         from event where id = ?`,
      [eventId],
    );
    expect(event).toMatchObject({
      region_code: GRID,
      status: 'awaiting_acceptance',
      holder_unit: VILLAGE,
      reported_by: `handset:${worker.h.deviceId}`,
      client_key: `handset:${worker.h.id}:${report.clientId}`,
    });
    expect(Number(event!.latitude)).toBe(38.0123);
    expect(new Date(event!.occurred_at as string).toISOString()).toBe('2026-11-27T00:30:00.000Z');
    expect(event!.deadline_at).not.toBeNull();

    const steps = await runSql<Record<string, unknown>>(
      em(),
      'select operation, unit, to_unit, actor, step_seq, attachments from event_step where event_id = ? order by id',
      [eventId],
    );
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({
      operation: 'REPORT',
      unit: GRID,
      to_unit: VILLAGE,
      actor: `handset:${worker.h.deviceId}`,
      step_seq: 1,
    });
    const parties = await runSql<{ name: string; id_number: string | null; role: string | null }>(
      em(),
      'select name, id_number, role from event_party where event_id = ? order by id',
      [eventId],
    );
    expect(parties).toEqual([
      { name: '王芳', id_number: partyId, role: '住户' },
      { name: '李强', id_number: null, role: null },
    ]);
    const files = await runSql<{ id: string; sha256: string; size: number; content_type: string }>(
      em(),
      'select id::text, sha256, size, content_type from event_attachment where event_id = ?',
      [eventId],
    );
    expect(files).toEqual([
      { id: expect.any(String), sha256, size: photo.length, content_type: 'image/jpeg' },
    ]);
    attachmentId = files[0]!.id;
    expect(steps[0]!.attachments).toEqual([attachmentId]);

    // The accept deadline is a delayed job on the events queue (queued just after the answer).
    const queue = new Queue('events', { connection: redisOptionsFromUrl(TEST_REDIS_URL), prefix: PREFIX });
    try {
      let queued: string[] = [];
      for (let i = 0; i < 50 && !queued.includes(eventId); i++) {
        queued = (await queue.getDelayed()).map((j) => j.data.eventId);
        if (!queued.includes(eventId)) await new Promise((r) => setTimeout(r, 100));
      }
      expect(queued).toContain(eventId);
    } finally {
      await queue.close();
    }
  });

  it('answers a retry with the same client id with the same event, created false', async () => {
    const r = await call(worker, 'POST', '/v1/events', report);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ eventId, created: false, status: 'awaiting_acceptance' });
    const [n] = await runSql<{ n: number }>(
      em(),
      'select count(*)::int as n from event where client_key like ?',
      [`handset:${worker.h.id}:%`],
    );
    expect(n!.n).toBe(1);
  });

  it('refuses a bad photo, an oversize photo and a bad client id, naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ photos: [{ contentType: 'image/jpeg', data: PNG.toString('base64') }] }, 'photos[0]', 'PHOTO_TYPE'],
      [
        { photos: [{ contentType: 'image/gif', data: Buffer.from('GIF89a....').toString('base64') }] },
        'photos[0]',
        'PHOTO_TYPE',
      ],
      [
        { photos: [{ contentType: 'image/jpeg', data: jpeg(5 * 1024 * 1024 + 10).toString('base64') }] },
        'photos[0]',
        'PHOTO_TOO_LARGE',
      ],
      [
        { photos: [{ contentType: 'image/jpeg', data: '***not base64***' }] },
        'photos[0].data',
        'EVENT_REPORT_INVALID',
      ],
      [{ clientId: 'has spaces' }, 'clientId', 'EVENT_REPORT_INVALID'],
      [{ clientId: 'x'.repeat(65) }, 'clientId', 'EVENT_REPORT_INVALID'],
      [{ clientId: undefined }, 'clientId', 'EVENT_REPORT_INVALID'],
      [{ latitude: '38' }, 'latitude', 'EVENT_REPORT_INVALID'],
      [{ parties: [{ name: '王芳', idNumber: '620725198503120000' }] }, 'parties[0].idNumber', 'ID_NUMBER'],
    ];
    for (const [over, field, error] of cases) {
      const r = await call(worker, 'POST', '/v1/events', {
        ...report,
        clientId: `bad-${randomBytes(4).toString('hex')}`,
        ...over,
      });
      expect(r.status, `${field}: ${JSON.stringify(r.body)}`).toBe(400);
      expect(r.body, field).toMatchObject({ error, field });
      expect(r.body.rule, field).toBeTruthy();
    }
    const [n] = await runSql<{ n: number }>(em(), 'select count(*)::int as n from event');
    expect(n!.n).toBe(1);
  });

  it('refuses a handset that no worker holds', async () => {
    const r = await call(idle, 'POST', '/v1/events', { ...report, clientId: 'idle-1' });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ error: 'HANDSET_NOT_ASSIGNED' });
    expect(String(r.body.message)).toContain(idle.h.deviceId);
    expect((await call(idle, 'GET', '/v1/events')).status).toBe(403);
  });

  it('lists the grid’s events, newest first, filtered by status', async () => {
    const second = await call(worker, 'POST', '/v1/events', {
      clientId: 'rpt-2026-11-27_0002',
      title: '路灯不亮',
      occurredAt: '2026-11-27T09:00:00+08:00',
    });
    expect(second.status).toBe(201);
    const all = await call(worker, 'GET', '/v1/events');
    expect(all.status).toBe(200);
    expect(all.body.grid).toBe(GRID);
    const events = all.body.events as Array<Record<string, unknown>>;
    expect(events.map((e) => e.eventId)).toEqual([second.body.eventId, eventId]);
    expect(events[1]).toMatchObject({
      code: expect.stringMatching(/^SB/),
      title: report.title,
      status: 'awaiting_acceptance',
      holderUnit: VILLAGE,
      occurredAt: '2026-11-27T00:30:00.000Z',
      deadlineAt: expect.any(String),
    });
    const none = await call(worker, 'GET', '/v1/events?status=verified&first=5');
    expect(none.body.events).toEqual([]);
    const bad = await call(worker, 'GET', '/v1/events?first=500');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ field: 'first' });
  });

  it('serves the photo to the grid’s centres and an administrator, not to an uninvolved department', async () => {
    const township = await testKey(hub, ['township_office'], { unitCode: TOWNSHIP });
    const village = await testKey(hub, ['centre_operator'], { unitCode: VILLAGE });
    const admin = await testKey(hub, ['admin']);
    const department = await testKey(hub, ['civil_affairs']);
    for (const key of [township, village, admin]) {
      const { res, bytes } = await fetchAttachment(key, eventId, attachmentId);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect(res.headers.get('content-length')).toBe(String(photo.length));
      expect(res.headers.get('etag')).toBe(`"${sha256}"`);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toMatch(/^private/);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha256);
    }
    const refused = await fetchAttachment(department, eventId, attachmentId);
    expect(refused.res.status).toBe(404);
    // Not found looks the same as not allowed.
    expect((await fetchAttachment(admin, eventId, '999999999')).res.status).toBe(404);
    expect((await fetchAttachment(null, eventId, attachmentId)).res.status).toBe(401);
    expect((await fetchAttachment('ghk_bad_key', eventId, attachmentId)).res.status).toBe(401);
  });
});
