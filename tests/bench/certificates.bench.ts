import { execFile } from 'node:child_process';
import { generateKeyPair, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import forge from 'node-forge';
import { CA_KEY_BITS, configureDeviceCa, type DeviceAuthority, ensureDeviceCa } from '../../fleet/ca';
import {
  buildCertificate,
  buildCertificateWithForge,
  caCertificateSpec,
  forgePublicKey,
  handsetCertificateSpec,
  parseCsr,
  subjectKeyIdentifierOf,
  toPem,
} from '../../fleet/certificates';
import { createEnrollmentToken, enroll } from '../../fleet/enrollment.service';
import { runSql } from '../../schema/common/rows';
import { initORM, type MikroORM, migrate } from '../../schema/db/orm';
import { HUB_ENTITIES } from '../../workers/entities';
import { dropDatabase, recreateDatabase } from '../support/services';
import { fmt, type Machine, machine, median, table } from './harness';

/**
 * Benchmark "certificates" (issue 6): 1,000 handsets enrolled from 1,000 pre-generated RSA-2048 CSRs through
 * the enrollment service (token checked and taken, CSR parsed and verified, certificate built by node-forge
 * and signed by node:crypto on the thread pool with the RSA-3072 CA key, and the token, certificate, handset,
 * history and audit written in one transaction), against, in the same run: the signing path alone (no
 * database), node:crypto's bare signature with the CA key, node-forge's own pure-JavaScript signing, and
 * `openssl speed`'s RSA-2048 and RSA-3072 signing rates. Goal: 1,000 enrollments in under 3 s.
 */

export const CERTIFICATES_DATABASE = 'gridhub_bench_certificates';
const COUNT = Number(process.env.BENCH_CERT_COUNT ?? 1_000);
const REPS = Number(process.env.BENCH_CERT_REPS ?? 3);
/** Enrollments in flight at once, as concurrent requests on a gateway. */
const CONCURRENCY = Number(process.env.BENCH_CERT_CONCURRENCY ?? 16);
const POOL_MAX = 10;
const FORGE_CERTS = 30;
const GOAL_SECONDS = 3;
const BARE_SIGN_MS = 2_000;

const run = promisify(execFile);

const genRsa = (bits: number) =>
  new Promise<KeyObject>((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: bits }, (error, _pub, key) =>
      error ? reject(error) : resolve(key),
    ),
  );

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, content: Buffer) =>
  Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);

/** A handset's CSR: forge builds the CertificationRequestInfo, node:crypto signs it (as a phone's keystore would). */
function buildCsr(key: KeyObject, commonName: string): string {
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forgePublicKey(key);
  csr.setSubject([{ shortName: 'CN', value: commonName }]);
  const info = (
    forge.pki as unknown as {
      getCertificationRequestInfo(c: forge.pki.CertificateSigningRequest): forge.asn1.Asn1;
    }
  ).getCertificationRequestInfo(csr);
  const infoDer = Buffer.from(forge.asn1.toDer(info).getBytes(), 'binary');
  const signature = sign('sha256', infoDer, key);
  const der = tlv(
    0x30,
    Buffer.concat([
      infoDer,
      Buffer.from('300d06092a864886f70d01010b0500', 'hex'),
      tlv(0x03, Buffer.concat([Buffer.from([0]), signature])),
    ]),
  );
  return toPem('CERTIFICATE REQUEST', der);
}

/** Runs `fn(0…n-1)` with at most `concurrency` in flight. */
async function pool(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

interface Timed {
  ms: number;
  /** Node's CPU (user + system) over the run, ms. */
  cpuMs: number;
}

async function timedRun(fn: () => Promise<unknown>): Promise<Timed> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

interface OpensslSpeed {
  bits: number;
  signPerS: number;
  verifyPerS: number;
}

async function opensslSpeed(): Promise<{ version: string; rates: OpensslSpeed[] }> {
  const version = (await run('openssl', ['version'])).stdout.trim();
  const { stdout } = await run('openssl', ['speed', '-seconds', '3', 'rsa2048', 'rsa3072'], {
    maxBuffer: 4 * 1024 * 1024,
  });
  const rates = [...stdout.matchAll(/^rsa\s+(\d+) bits\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)/gm)].map((m) => ({
    bits: Number(m[1]),
    signPerS: Number(m[2]),
    verifyPerS: Number(m[3]),
  }));
  if (!rates.length) throw new Error(`cannot read openssl speed's output:\n${stdout}`);
  return { version, rates };
}

