import 'reflect-metadata';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Queue } from 'bullmq';
import forge from 'node-forge';
import { ensureDeviceCa } from '../../fleet/ca';
import { buildCertificate, forgePublicKey, serverCertificateSpec } from '../../fleet/certificates';
import { createEnrollmentToken, enroll } from '../../fleet/enrollment.service';
import { startHub } from '../../gateway/hub';
import { runSql } from '../../schema/common/rows';
import type { MikroORM } from '../../schema/db/orm';
import { loadDemoCounty } from '../../schema/demo/load';
import { reportEvent } from '../../schema/events/workflow.service';
import { luhnCheckDigit } from '../../schema/identifiers/luhn';
import { demoCountyRegions } from '../../schema/regions/demo-county';
import { loadRegionTree } from '../../schema/regions/region.service';
import { loadConfig } from '../../schema/runtime/config';
import { createLogger } from '../../schema/runtime/logger';
import { redisOptionsFromUrl } from '../../workers/redis';
import { dropDatabase, recreateDatabase } from '../support/services';
import { fmt, machine, percentile, table } from './harness';

/**
 * Handset event reports over mutual TLS (issue 8, Performance): 50 handsets, each with its own client
 * certificate and a keep-alive connection, post reports to the hub's device endpoint in a closed loop for a
 * fixed time, without a photo and with one 200 KB JPEG. The demo county's region tree is loaded and 200
 * grid workers hold enrolled handsets (real certificates from the device CA, one shared key pair as in the
 * demo fleet). The reference is a bare HTTPS listener with the same CA, the same client-certificate check
 * and the same clients that answers 200 without touching the database: it is the floor of TLS + HTTP +
 * JSON on this machine, so the gap to it is what the hub's route (parsing, photo checks, the reportEvent
 * transaction, the deadline job and the notice) costs. A second reference calls reportEvent itself from 50
 * callers in the hub's process, through its pool: the database transaction's own rate, without TLS or HTTP.
 * The load generator runs in a worker thread.
 */

const DATABASE = 'gridhub_bench_events';
const HANDSETS = 200;
const CONCURRENCY = 50;
const SECONDS = Number(process.env.BENCH_EVENTS_SECONDS ?? 20);
const WARMUP_SECONDS = 2;
const PHOTO_BYTES = 200 * 1024;
const GOAL = { rps: 500, p99: 200 };
/** BENCH_EVENTS_ONLY=plain,photo,direct picks variants (for profiling one); all by default. */
const ONLY = process.env.BENCH_EVENTS_ONLY?.split(',').map((v) => v.trim());
const wanted = (variant: 'plain' | 'photo' | 'direct') => !ONLY || ONLY.includes(variant);

interface LoadSpec {
  port: number;
  path: string;
  ca: string;
  key: string;
  certs: string[];
  concurrency: number;
  seconds: number;
  warmupSeconds: number;
  photo: boolean;
  tag: string;
}

interface LoadResult {
  requests: number;
  elapsedMs: number;
  latenciesMs: Float64Array;
  errors: number;
  firstError?: string;
}

export interface EventsVariant {
  name: string;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  requests: number;
  errors: number;
  firstError?: string;
}

export interface EventsResults {
  date: string;
  machine: ReturnType<typeof machine>;
  handsets: number;
  concurrency: number;
  seconds: number;
  variants: EventsVariant[];
  eventsStored: number;
  /** Rows of the demo county loaded before the run (people, events, …). */
  demoRows: Record<string, number>;
  poolMax: number;
  /** The machine's load average when the run started (other work shares the cores). */
  load: number[];
}

// ——— Load generator (worker thread) ——————————————————————————————————————————————————————————————————

function jpeg(size: number): Buffer {
  const b = randomBytes(size);
  b.set([0xff, 0xd8, 0xff, 0xe0], 0);
  b.set([0xff, 0xd9], size - 2);
  return b;
}

