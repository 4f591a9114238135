import { constants, generateKeyPair, type KeyObject } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { EntityManager } from '@mikro-orm/postgresql';
import express, { type ErrorRequestHandler, type Request, type Response, Router } from 'express';
import { type DeviceAuthority, ensureDeviceCa, exportCaCertificate } from '../fleet/ca';
import {
  buildCertificate,
  forgePublicKey,
  normaliseSerial,
  serverCertificateSpec,
} from '../fleet/certificates';
import { CheckinRefused, parseCheckinReport, recordCheckin } from '../fleet/checkin.service';
import { crlDer, crlVersion, currentCrl, onCrlPublished, type StoredCrl } from '../fleet/crl';
import {
  EnrollmentRefused,
  enroll,
  type IssuedCertificate,
  refreshCrl,
  renew,
} from '../fleet/enrollment.service';
import {
  EVENT_REPORT_BODY_LIMIT,
  gridEvents,
  HandsetRefused,
  parseGridEventsQuery,
  parseHandsetReport,
  reporterOf,
  submitHandsetReport,
} from '../fleet/event-reports';
import { runSql } from '../schema/common/rows';
import type { MikroORM } from '../schema/db/orm';
import type { Config } from '../schema/runtime/config';
import { DomainError, isConnectionError, NotFoundError } from '../schema/runtime/errors';
import type { Logger } from '../schema/runtime/logger';
import { errorMessage } from '../schema/runtime/retry';
import type { NoticePublisher } from '../workers/notices';
import { DeadlineBatcher, type QueueRegistry } from '../workers/queues';
import { requestLog } from './request-log';

/**
 * The handsets' HTTP surface.
 *
 * - `devicesRouter`, mounted at /devices on the gateway (no client certificate needed): enrollment with a
 *   one-time token and a CSR, the CRL and the CA certificate.
 * - `startDeviceEndpoint`: an HTTPS listener on its own port that requires a client certificate from the
 *   device CA and checks it against the CRL during the handshake, so a revoked handset is refused before any
 *   request. Check-in and renewal live there. The CRL is swapped in with `setSecureContext` whenever its
 *   number changes: at once for a revocation in this process, within the poll interval for one made by
 *   another gateway. Grid workers' event reports (`POST /v1/events`) and their grid's events
 *   (`GET /v1/events`) are served there too (fleet/event-reports.ts).
 */

const BODY_LIMIT = '64kb';
/** How often each endpoint looks for a new CRL number in the database. */
export const CRL_POLL_MS = 1_500;
/** A CRL this close to its next update is refreshed by the endpoint itself (the worker may be down). */
const CRL_REFRESH_MARGIN_MS = 12 * 3_600_000;
const SERVER_CERT_DAYS = 90;
const SERVER_CERT_RENEW_MS = 30 * 86_400_000;
const PEM_TYPES = ['application/x-pem-file', 'application/pkcs10', 'text/plain'];

/** HTTP status of a domain error on the handsets' routes. */
function statusOf(error: DomainError): number {
  if (error instanceof NotFoundError) return 404;
  if (error instanceof CheckinRefused || error instanceof HandsetRefused) return 403;
  if (error.code === 'CA_NOT_INITIALISED' || error.code === 'DATABASE_UNAVAILABLE') return 503;
  if (error instanceof EnrollmentRefused && !['DEVICE_ID_REQUIRED'].includes(error.code)) return 403;
  return 400;
}