/** node:crypto's bare RSA signature with `key` over a certificate-sized message: sync, then async in flight. */
async function bareSigning(key: KeyObject): Promise<{ syncPerS: number; asyncPerS: number }> {
  const tbs = Buffer.alloc(900, 7);
  let n = 0;
  let t0 = performance.now();
  while (performance.now() - t0 < BARE_SIGN_MS) {
    sign('sha256', tbs, key);
    n++;
  }
  const syncPerS = n / ((performance.now() - t0) / 1000);
  const total = Math.max(200, Math.round((syncPerS * BARE_SIGN_MS) / 1000));
  t0 = performance.now();
  await pool(
    total,
    64,
    () => new Promise((resolve, reject) => sign('sha256', tbs, key, (e, s) => (e ? reject(e) : resolve(s)))),
  );
  return { syncPerS, asyncPerS: total / ((performance.now() - t0) / 1000) };
}

export interface CertificatesResults {
  machine: Machine;
  started: Date;
  seconds: number;
  load: [number, number];
  pgVersion: string;
  setup: { keysMs: number; csrsMs: number; tokensMs: number };
  /** One entry per rep: COUNT enrollments through the service. */
  enroll: Timed[];
  /** The signing path without the database: parse + verify the CSR, build, sign. */
  pureSequential: Timed;
  pureConcurrent: Timed[];
  /** The same concurrent path with an RSA-2048 CA key, to show what the 3072-bit key costs. */
  pure2048: Timed;
  bare: { syncPerS: number; asyncPerS: number };
  forge: { certs: number; ms: number };
  forge2048: { certs: number; ms: number };
  openssl: { version: string; rates: OpensslSpeed[] };
  verified: string;
  rows: { certificates: number; audits: number };
}