async function generate(spec: LoadSpec): Promise<LoadResult> {
  const photo = spec.photo ? jpeg(PHOTO_BYTES).toString('base64') : null;
  const agents = Array.from(
    { length: spec.concurrency },
    (_, i) =>
      new https.Agent({
        keepAlive: true,
        maxSockets: 1,
        ca: spec.ca,
        cert: spec.certs[i % spec.certs.length],
        key: spec.key,
        servername: 'localhost',
      }),
  );
  const body = (user: number, n: number) =>
    Buffer.from(
      JSON.stringify({
        clientId: `${spec.tag}-${user}-${n}`,
        title: '楼道堆放杂物堵塞消防通道',
        description: '3号楼2单元楼道堆放纸箱和旧家具, 影响通行',
        latitude: 38.0123,
        longitude: 100.4567,
        parties: [{ name: '王芳', role: '住户' }],
        ...(photo ? { photos: [{ contentType: 'image/jpeg', data: photo, fileName: 'p.jpg' }] } : {}),
      }),
    );
  const post = (agent: https.Agent, payload: Buffer) =>
    new Promise<number>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: spec.port,
          path: spec.path,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': payload.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            res.statusCode === 201 || res.statusCode === 200
              ? resolve(res.statusCode)
              : reject(
                  new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`),
                ),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  let latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let counter = 0;
  const loop = async (seconds: number, record: boolean) => {
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      agents.map(async (agent, user) => {
        while (performance.now() < end) {
          const payload = body(user, counter++);
          const t0 = performance.now();
          try {
            await post(agent, payload);
          } catch (error) {
            errors++;
            firstError ??= error instanceof Error ? error.message : String(error);
          }
          if (record) latencies.push(performance.now() - t0);
        }
      }),
    );
  };
  await loop(spec.warmupSeconds, false);
  latencies = [];
  errors = 0;
  const start = performance.now();
  await loop(spec.seconds, true);
  const elapsedMs = performance.now() - start;
  for (const a of agents) a.destroy();
  return {
    requests: latencies.length,
    elapsedMs,
    latenciesMs: Float64Array.from(latencies),
    errors,
    firstError,
  };
}

function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: { eventsLoad: spec } });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
  });
}

if (!isMainThread && parentPort && (workerData as { eventsLoad?: LoadSpec })?.eventsLoad) {
  const port = parentPort;
  generate((workerData as { eventsLoad: LoadSpec }).eventsLoad).then(
    (result) => port.postMessage(result, [result.latenciesMs.buffer as ArrayBuffer]),
    (error) => {
      throw error;
    },
  );
}

// ——— Setup and measurement (main thread) ———————————————————————————————————————————————————————————————

/** HANDSETS workers, one per grid round-robin, each holding a handset enrolled with the shared key. */
async function seedHandsets(em: EntityManager, csrPem: string): Promise<string[]> {
  const grids = await runSql<{ code: string }>(
    em,
    `select code from region where level = 'grid' order by code`,
  );
  for (let n = 1; n <= HANDSETS; n++) {
    const deviceId = `BENCH-${String(n).padStart(4, '0')}`;
    const imei = (k: number) => {
      const body = `8655550${String(k).padStart(7, '0')}`;
      return body + luhnCheckDigit(body);
    };
    const [h] = await runSql<{ id: string }>(
      em,
      `insert into handset (device_id, imei1, model, status) values (?, ?, 'Bench handset', 'assigned')
       returning id::text`,
      [deviceId, imei(n)],
    );
    const [w] = await runSql<{ id: string }>(
      em,
      `insert into fleet_worker (code, name, grid_code, kind) values (?, ?, ?, 'full_time') returning id::text`,
      [`BW${n}`, `网格员${n}`, grids[n % grids.length]!.code],
    );
    await runSql(
      em,
      `insert into assignment (handset_id, worker_id, since, assigned_by) values (?, ?, now(), 'bench')`,
      [h!.id, w!.id],
    );
  }
  const certs: string[] = [];
  let next = 1;
  const lane = async () => {
    while (next <= HANDSETS) {
      const deviceId = `BENCH-${String(next++).padStart(4, '0')}`;
      const { token } = await createEnrollmentToken(em.fork(), 'bench', { deviceId }, { ttlMinutes: 5 });
      certs.push((await enroll(em.fork(), { token, csrPem, deviceId })).certificatePem);
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
  return certs;
}

function sharedKey(): { keyPem: string; csrPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  csr.setSubject([{ name: 'commonName', value: 'gridhub bench handset' }]);
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  csr.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return { keyPem, csrPem: forge.pki.certificationRequestToPem(csr) };
}

/** The reference: the same TLS policy (device CA, client certificate required), 200 without database work. */
async function bareEndpoint(em: EntityManager): Promise<{ port: number; close: () => Promise<void> }> {
  const { ca } = await ensureDeviceCa(em);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = await buildCertificate(
    serverCertificateSpec(ca, ['localhost', '127.0.0.1'], forgePublicKey(privateKey), { days: 1 }),
    ca.key,
  );
  const server = https.createServer(
    {
      key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      cert: cert.pem,
      ca: [ca.certPem],
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { clientId: string };
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ eventId: '1', code: 'SB', clientId: body.clientId, created: true }));
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The second reference: the service the route calls, from 50 callers in this process through the hub's own
 * pool, so the database transaction's own rate on this machine is beside the route's.
 */
async function inProcess(orm: MikroORM): Promise<LoadResult> {
  const grids = await runSql<{ code: string }>(
    orm.em.fork() as EntityManager,
    `select distinct grid_code as code from fleet_worker order by 1`,
  );
  const latencies: number[] = [];
  let counter = 0;
  const loop = async (seconds: number, record: boolean) => {
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, user) => {
        const grid = grids[user % grids.length]!.code;
        while (performance.now() < end) {
          const t0 = performance.now();
          await reportEvent(
            orm.em.fork() as EntityManager,
            { name: `handset:bench-${user}`, units: [grid] },
            {
              clientKey: `direct-${user}-${counter++}`,
              fromUnit: grid,
              title: '楼道堆放杂物堵塞消防通道',
              description: '3号楼2单元楼道堆放纸箱和旧家具, 影响通行',
              latitude: 38.0123,
              longitude: 100.4567,
              parties: [{ name: '王芳', role: '住户' }],
            },
          );
          if (record) latencies.push(performance.now() - t0);
        }
      }),
    );
  };
  await loop(WARMUP_SECONDS, false);
  const start = performance.now();
  await loop(SECONDS, true);
  return {
    requests: latencies.length,
    elapsedMs: performance.now() - start,
    latenciesMs: Float64Array.from(latencies),
    errors: 0,
  };
}

function summarise(name: string, r: LoadResult): EventsVariant {
  return {
    name,
    rps: r.requests / (r.elapsedMs / 1000),
    p50: percentile(r.latenciesMs, 50),
    p95: percentile(r.latenciesMs, 95),
    p99: percentile(r.latenciesMs, 99),
    requests: r.requests,
    errors: r.errors,
    firstError: r.firstError,
  };
}

export async function runEventsBench(): Promise<EventsResults> {
  const load = os.loadavg().map((l) => Math.round(l * 10) / 10);
  const url = await recreateDatabase(DATABASE);
  const config = loadConfig({
    DATABASE_URL: url,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0',
    PORT: '0',
    LOG_LEVEL: 'warn',
    GRIDHUB_DEMO: 'false',
    GRIDHUB_QUEUE_PREFIX: `bench-events-${process.pid}`,
    GRIDHUB_DEVICE_HOSTNAMES: 'localhost,127.0.0.1',
    // The production default (10) unless the run asks for another.
    ...(process.env.GRIDHUB_DB_POOL_MAX ? { GRIDHUB_DB_POOL_MAX: process.env.GRIDHUB_DB_POOL_MAX } : {}),
  });
  const hub = await startHub(config, createLogger(config.logLevel), { gateway: true, workers: false });
  try {
    const em = hub.infrastructure.orm.em.fork() as EntityManager;
    console.log('  loading the demo county and enrolling handsets');
    await loadRegionTree(em, demoCountyRegions());
    // The issue measures with the demo county loaded: its people (parties are looked up by ID number), its
    // year of events and disputes in the tables and indexes the reports write to.
    const demo = await loadDemoCounty(em.fork(), { scale: 1 });
    await runSql(em, 'analyze');
    const { keyPem, csrPem } = sharedKey();
    const certs = await seedHandsets(em, csrPem);
    const { ca } = await ensureDeviceCa(em);
    const base = {
      ca: ca.certPem,
      key: keyPem,
      certs,
      concurrency: CONCURRENCY,
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
    };
    const variants: EventsVariant[] = [];
    // Each reference right beside its measurement: other work on the machine drifts over minutes.
    const bare = await bareEndpoint(em);
    try {
      for (const photo of [false, true]) {
        if (!wanted(photo ? 'photo' : 'plain')) continue;
        const what = photo ? ', 200 KB photo' : '';
        console.log(`  reference: bare mTLS endpoint${what}`);
        variants.push(
          summarise(
            `bare mTLS 200 (reference)${what}`,
            await runLoad({ ...base, port: bare.port, path: '/v1/events', photo, tag: `ref${photo}` }),
          ),
        );
        console.log(`  hub: POST /v1/events${what}`);
        variants.push(
          summarise(
            `hub POST /v1/events${what}`,
            await runLoad({
              ...base,
              port: hub.devices!.port,
              path: '/v1/events',
              photo,
              tag: `hub${photo}`,
            }),
          ),
        );
      }
    } finally {
      await bare.close();
    }
    if (wanted('direct')) {
      console.log('  reference: reportEvent in-process (no TLS, no HTTP)');
      variants.push(
        summarise('reportEvent in-process, same pool (reference)', await inProcess(hub.infrastructure.orm)),
      );
    }
    const [stored] = await runSql<{ n: number }>(em, 'select count(*)::int as n from event');
    return {
      date: new Date().toISOString(),
      machine: machine(),
      handsets: certs.length,
      concurrency: CONCURRENCY,
      seconds: SECONDS,
      variants,
      eventsStored: stored!.n,
      demoRows: demo.rows,
      poolMax: config.db.poolMax,
      load,
    };
  } finally {
    // The reports' deadline jobs, in this run's own queue namespace.
    const queue = new Queue('events', {
      connection: redisOptionsFromUrl(config.redisUrl ?? 'redis://127.0.0.1:6379/0'),
      prefix: config.queuePrefix,
    });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await hub.stop();
    await dropDatabase(DATABASE);
  }
}

export function renderEvents(r: EventsResults): string {
  const m = r.machine;
  const rows = r.variants.map((v) => [
    v.name,
    fmt(v.rps),
    fmt(v.p50, 1),
    fmt(v.p95, 1),
    fmt(v.p99, 1),
    fmt(v.requests),
    fmt(v.errors),
  ]);
  return [
    '## Events: handset reports over mutual TLS',
    '',
    `${r.date.slice(0, 10)} · ${m.nproc} CPUs (${m.cpu}), ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, commit ${m.commit};`,
    `load average at the start ${r.load.join(' / ')} (1 / 5 / 15 min).`,
    '',
    `${r.concurrency} handsets, each with its own client certificate and one keep-alive connection, post reports`,
    `in a closed loop for ${r.seconds} s (after a ${WARMUP_SECONDS} s warm-up) to the hub's device endpoint, out of`,
    `${r.handsets} enrolled handsets held by grid workers spread over the demo county's grids, with the demo county`,
    `loaded (${fmt(r.demoRows.persons ?? 0)} people, ${fmt(r.demoRows.events ?? 0)} events). Each report has a title,`,
    'description, coordinates and one party; the photo variant adds one 200 KB JPEG (base64 in the JSON).',
    'The reference is a bare HTTPS listener with the same CA and client-certificate check that answers without',
    'any database work: the floor of TLS + HTTP on this machine for the same clients, so the gap is what the',
    "hub's route costs (validation, photo decoding and sniffing, the reportEvent statement — one autocommitted",
    'statement for the event, its first step, the notice and the parties; a transaction when photos are stored —,',
    'the deadline job, the notice). The second reference calls reportEvent itself from as many callers in the hub',
    `process, through its pool (${r.poolMax} connections): the database work's own rate here, without TLS or HTTP.`,
    `Goal: ${GOAL.rps} reports/s with p99 under ${GOAL.p99} ms.`,
    '',
    table(['Variant', 'reports/s', 'p50 ms', 'p95 ms', 'p99 ms', 'requests', 'errors'], rows),
    '',
    eventsReading(r),
  ].join('\n');
}

