import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net, { type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDeviceCa } from '../../fleet/ca';
import { publishCrl } from '../../fleet/crl';
import { createEnrollmentToken, revoke } from '../../fleet/enrollment.service';
import type { RunningHub } from '../../gateway/hub';
import { runSql } from '../../schema/common/rows';
import { inTransaction } from '../../schema/db/tx';
import { redisOptionsFromUrl } from '../../workers/redis';
import {
  freshImei,
  handsetRow,
  insertHandset,
  makeCsr,
  type TestHandset,
  tool,
} from '../integration/fleet/ca-fixture';
import { startTestHub } from '../support/hub';
import { dropDatabase, recreateDatabase, scratchDatabaseName, TEST_REDIS_URL } from '../support/services';

/**
 * The handsets' side of the hub, with the tools a handset's developer would use: openssl makes the key and the
 * CSR and verifies what comes back; curl enrolls over the gateway's port and checks in over mutual TLS on the
 * device port. After a revocation the same curl fails in the TLS handshake (no HTTP status at all), with the
 * listener still running; the served CRL passes `openssl crl -verify` and lists the serial with its reason.
 */

const DB = scratchDatabaseName('devices_e2e');
const PREFIX = `test-devices-${process.pid}`;

let hub: RunningHub;
let dir: string;
let gatewayUrl: string;
let deviceUrl: string;
let caFile: string;
const em = () => hub.infrastructure.orm.em.fork() as EntityManager;

interface CurlResult {
  exit: number;
  status: string;
  body: string;
  stderr: string;
}

let calls = 0;

/**
 * curl's exit codes for a connection the server dropped in the TLS handshake: 35 (SSL connect error; TLS 1.2,
 * or no client certificate), 56 (reset while receiving) or 52 (nothing received): under TLS 1.3 the server
 * judges the client's certificate after the client has finished its side of the handshake.
 */
const HANDSHAKE_FAILED = [35, 52, 56];

/** curl as a handset would run it; `cert` is the [certificate, key] pair for mutual TLS. */
async function curl(
  url: string,
  {
    body,
    cert,
    type = 'application/json',
    extra = [],
  }: { body?: string; cert?: [string, string]; type?: string; extra?: string[] } = {},
): Promise<CurlResult> {
  const out = path.join(dir, `response-${++calls}`);
  const args = ['-sS', '--max-time', '15', '--cacert', caFile, '-o', out, '-w', '%{http_code}', ...extra];
  if (cert) args.push('--cert', cert[0], '--key', cert[1]);
  if (body !== undefined) {
    const file = path.join(dir, `request-${calls}`);
    writeFileSync(file, body);
    args.push('-X', 'POST', '-H', `content-type: ${type}`, '--data-binary', `@${file}`);
  }
  const r = await tool('curl', [...args, url]);
  let text = '';
  try {
    text = readFileSync(out, 'utf8');
  } catch {
    // no body: the connection failed
  }
  return { exit: r.code, status: r.stdout.trim(), body: text, stderr: r.stderr };
}

const json = (r: CurlResult) => JSON.parse(r.body) as Record<string, unknown>;
const report = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ appVersion: '3.2.0', appVersionCode: 320, osVersion: 'Android 13', battery: 64, ...over });

interface Enrolled {
  h: TestHandset;
  certFile: string;
  keyFile: string;
  serial: string;
}

/** A new handset (with a SIM held by a worker) enrolled through the gateway with an openssl CSR. */
async function enrolled(name: string): Promise<Enrolled> {
  const h = await insertHandset(em(), { withSim: true });
  const { token } = await createEnrollmentToken(em(), 'it-office', h.deviceId);
  const { csrPem, keyFile } = await makeCsr(dir, name);
  const r = await curl(`${gatewayUrl}/devices/enroll`, {
    body: JSON.stringify({ token, csr: csrPem, deviceId: h.deviceId }),
  });
  expect(r.status, r.body).toBe('201');
  const certFile = path.join(dir, `${name}.pem`);
  writeFileSync(certFile, json(r).certificate as string);
  return { h, certFile, keyFile, serial: json(r).serial as string };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-devices-'));
  hub = await startTestHub(
    {
      DATABASE_URL: await recreateDatabase(DB),
      GRIDHUB_DATA_DIR: path.join(dir, 'data'),
      GRIDHUB_QUEUE_PREFIX: PREFIX,
    },
    { gateway: true, workers: true },
  );
  gatewayUrl = hub.gateway!.url;
  deviceUrl = `https://127.0.0.1:${hub.devices!.port}`;
  caFile = path.join(dir, 'ca.pem');
  const ca = await fetch(`${gatewayUrl}/devices/ca.pem`);
  writeFileSync(caFile, await ca.text());
});