export async function runCertificatesBench(): Promise<CertificatesResults> {
  const started = new Date();
  const loadAtStart = os.loadavg()[0]!;
  const t0 = performance.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-bench-certs-'));
  const url = await recreateDatabase(CERTIFICATES_DATABASE);
  const orm: MikroORM = await initORM({
    url,
    poolMax: POOL_MAX,
    statementTimeoutMs: 120_000,
    entities: HUB_ENTITIES,
  });
  const em = () => orm.em.fork() as EntityManager;
  try {
    await migrate(orm);
    const [{ server_version: pgVersion }] = (await runSql<{ server_version: string }>(
      em(),
      'show server_version',
    )) as [{ server_version: string }];
    configureDeviceCa({
      passphrase: 'benchmark passphrase',
      publicUrl: 'https://hub.bench.invalid',
      certDays: 365,
    });
    const { ca } = await ensureDeviceCa(em());

    console.log(`  ${COUNT} RSA-2048 keys and CSRs`);
    let t = performance.now();
    const keys = await Promise.all(Array.from({ length: COUNT }, () => genRsa(2048)));
    const keysMs = performance.now() - t;
    t = performance.now();
    const csrs = keys.map((k, i) => buildCsr(k, `bench-${i}`));
    const csrsMs = performance.now() - t;
    parseCsr(csrs[0]);

    console.log(`  ${COUNT * REPS} handsets and their enrollment tokens`);
    await runSql(
      em(),
      `insert into handset (device_id, imei1, model, status)
       select 'BENCH-' || lpad(g::text, 6, '0'), '86' || lpad(g::text, 13, '0'), 'bench handset', 'assigned'
         from generate_series(1, ?) g`,
      [COUNT * REPS],
    );
    t = performance.now();
    const tokens: Array<{ token: string; deviceId: string }> = new Array(COUNT * REPS);
    await pool(COUNT * REPS, 8, async (i) => {
      const deviceId = `BENCH-${String(i + 1).padStart(6, '0')}`;
      tokens[i] = { token: (await createEnrollmentToken(em(), 'bench', deviceId)).token, deviceId };
    });
    const tokensMs = performance.now() - t;
    await runSql(em(), 'vacuum analyze');

    const enrollRuns: Timed[] = [];
    let firstCert = '';
    for (let rep = 0; rep < REPS; rep++) {
      console.log(`  enroll ${COUNT}, rep ${rep + 1}/${REPS}`);
      enrollRuns.push(
        await timedRun(() =>
          pool(COUNT, CONCURRENCY, async (i) => {
            const { token, deviceId } = tokens[rep * COUNT + i]!;
            const issued = await enroll(em(), { token, csrPem: csrs[i]!, deviceId });
            if (!firstCert) firstCert = issued.certificatePem;
          }),
        ),
      );
    }

    writeFileSync(path.join(dir, 'ca.pem'), ca.certPem);
    writeFileSync(path.join(dir, 'cert.pem'), firstCert);
    const verify = await run('openssl', [
      'verify',
      '-x509_strict',
      '-purpose',
      'sslclient',
      '-CAfile',
      path.join(dir, 'ca.pem'),
      path.join(dir, 'cert.pem'),
    ]).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: `${e.stdout ?? ''}${e.stderr ?? ''}` }));
    const verified = verify.stdout.trim().replace(`${dir}/`, '');

    const issue = (
      authority:
        | DeviceAuthority
        | { subject: DeviceAuthority['subject']; keyIdentifier: string; key: KeyObject },
      i: number,
    ) =>
      buildCertificate(
        handsetCertificateSpec(
          authority,
          { deviceId: `PURE-${i}`, imei1: '860000000000000' },
          parseCsr(csrs[i]!).publicKey,
          {
            days: 365,
            crlUrl: 'https://hub.bench.invalid/devices/crl',
          },
        ),
        authority.key,
      );
    console.log('  signing path without the database');
    const pureSequential = await timedRun(async () => {
      for (let i = 0; i < COUNT; i++) await issue(ca, i);
    });
    const pureConcurrent: Timed[] = [];
    for (let rep = 0; rep < REPS; rep++)
      pureConcurrent.push(await timedRun(() => pool(COUNT, 64, (i) => issue(ca, i))));

    const key2048 = await genRsa(2048);
    const ca2048Cert = await buildCertificate(
      caCertificateSpec('bench 2048 CA', forgePublicKey(key2048), { years: 1 }),
      key2048,
    );
    const ca2048 = {
      subject: forge.pki.certificateFromPem(ca2048Cert.pem).subject.attributes as DeviceAuthority['subject'],
      keyIdentifier: subjectKeyIdentifierOf(ca2048Cert.pem),
      key: key2048,
    };
    const pure2048 = await timedRun(() => pool(COUNT, 64, (i) => issue(ca2048, i)));

    console.log('  node:crypto bare signatures, node-forge pure-JS signing, openssl speed');
    const bare = await bareSigning(ca.key);
    const forgeSpec = (authority: typeof ca2048, i: number) =>
      handsetCertificateSpec(
        authority,
        { deviceId: `FORGE-${i}`, imei1: '860000000000000' },
        parseCsr(csrs[i]!).publicKey,
        {
          days: 365,
          crlUrl: 'https://hub.bench.invalid/devices/crl',
        },
      );
    const forgeKey = forge.pki.privateKeyFromPem(ca.key.export({ type: 'pkcs1', format: 'pem' }) as string);
    t = performance.now();
    for (let i = 0; i < FORGE_CERTS; i++) buildCertificateWithForge(forgeSpec(ca, i), forgeKey);
    const forgeRun = { certs: FORGE_CERTS, ms: performance.now() - t };
    const forgeKey2048 = forge.pki.privateKeyFromPem(
      key2048.export({ type: 'pkcs1', format: 'pem' }) as string,
    );
    t = performance.now();
    for (let i = 0; i < FORGE_CERTS; i++) buildCertificateWithForge(forgeSpec(ca2048, i), forgeKey2048);
    const forge2048 = { certs: FORGE_CERTS, ms: performance.now() - t };
    const openssl = await opensslSpeed();

    const [{ certificates, audits }] = (await runSql<{ certificates: number; audits: number }>(
      em(),
      `select (select count(*)::int from device_certificate) as certificates,
              (select count(*)::int from fleet_audit where action = 'enroll') as audits`,
    )) as [{ certificates: number; audits: number }];

    return {
      machine: machine(),
      started,
      seconds: (performance.now() - t0) / 1000,
      load: [loadAtStart, os.loadavg()[0]!],
      pgVersion,
      setup: { keysMs, csrsMs, tokensMs },
      enroll: enrollRuns,
      pureSequential,
      pureConcurrent,
      pure2048,
      bare,
      forge: forgeRun,
      forge2048,
      openssl,
      verified,
      rows: { certificates, audits },
    };
  } finally {
    await orm.close();
    await dropDatabase(CERTIFICATES_DATABASE);
    rmSync(dir, { recursive: true, force: true });
  }
}

const perS = (n: number, ms: number) => n / (ms / 1000);
const verdict = (met: boolean) => (met ? '**met**' : '**not met**');