export function eventsReading(r: EventsResults): string {
  const hub = r.variants.find((v) => v.name === 'hub POST /v1/events');
  const hubPhoto = r.variants.find((v) => v.name === 'hub POST /v1/events, 200 KB photo');
  const ref = r.variants.find((v) => v.name === 'bare mTLS 200 (reference)');
  const direct = r.variants.find((v) => v.name.startsWith('reportEvent in-process'));
  if (!hub || !ref) return 'Incomplete run.';
  const meets = (v: EventsVariant) =>
    v.rps >= GOAL.rps && v.p99 < GOAL.p99 ? 'meets the goal' : 'misses the goal';
  return [
    `Without a photo the hub takes ${fmt(hub.rps)} reports/s at p99 ${fmt(hub.p99, 1)} ms (${meets(hub)}),`,
    `${fmt(hub.rps / ref.rps, 2)}× the bare endpoint's ${fmt(ref.rps)} req/s.`,
    hubPhoto
      ? `With one 200 KB photo: ${fmt(hubPhoto.rps)} reports/s at p99 ${fmt(hubPhoto.p99, 1)} ms (${meets(hubPhoto)}).`
      : '',
    direct
      ? `reportEvent alone, in-process through the same pool, reaches ${fmt(direct.rps)} reports/s (p99 ${fmt(direct.p99, 1)} ms): the route keeps ${fmt(hub.rps / direct.rps, 2)}× of the database work's own rate, so ${hub.rps / direct.rps > 0.7 ? 'the database work, not TLS or HTTP, bounds the rate' : 'TLS, HTTP and the route cost a large share on top of the database work'}.`
      : '',
    `${fmt(r.eventsStored)} events were stored in all; errors: ${r.variants.map((v) => v.errors).join(' / ')}.`,
  ]
    .filter(Boolean)
    .join(' ');
}