afterAll(async () => {
  const queue = new Queue('upkeep', { connection: redisOptionsFromUrl(TEST_REDIS_URL), prefix: PREFIX });
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  await hub?.stop();
  await dropDatabase(DB);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the device CA over HTTP', () => {
  it('serves its certificate and its CRL (DER, or PEM on request) on the gateway port', async () => {
    const ca = await fetch(`${gatewayUrl}/devices/ca.pem`);
    expect(ca.headers.get('content-type')).toContain('application/x-pem-file');
    const fp = await tool('openssl', ['x509', '-in', caFile, '-noout', '-fingerprint', '-sha256']);
    expect(fp.stdout.trim()).toBe(`sha256 Fingerprint=${ca.headers.get('x-ca-fingerprint-sha256')}`);

    const crl = await fetch(`${gatewayUrl}/devices/crl`);
    expect(crl.status).toBe(200);
    expect(crl.headers.get('content-type')).toBe('application/pkix-crl');
    const der = path.join(dir, 'first.crl');
    writeFileSync(der, Buffer.from(await crl.arrayBuffer()));
    const verified = await tool('openssl', [
      'crl',
      '-inform',
      'DER',
      '-in',
      der,
      '-noout',
      '-verify',
      '-CAfile',
      caFile,
    ]);
    expect(verified.code).toBe(0);
    const pem = await (await fetch(`${gatewayUrl}/devices/crl?format=pem`)).text();
    expect(pem).toMatch(/^-----BEGIN X509 CRL-----\n/);
  });
});