function figures(r: CertificatesResults) {
  const enrollMs = median(r.enroll.map((x) => x.ms));
  const pureMs = median(r.pureConcurrent.map((x) => x.ms));
  const rate = (bits: number) => r.openssl.rates.find((x) => x.bits === bits)?.signPerS ?? Number.NaN;
  return {
    enrollMs,
    enroll: perS(COUNT, enrollMs),
    enrollCpuUs: (median(r.enroll.map((x) => x.cpuMs)) * 1000) / COUNT,
    pure: perS(COUNT, pureMs),
    pureSeq: perS(COUNT, r.pureSequential.ms),
    pure2048: perS(COUNT, r.pure2048.ms),
    forge: perS(r.forge.certs, r.forge.ms),
    forge2048: perS(r.forge2048.certs, r.forge2048.ms),
    openssl2048: rate(2048),
    openssl3072: rate(3072),
    met: enrollMs / 1000 < GOAL_SECONDS,
  };
}

export function certificatesReading(r: CertificatesResults): string {
  const f = figures(r);
  const cores = Number(r.machine.nproc) || 1;
  return [
    `${fmt(COUNT)} enrollments through the enrollment service take ${fmt(f.enrollMs / 1000, 2)} s (median of ${REPS}; ` +
      `${fmt(f.enroll)} certificates/s, ${CONCURRENCY} in flight): goal < ${GOAL_SECONDS} s ${verdict(f.met)}.`,
    `Each costs ${fmt(f.enrollCpuUs)} µs of Node CPU (main thread and signing threads together), beside PostgreSQL's share of the ${cores} cores.`,
    `The signing path alone (CSR parsed and verified, certificate built by node-forge, signed by node:crypto with the RSA-${CA_KEY_BITS} CA key) ` +
      `issues ${fmt(f.pure)} certificates/s with signatures in flight on the thread pool and ${fmt(f.pureSeq)}/s one at a time; ` +
      `node:crypto's bare RSA-${CA_KEY_BITS} signature runs at ${fmt(r.bare.syncPerS)}/s on one thread and ${fmt(r.bare.asyncPerS)}/s on the pool, ` +
      `\`openssl speed\` at ${fmt(f.openssl3072)}/s (RSA-3072) and ${fmt(f.openssl2048)}/s (RSA-2048) per core.`,
    `So the CA key's signature is the largest single cost: with an RSA-2048 CA key the same path reaches ${fmt(f.pure2048)}/s. ` +
      `node-forge's own pure-JavaScript signing manages ${fmt(f.forge)} certificates/s with the RSA-${CA_KEY_BITS} key ` +
      `(${fmt(f.forge2048)}/s with RSA-2048) and blocks the event loop meanwhile: signing the TBS bytes with node:crypto is ${fmt(f.pure / f.forge, 0)}× faster.`,
    `openssl accepts the issued certificates (\`openssl verify -x509_strict -purpose sslclient\` on the first: ${r.verified.replace(/^.*: /, '')}).`,
  ].join('\n');
}