function sendError(res: Response, error: unknown, logger: Logger): void {
  if (error instanceof DomainError) {
    const { field, rule, problems } = error.details as { field?: string; rule?: string; problems?: unknown };
    res.status(statusOf(error)).json({
      error: error.code,
      message: error.message,
      ...(field ? { field } : {}),
      rule: rule ?? error.code,
      ...(problems ? { problems } : {}),
    });
    return;
  }
  if (isConnectionError(error)) {
    res
      .status(503)
      .json({ error: 'DATABASE_UNAVAILABLE', message: 'The hub database is unavailable; try again' });
    return;
  }
  logger.error({ err: error }, 'device request failed');
  res.status(500).json({ error: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' });
}

function certificateBody(issued: IssuedCertificate, endpointUrl: string | undefined) {
  return {
    deviceId: issued.deviceId,
    serial: issued.serial,
    fingerprint: issued.fingerprint,
    subject: issued.subject,
    notBefore: issued.notBefore,
    notAfter: issued.notAfter,
    renewAfter: issued.renewAfter,
    certificate: issued.certificatePem,
    caCertificate: issued.caCertificatePem,
    chain: issued.chainPem,
    ...(endpointUrl ? { endpoint: endpointUrl } : {}),
  };
}

/** A CSR from a PEM body, or from JSON `{ csr }` (`csrPem` accepted too). */
function csrOf(req: Request): unknown {
  if (typeof req.body === 'string') return req.body;
  const body = (req.body ?? {}) as { csr?: unknown; csrPem?: unknown };
  return body.csr ?? body.csrPem;
}

/** GET /crl (DER, or PEM with ?format=pem) and GET /ca.pem, on whichever app mounts them. */
function publicationRoutes(router: Router, orm: MikroORM, logger: Logger): void {
  router.get('/crl', async (req, res) => {
    try {
      const crl = await currentCrl(orm.em.fork() as EntityManager);
      if (!crl) throw new DomainError('CA_NOT_INITIALISED', 'The device CA has not published a CRL yet');
      res.setHeader('cache-control', 'no-cache');
      res.setHeader('x-crl-number', crl.number);
      res.setHeader('last-modified', crl.thisUpdate.toUTCString());
      res.setHeader('expires', crl.nextUpdate.toUTCString());
      if (req.query.format === 'pem') res.type('application/x-pem-file').send(crl.pem);
      else res.type('application/pkix-crl').send(crlDer(crl.pem));
    } catch (error) {
      sendError(res, error, logger);
    }
  });
  router.get('/ca.pem', async (_req, res) => {
    try {
      const ca = await exportCaCertificate(orm.em.fork() as EntityManager);
      if (!ca) throw new DomainError('CA_NOT_INITIALISED', 'The device CA does not exist yet');
      res.setHeader('x-ca-fingerprint-sha256', ca.fingerprint);
      res.type('application/x-pem-file').send(ca.pem);
    } catch (error) {
      sendError(res, error, logger);
    }
  });
}

/**
 * Routes served on the gateway's port, mounted at /devices: POST /enroll (JSON { token, csr, deviceId }),
 * GET /crl, GET /ca.pem. `endpointUrl` names the mutual-TLS endpoint in the enrollment answer.
 */
export function devicesRouter({
  orm,
  logger,
  endpointUrl,
}: {
  orm: MikroORM;
  logger: Logger;
  endpointUrl?: () => string | undefined;
}): Router {
  const router = Router();
  router.post(
    '/enroll',
    express.json({ limit: BODY_LIMIT }),
    express.text({ type: PEM_TYPES, limit: BODY_LIMIT }),
    async (req, res) => {
      try {
        const body = (typeof req.body === 'object' && req.body ? req.body : {}) as {
          token?: unknown;
          deviceId?: unknown;
        };
        // A PEM body carries the token and device id in headers, for clients that cannot build JSON.
        const issued = await enroll(orm.em.fork() as EntityManager, {
          token: String(body.token ?? req.get('x-enrollment-token') ?? ''),
          deviceId: String(body.deviceId ?? req.get('x-device-id') ?? ''),
          csrPem: csrOf(req) as string,
        });
        res.status(201).json(certificateBody(issued, endpointUrl?.()));
      } catch (error) {
        sendError(res, error, logger);
      }
    },
  );
  publicationRoutes(router, orm, logger);
  return router;
}

export interface RunningDeviceEndpoint {
  url: string;
  port: number;
  /** The CRL number the listener enforces. */
  crlNumber(): string;
  /** Loads the stored CRL (and CA) into the listener now. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

let serverKey: Promise<KeyObject> | undefined;

/** The endpoint's own key: made once per process and kept in memory only. */
function endpointKey(): Promise<KeyObject> {
  serverKey ??= new Promise((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: 2048 }, (error, _pub, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
  return serverKey;
}

/** A connection's client certificate does not change: its serial is read once per socket, not per request. */
const socketSerials = new WeakMap<TLSSocket, string | null>();

function peerSerial(req: Request): string | null {
  const socket = req.socket as TLSSocket;
  if (!socket.authorized) return null;
  let serial = socketSerials.get(socket);
  if (serial === undefined) {
    const raw = socket.getPeerCertificate()?.serialNumber;
    serial = raw ? normaliseSerial(raw) : null;
    socketSerials.set(socket, serial);
  }
  return serial;
}

/**
 * Starts the handsets' mutual-TLS listener on `config.devices.port` (creating the device CA if this database
 * has none). Its server certificate is issued by the device CA at start for `config.devices.hostnames`.
 */
export async function startDeviceEndpoint({
  config,
  orm,
  logger,
  queues,
  notices,
}: {
  config: Config;
  orm: MikroORM;
  logger: Logger;
  /** For events reported by handsets: their deadlines' delayed jobs. */
  queues?: QueueRegistry;
  /** For events reported by handsets: live notices to the receiving unit. */
  notices?: NoticePublisher;
}): Promise<RunningDeviceEndpoint> {
  const log = logger.child({ component: 'devices' });
  const em = () => orm.em.fork() as EntityManager;
  const [{ ca }, key] = await Promise.all([ensureDeviceCa(em()), endpointKey()]);
  const keyPem = key.export({ type: 'pkcs8', format: 'pem' }) as string;
  const issueServerCert = async (authority: DeviceAuthority) =>
    buildCertificate(
      serverCertificateSpec(authority, config.devices.hostnames, forgePublicKey(key), {
        days: SERVER_CERT_DAYS,
      }),
      authority.key,
    );
  let serverCert = await issueServerCert(ca);
  let crl = (await currentCrl(em())) ?? null;
  if (!crl || crl.nextUpdate.getTime() - Date.now() < CRL_REFRESH_MARGIN_MS) {
    await refreshCrl(em(), { ifDueWithinMs: CRL_REFRESH_MARGIN_MS });
    crl = await currentCrl(em());
  }
  if (!crl) throw new Error('the device CA has no CRL');
  let loaded: StoredCrl = crl;

  const contextOptions = () => ({
    key: keyPem,
    cert: serverCert.pem,
    ca: [ca.certPem],
    crl: [loaded.pem],
    minVersion: 'TLSv1.2' as const,
    // No session tickets (and no session cache): every connection shows its certificate to a current CRL.
    secureOptions: constants.SSL_OP_NO_TICKET,
  });

  const deadlines = queues ? new DeadlineBatcher(queues) : undefined;
  const app = express();
  app.disable('x-powered-by');
  // The device endpoint answers hundreds of reports a second: no ETag over each small JSON answer.
  app.set('etag', false);
  app.use(requestLog(log));
  const devices = Router();
  devices.post('/checkin', express.json({ limit: BODY_LIMIT }), async (req, res) => {
    try {
      const serial = peerSerial(req);
      if (!serial)
        throw new CheckinRefused('CERT_REQUIRED', 'a client certificate from the device CA is required');
      const report = parseCheckinReport(req.body);
      res.json(await recordCheckin(em(), serial, report));
    } catch (error) {
      sendError(res, error, log);
    }
  });
  devices.post(
    '/renew',
    express.json({ limit: BODY_LIMIT }),
    express.text({ type: PEM_TYPES, limit: BODY_LIMIT }),
    async (req, res) => {
      try {
        const serial = peerSerial(req);
        if (!serial)
          throw new CheckinRefused('CERT_REQUIRED', 'a client certificate from the device CA is required');
        const issued = await renew(em(), serial, csrOf(req) as string);
        res.status(201).json(certificateBody(issued, url));
      } catch (error) {
        sendError(res, error, log);
      }
    },
  );
  publicationRoutes(devices, orm, log);
  app.use('/devices', devices);

  const events = Router();
  events.post('/events', express.json({ limit: EVENT_REPORT_BODY_LIMIT }), async (req, res) => {
    try {
      const serial = peerSerial(req);
      if (!serial)
        throw new CheckinRefused('CERT_REQUIRED', 'a client certificate from the device CA is required');
      const reporter = await reporterOf(em(), serial);
      const result = await submitHandsetReport(em(), reporter, parseHandsetReport(req.body));
      res.status(result.created ? 201 : 200).json({
        eventId: result.eventId,
        code: result.code,
        status: result.status,
        holderUnit: result.holderUnit,
        created: result.created,
      });
      // After the commit and the answer, side by side: the deadline's delayed job and the live notices. The
      // event is stored either way; the minute sweep fires a deadline whose job could not be queued.
      if (result.created) {
        await Promise.all([
          deadlines && result.deadline
            ? deadlines
                .schedule(result.deadline)
                .catch((error) =>
                  log.warn({ err: errorMessage(error), eventId: result.eventId }, 'deadline not scheduled'),
                )
            : null,
          notices?.publish(result.notices),
        ]);
      }
    } catch (error) {
      sendError(res, error, log);
    }
  });
  events.get('/events', async (req, res) => {
    try {
      const serial = peerSerial(req);
      if (!serial)
        throw new CheckinRefused('CERT_REQUIRED', 'a client certificate from the device CA is required');
      const query = parseGridEventsQuery(req.query as Record<string, unknown>);
      const reporter = await reporterOf(em(), serial);
      res.json({ grid: reporter.grid, events: await gridEvents(em(), reporter.grid, query) });
    } catch (error) {
      sendError(res, error, log);
    }
  });
  app.use('/v1', events);
  app.use((req, res) => {
    res.status(404).json({ error: 'NOT_FOUND', message: `No route for ${req.method} ${req.path}` });
  });
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    const status = Number(error?.status ?? error?.statusCode ?? 500);
    if (status === 413)
      res.status(413).json({
        error: 'BODY_TOO_LARGE',
        message: `Request body exceeds ${error?.limit ? `${error.limit} bytes` : BODY_LIMIT}`,
      });
    else if (status >= 400 && status < 500)
      res
        .status(status)
        .json({ error: 'BAD_REQUEST', message: error.expose ? error.message : 'Malformed request' });
    else sendError(res, error, log);
  };
  app.use(onError);

  const server = https.createServer(
    { ...contextOptions(), requestCert: true, rejectUnauthorized: true },
    app,
  );
  server.keepAliveTimeout = 5_000;
  const sockets = new Set<TLSSocket>();
  server.on('secureConnection', (socket: TLSSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // Node refuses a revoked or unknown certificate right after verifying it, silently; what OpenSSL itself
  // refuses (no certificate, bad protocol) surfaces here.
  server.on('tlsClientError', (error: NodeJS.ErrnoException) =>
    log.debug({ reason: error.code, err: errorMessage(error) }, 'handshake refused'),
  );

  /** Connections made before a revocation keep their handshake: close those whose certificate is now revoked. */
  const dropRevoked = async () => {
    const bySerial = new Map<string, TLSSocket[]>();
    for (const socket of sockets) {
      const serial = socket.getPeerCertificate()?.serialNumber;
      if (!serial) continue;
      const key = normaliseSerial(serial);
      bySerial.set(key, [...(bySerial.get(key) ?? []), socket]);
    }
    if (!bySerial.size) return;
    const revoked = await runSql<{ serial: string }>(
      em(),
      `select serial from device_certificate where status = 'revoked' and serial = any(?::text[])`,
      [[...bySerial.keys()]],
    );
    for (const { serial } of revoked) for (const socket of bySerial.get(serial) ?? []) socket.destroy();
  };

  const apply = async (next: StoredCrl) => {
    if (BigInt(next.number) <= BigInt(loaded.number)) return;
    loaded = next;
    server.setSecureContext(contextOptions());
    log.info({ crlNumber: next.number, nextUpdate: next.nextUpdate }, 'device CRL loaded');
    await dropRevoked();
  };

  let polling = false;
  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      const version = await crlVersion(em());
      if (version && BigInt(version.number) > BigInt(loaded.number)) {
        const stored = await currentCrl(em());
        if (stored) await apply(stored);
      }
      if (version?.nextUpdate && version.nextUpdate.getTime() - Date.now() < CRL_REFRESH_MARGIN_MS) {
        await refreshCrl(em(), { actor: 'system', ifDueWithinMs: CRL_REFRESH_MARGIN_MS });
      }
      if (serverCert.notAfter.getTime() - Date.now() < SERVER_CERT_RENEW_MS) {
        serverCert = await issueServerCert(ca);
        server.setSecureContext(contextOptions());
        log.info({ notAfter: serverCert.notAfter }, 'device endpoint certificate renewed');
      }
    } catch (error) {
      log.warn({ err: errorMessage(error) }, 'device CRL poll failed; will retry');
    } finally {
      polling = false;
    }
  };
  const timer = setInterval(() => void poll(), CRL_POLL_MS);
  timer.unref();
  const unsubscribe = onCrlPublished((next) => {
    apply(next).catch((error) => log.warn({ err: errorMessage(error) }, 'loading the new CRL failed'));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `the handsets' port ${config.devices.port} is in use; set GRIDHUB_DEVICE_PORT to another port`,
            )
          : error,
      ),
    );
    server.listen(config.devices.port, config.host, () => resolve());
  }).catch((error) => {
    clearInterval(timer);
    unsubscribe();
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  const host = config.devices.hostnames[0] ?? config.host;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ url, crlNumber: loaded.number, caFingerprint: ca.fingerprint }, 'device endpoint listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    crlNumber: () => loaded.number,
    async reload() {
      const stored = await currentCrl(em());
      if (stored) await apply(stored);
    },
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        unsubscribe();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const timeout = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs);
        await closed;
        clearTimeout(timeout);
        log.info('device endpoint stopped');
      })();
      return closing;
    },
  };
}