describe('a handset', () => {
  let phone: Enrolled;

  it('enrolls an openssl CSR; openssl verifies the certificate as an sslclient; the subject is the inventory’s', async () => {
    phone = await enrolled('phone');
    const verified = await tool('openssl', [
      'verify',
      '-x509_strict',
      '-purpose',
      'sslclient',
      '-CAfile',
      caFile,
      phone.certFile,
    ]);
    expect(verified.stdout.trim()).toBe(`${phone.certFile}: OK`);
    const subject = await tool('openssl', ['x509', '-in', phone.certFile, '-noout', '-subject']);
    expect(subject.stdout.trim()).toBe(`subject=CN = ${phone.h.deviceId}, O = gridhub county platform`);
    expect((await handsetRow(em(), phone.h.id)).status).toBe('active');
  });

  it('checks in with curl over mutual TLS and is seen', async () => {
    const before = await handsetRow(em(), phone.h.id);
    expect(before.last_seen_at).toBeNull();
    const r = await curl(`${deviceUrl}/devices/checkin`, {
      body: report({ iccid: phone.h.iccid, imeis: [phone.h.imei1] }),
      cert: [phone.certFile, phone.keyFile],
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe('200');
    expect(json(r)).toMatchObject({
      deviceId: phone.h.deviceId,
      findings: [],
      app: null,
      certificate: { serial: phone.serial, status: 'active', renewDue: false },
    });
    const after = await handsetRow(em(), phone.h.id);
    expect(new Date(after.last_seen_at as string).getTime()).toBeGreaterThan(Date.now() - 30_000);
    expect(after).toMatchObject({ battery: 64, app_version_code: 320, iccid_seen: phone.h.iccid });
  });

  it('reports a SIM from another handset and a changed IMEI', async () => {
    const other = await insertHandset(em(), { withSim: true });
    const foreign = freshImei();
    const r = await curl(`${deviceUrl}/devices/checkin`, {
      body: report({ iccid: other.iccid, imei: foreign }),
      cert: [phone.certFile, phone.keyFile],
    });
    expect(r.status, r.body).toBe('200');
    expect(json(r).findings).toEqual(['SIM_MISMATCH', 'IMEI_CHANGED']);
    expect((await handsetRow(em(), phone.h.id)).reported_imei).toBe(foreign);
  });

  it('gets 400 naming the field and the rule for a bad report', async () => {
    const r = await curl(`${deviceUrl}/devices/checkin`, {
      body: report({ battery: 140 }),
      cert: [phone.certFile, phone.keyFile],
    });
    expect(r.status).toBe('400');
    expect(json(r)).toMatchObject({ error: 'CHECKIN_INVALID', field: 'battery', rule: 'RANGE' });
  });

  it('cannot connect to the device port without a client certificate', async () => {
    const r = await curl(`${deviceUrl}/devices/checkin`, { body: report() });
    expect(HANDSHAKE_FAILED).toContain(r.exit);
    expect(r.status).toBe('000');
  });

  it('renews over mutual TLS with a new key, and the new certificate checks in', async () => {
    const { csrPem, keyFile } = await makeCsr(dir, 'phone-renewed');
    const r = await curl(`${deviceUrl}/devices/renew`, {
      body: csrPem,
      type: 'application/pkcs10',
      cert: [phone.certFile, phone.keyFile],
    });
    expect(r.status, r.body).toBe('201');
    const renewed = json(r);
    expect(renewed).toMatchObject({ deviceId: phone.h.deviceId, endpoint: hub.devices!.url });
    const certFile = path.join(dir, 'phone-renewed.pem');
    writeFileSync(certFile, renewed.certificate as string);
    expect(
      (
        await tool('openssl', [
          'verify',
          '-x509_strict',
          '-purpose',
          'sslclient',
          '-CAfile',
          caFile,
          certFile,
        ])
      ).code,
    ).toBe(0);
    const checkin = await curl(`${deviceUrl}/devices/checkin`, { body: report(), cert: [certFile, keyFile] });
    expect(checkin.status).toBe('200');
    expect(json(checkin).certificate).toMatchObject({ serial: renewed.serial, status: 'active' });
    // The superseded certificate is still valid until it expires, so it may check in, but not renew again.
    const old = await curl(`${deviceUrl}/devices/checkin`, {
      body: report(),
      cert: [phone.certFile, phone.keyFile],
    });
    expect(json(old).certificate).toMatchObject({ status: 'superseded' });
    const again = await curl(`${deviceUrl}/devices/renew`, {
      body: JSON.stringify({ csr: csrPem }),
      cert: [phone.certFile, phone.keyFile],
    });
    expect(again.status).toBe('403');
    expect(json(again)).toMatchObject({ error: 'CERT_SUPERSEDED' });
    phone = { ...phone, certFile, keyFile, serial: renewed.serial as string };
  });

  it('is refused at the handshake right after revocation, without a restart; the CRL lists it with the reason', async () => {
    const listening = hub.devices!.port;
    const { revoked, crl } = await revoke(em(), 'it-office', phone.h.deviceId, 'keyCompromise');
    expect(revoked).toHaveLength(2);
    expect(hub.devices!.crlNumber()).toBe(crl!.number);

    const r = await curl(`${deviceUrl}/devices/checkin`, {
      body: report(),
      cert: [phone.certFile, phone.keyFile],
    });
    expect(HANDSHAKE_FAILED).toContain(r.exit);
    expect(r.status).toBe('000');
    // Node closes the connection without an alert, so curl cannot say why: under TLS 1.3 the close comes after
    // its Finished (52 or 56), under TLS 1.2 in SSL_connect itself (35). Either way no HTTP status: the same request
    // with the same certificate succeeded before the revocation.
    const tls12 = await curl(`${deviceUrl}/devices/checkin`, {
      body: report(),
      cert: [phone.certFile, phone.keyFile],
      extra: ['--tls-max', '1.2'],
    });
    expect(tls12.exit).toBe(35);
    expect(tls12.stderr).toContain('SSL_connect');
    const renewal = await curl(`${deviceUrl}/devices/renew`, {
      body: readFileSync(path.join(dir, 'phone-renewed.csr'), 'utf8'),
      type: 'application/pkcs10',
      cert: [phone.certFile, phone.keyFile],
    });
    expect(renewal.status).toBe('000');
    expect(hub.devices!.port).toBe(listening);

    const crlFile = path.join(dir, 'revoked.crl');
    writeFileSync(crlFile, Buffer.from(await (await fetch(`${gatewayUrl}/devices/crl`)).arrayBuffer()));
    expect(
      (
        await tool('openssl', [
          'crl',
          '-inform',
          'DER',
          '-in',
          crlFile,
          '-noout',
          '-verify',
          '-CAfile',
          caFile,
        ])
      ).code,
    ).toBe(0);
    const text = (await tool('openssl', ['crl', '-inform', 'DER', '-in', crlFile, '-noout', '-text'])).stdout;
    expect(text).toContain(`Serial Number: ${phone.serial.replace(/^00/, '').toUpperCase()}`);
    expect(text).toContain('Key Compromise');
    expect(text).toMatch(new RegExp(`CRL Number:\\s+${crl!.number}\\b`));
  });

  it('is refused within the poll interval when another gateway published the CRL', async () => {
    const tablet = await enrolled('tablet');
    const ok = await curl(`${deviceUrl}/devices/checkin`, {
      body: report(),
      cert: [tablet.certFile, tablet.keyFile],
    });
    expect(ok.status).toBe('200');
    // What another gateway process does: revoke and publish in the database, with no event in this process.
    const ca = await loadDeviceCa(em());
    await inTransaction(em(), async (tx) => {
      await tx.query(
        `update device_certificate set status = 'revoked', revoked_at = now(), revocation_reason = 'cessationOfOperation' where serial = $1`,
        [tablet.serial],
      );
      await publishCrl(tx, ca);
    });
    const started = Date.now();
    let r = ok;
    while (Date.now() - started < 10_000) {
      r = await curl(`${deviceUrl}/devices/checkin`, {
        body: report(),
        cert: [tablet.certFile, tablet.keyFile],
      });
      if (r.status === '000') break;
      // In the moment before the new CRL is loaded the hub itself refuses a revoked certificate.
      expect(r.status).toBe('403');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(r.status).toBe('000');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('loses a kept-alive connection opened before its revocation', async () => {
    const watch = await enrolled('watch');
    const agent = new https.Agent({
      keepAlive: true,
      maxSockets: 1,
      cert: readFileSync(watch.certFile),
      key: readFileSync(watch.keyFile),
      ca: readFileSync(caFile),
    });
    try {
      const socket = await new Promise<Socket>((resolve, reject) => {
        const req = https.request(
          `${deviceUrl}/devices/checkin`,
          { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
          (res) => {
            expect(res.statusCode).toBe(200);
            res.resume();
            res.on('end', () => resolve(req.socket!));
          },
        );
        req.on('error', reject);
        req.end(report());
      });
      expect(socket.destroyed).toBe(false);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      await revoke(em(), 'it-office', { handset: watch.h.deviceId }, 'affiliationChanged');
      await closed;
      expect(socket.destroyed).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('gets clear refusals when enrolling with a used token, an EC key or garbage', async () => {
    const h = await insertHandset(em());
    const { token } = await createEnrollmentToken(em(), 'it-office', h.deviceId);
    const ec = await makeCsr(dir, 'ec', 'ec');
    const enrollWith = (csr: string) =>
      curl(`${gatewayUrl}/devices/enroll`, { body: JSON.stringify({ token, csr, deviceId: h.deviceId }) });

    const refusedEc = await enrollWith(ec.csrPem);
    expect(refusedEc.status).toBe('400');
    expect(json(refusedEc)).toMatchObject({
      error: 'CSR_KEY_NOT_RSA',
      field: 'csr',
      message: expect.stringContaining('requires an RSA key of at least 2048 bits'),
    });
    const garbage = await enrollWith(
      '-----BEGIN CERTIFICATE REQUEST-----\ngarbage\n-----END CERTIFICATE REQUEST-----',
    );
    expect(garbage.status).toBe('400');
    expect(json(garbage)).toMatchObject({ error: 'CSR_INVALID', rule: 'CSR_INVALID' });
    expect(await runSql(em(), 'select 1 from device_certificate where handset_id = ?', [h.id])).toEqual([]);

    const { csrPem } = await makeCsr(dir, 'late');
    expect((await enrollWith(csrPem)).status).toBe('201');
    const reused = await enrollWith(csrPem);
    expect(reused.status).toBe('403');
    expect(json(reused)).toMatchObject({
      error: 'TOKEN_USED',
      message: expect.stringContaining('token already used'),
    });
  });

  it('publishes a fresh CRL from the hourly upkeep job, which the endpoint loads', async () => {
    const before = hub.devices!.crlNumber();
    const queue = new Queue('upkeep', { connection: redisOptionsFromUrl(TEST_REDIS_URL), prefix: PREFIX });
    try {
      await queue.add('refresh-crl', {});
      const started = Date.now();
      while (hub.devices!.crlNumber() === before && Date.now() - started < 10_000) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await queue.close();
    }
    expect(BigInt(hub.devices!.crlNumber())).toBeGreaterThan(BigInt(before));
  });
});

describe('stopping the hub', () => {
  it('closes the device port', async () => {
    const port = hub.devices!.port;
    await hub.stop();
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