export function renderCertificates(r: CertificatesResults): string {
  const m = r.machine;
  const f = figures(r);
  const secs = (list: Timed[]) =>
    `${fmt(median(list.map((x) => x.ms)) / 1000, 2)} (${list.map((x) => fmt(x.ms / 1000, 2)).join(', ')})`;
  const results = table(
    ['measurement', 'certificates', 'seconds (median; each rep)', 'certificates/s', 'Node CPU µs each'],
    [
      [
        `enroll through the service (${CONCURRENCY} in flight, pool of ${POOL_MAX} connections)`,
        fmt(COUNT),
        secs(r.enroll),
        fmt(f.enroll),
        fmt(f.enrollCpuUs),
      ],
      [
        `signing path, no database, 64 in flight (RSA-${CA_KEY_BITS} CA)`,
        fmt(COUNT),
        secs(r.pureConcurrent),
        fmt(f.pure),
        fmt((median(r.pureConcurrent.map((x) => x.cpuMs)) * 1000) / COUNT),
      ],
      [
        `signing path, no database, one at a time (RSA-${CA_KEY_BITS} CA)`,
        fmt(COUNT),
        secs([r.pureSequential]),
        fmt(f.pureSeq),
        fmt((r.pureSequential.cpuMs * 1000) / COUNT),
      ],
      [
        'signing path, no database, 64 in flight (RSA-2048 CA, for comparison)',
        fmt(COUNT),
        secs([r.pure2048]),
        fmt(f.pure2048),
        fmt((r.pure2048.cpuMs * 1000) / COUNT),
      ],
      [
        `node-forge alone, pure-JS signing (RSA-${CA_KEY_BITS} CA)`,
        fmt(r.forge.certs),
        fmt(r.forge.ms / 1000, 2),
        fmt(f.forge),
        '—',
      ],
      [
        'node-forge alone, pure-JS signing (RSA-2048 CA)',
        fmt(r.forge2048.certs),
        fmt(r.forge2048.ms / 1000, 2),
        fmt(f.forge2048),
        '—',
      ],
    ],
  );
  const references = table(
    ['reference (same run)', 'signatures/s'],
    [
      [`node:crypto \`sign\`, RSA-${CA_KEY_BITS} CA key, one thread (sync)`, fmt(r.bare.syncPerS)],
      [`node:crypto \`sign\`, RSA-${CA_KEY_BITS} CA key, thread pool (64 in flight)`, fmt(r.bare.asyncPerS)],
      ...r.openssl.rates.map((x) => [`\`openssl speed -seconds 3 rsa${x.bits}\`, one core`, fmt(x.signPerS)]),
    ],
  );
  return [
    '## Certificates (issue 6)',
    '',
    `**Goal (issue 6): ${fmt(COUNT)} enrollments from ${fmt(COUNT)} pre-generated CSRs in under ${GOAL_SECONDS} s.**`,
    '',
    '| | |',
    '| --- | --- |',
    `| date | ${r.started.toISOString()} |`,
    `| machine | ${m.nproc} CPUs (nproc), ${m.cpu}, ${m.memoryGiB} GiB, ${m.os} |`,
    `| Node | ${m.node} (UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? '4, the default'}) |`,
    `| OpenSSL | ${r.openssl.version} |`,
    `| PostgreSQL | ${r.pgVersion} (database \`${CERTIFICATES_DATABASE}\`, recreated by the run and dropped after it) |`,
    `| commit | ${m.commit} |`,
    `| data | ${fmt(COUNT)} RSA-2048 keys (${fmt(r.setup.keysMs / 1000, 1)} s) and CSRs (${fmt(r.setup.csrsMs / 1000, 1)} s); ${fmt(COUNT * REPS)} handsets and one-time tokens (${fmt(r.setup.tokensMs / 1000, 1)} s); ${fmt(r.rows.certificates)} certificates and ${fmt(r.rows.audits)} enroll audit entries at the end |`,
    `| whole benchmark | ${fmt(r.seconds, 0)} s |`,
    `| load average (1 min) | ${fmt(r.load[0], 2)} at the start, ${fmt(r.load[1], 2)} at the end |`,
    '',
    '### Reading',
    '',
    certificatesReading(r),
    '',
    '### Results',
    '',
    table(
      ['goal', 'measured', ''],
      [[`${fmt(COUNT)} enrollments < ${GOAL_SECONDS} s`, `${fmt(f.enrollMs / 1000, 2)} s`, verdict(f.met)]],
    ),
    '',
    results,
    '',
    references,
    '',
    '### Method',
    '',
    `- Setup: \`recreateDatabase('${CERTIFICATES_DATABASE}')\`, \`migrate\`, \`ensureDeviceCa\` (RSA-${CA_KEY_BITS}, key encrypted at rest). ${fmt(COUNT)} RSA-2048 keys from \`generateKeyPair\`; each CSR's CertificationRequestInfo built by node-forge and signed with its key by node:crypto. ${fmt(COUNT * REPS)} handsets inserted with one \`insert … select … generate_series\`, one token each from \`createEnrollmentToken\` (not timed), then \`vacuum analyze\`.`,
    `- Enroll: ${REPS} reps, each ${fmt(COUNT)} calls of \`enroll(em, { token, csrPem, deviceId })\` on fresh handsets (the same ${fmt(COUNT)} CSRs), ${CONCURRENCY} in flight on an ORM pool of ${POOL_MAX} connections, in this one process; each call reads the token and its handset (one prepared statement), verifies the CSR, builds and signs the certificate, then writes token use, certificate, superseded certificates, handset status, fleet_change and fleet_audit in one prepared statement (atomic on its own). Wall time of all ${fmt(COUNT)}; Node CPU from \`process.cpuUsage()\`.`,
    `- Signing path: \`parseCsr\` + \`handsetCertificateSpec\` + \`buildCertificate\` for the same CSRs without any database work, ${REPS} reps with 64 in flight, then one rep awaited one by one, then one rep with a throwaway RSA-2048 CA key.`,
    `- node-forge alone: \`cert.sign(forgeKey, sha256)\` on ${FORGE_CERTS} of the same certificates (pure JavaScript, on the event loop), with the CA key and with an RSA-2048 key.`,
    `- References: node:crypto \`sign('sha256', 900 bytes, caKey)\` back to back for ${BARE_SIGN_MS / 1000} s, then as many with callbacks, 64 in flight; \`openssl speed -seconds 3 rsa2048 rsa3072\` (one process, one core).`,
  ].join('\n');
}
