import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler, type Request } from 'express';
import { GraphQLError, getOperationAST, parse } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';
import type { SecretKey } from '../connectors/secrets';
import { AuthenticationError, authenticate } from '../schema/access/credentials.service';
import type { MikroORM } from '../schema/db/orm';
import type { Notice } from '../schema/events/workflow.service';
import type { Config } from '../schema/runtime/config';
import type { Logger } from '../schema/runtime/logger';
import { errorMessage } from '../schema/runtime/retry';
import { type NoticePublisher, subscribeNotices } from '../workers/notices';
import type { QueueRegistry } from '../workers/queues';
import { type Access, accessFor, ReadLog } from './access';
import { attachmentsRouter } from './attachments';
import { readAuditPlugin } from './audit';
import type { GatewayContext, LiveNotices } from './context';
import { devicesRouter } from './devices';
import { createErrorFormatter } from './errors';
import { graphiqlHandler } from './graphiql';
import { checkReadiness } from './health';
import { limitsPlugin } from './limits';
import { createLoaders } from './loaders';
import { createMetrics } from './metrics';
import { RequestContext } from './request-context';
import { requestLog } from './request-log';
import { buildGatewaySchema } from './schema';

export interface GatewayDeps {
  config: Config;
  orm: MikroORM;
  queues: QueueRegistry;
  /** A request-path Redis client (fails fast while Redis is down), used by /readyz. */
  redis: Redis;
  logger: Logger;
  /** Encrypts and decrypts connectors' secrets. */
  secretKey: SecretKey;
  /** The handsets' mutual-TLS endpoint, named in enrollment answers. */
  deviceEndpointUrl?: string;
  /** Live notices of the events workflow, published after an operation commits. */
  notices?: NoticePublisher;
  /** Where the live notices are subscribed; default: the address of `redis`. */
  redisUrl?: string;
}

export interface RunningGateway {
  url: string;
  port: number;
  /** Stops accepting connections, lets in-flight requests finish (up to the shutdown timeout), then returns. */
  close(): Promise<void>;
}

export const GRAPHQL_PATH = '/graphql';

/** The X-Purpose header: plain text, or percent-encoded UTF-8 (how Chinese text travels in a header). */
function declaredPurpose(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string' || !header.trim()) return null;
  let text = header.trim();
  try {
    text = decodeURIComponent(text);
  } catch {
    // not percent-encoded: kept as sent
  }
  return text.slice(0, 200);
}

/** A redis:// URL for the address `redis` connects to (the live notices need a connection of their own). */
function redisUrlOf(redis: Redis): string {
  const o = redis.options;
  const auth = o.password ? `${encodeURIComponent(o.username ?? '')}:${encodeURIComponent(o.password)}@` : '';
  return `${o.tls ? 'rediss' : 'redis'}://${auth}${o.host ?? '127.0.0.1'}:${o.port ?? 6379}/${o.db ?? 0}`;
}

/** A subscriber's backlog beyond which its oldest notices are dropped (they are in event_notification too). */
const LIVE_BACKLOG = 1_000;

/**
 * The gateway's one Redis subscription to the workflow's notices, fanned out in process: each subscriber is an
 * async iterator over the notices its filter accepts, ended when the client unsubscribes or the gateway stops.
 */
class NoticeFanOut implements LiveNotices {
  private readonly subscribers = new Map<(n: Notice) => void, () => void>();

  deliver(notice: Notice): void {
    for (const push of this.subscribers.keys()) push(notice);
  }

  subscribe(wanted: (notice: Notice) => boolean): AsyncIterableIterator<Notice> {
    const backlog: Notice[] = [];
    let waiting: ((r: IteratorResult<Notice>) => void) | null = null;
    let done = false;
    const push = (n: Notice) => {
      if (done || !wanted(n)) return;
      if (waiting) {
        const w = waiting;
        waiting = null;
        w({ value: n, done: false });
      } else {
        if (backlog.length >= LIVE_BACKLOG) backlog.shift();
        backlog.push(n);
      }
    };
    const finish = () => {
      done = true;
      backlog.length = 0;
      this.subscribers.delete(push);
      waiting?.({ value: undefined, done: true });
      waiting = null;
    };
    this.subscribers.set(push, finish);
    const iterator: AsyncIterableIterator<Notice> = {
      next: () => {
        if (backlog.length) return Promise.resolve({ value: backlog.shift()!, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          waiting = resolve;
        });
      },
      return: async () => {
        finish();
        return { value: undefined, done: true };
      },
      throw: async (error: unknown) => {
        finish();
        throw error;
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  close(): void {
    for (const finish of [...this.subscribers.values()]) finish();
  }
}

/** The API key of a WebSocket connection: connectionParams { authorization: 'Bearer …' } or { apiKey }. */
function presentedWsKey(params: Record<string, unknown> | undefined): string | null {
  const header = params?.authorization ?? params?.Authorization;
  if (typeof header === 'string' && /^bearer\s+/i.test(header))
    return header.replace(/^bearer\s+/i, '').trim();
  const key = params?.apiKey;
  return typeof key === 'string' && key.trim() ? key.trim() : null;
}

/**
 * The caller of a request: an API key in `Authorization: Bearer …` (or `X-Api-Key`) names a principal and its
 * roles; no key is the `anonymous` role (by default reference data only); a bad, revoked or expired key is
 * refused with 401 UNAUTHENTICATED, never downgraded to anonymous.
 */
async function authenticateRequest(em: GatewayContext['em'], req: Request): Promise<Access> {
  const header = req.headers.authorization;
  const presented =
    typeof header === 'string' && /^bearer\s+/i.test(header)
      ? header.replace(/^bearer\s+/i, '').trim()
      : typeof req.headers['x-api-key'] === 'string'
        ? req.headers['x-api-key'].trim()
        : null;
  if (!presented) return accessFor(em, null);
  try {
    return await accessFor(em, await authenticate(em, presented));
  } catch (error) {
    if (error instanceof AuthenticationError) {
      throw new GraphQLError(error.message, {
        extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
      });
    }
    throw error;
  }
}
const BODY_LIMIT = '1mb';

export async function startGateway({
  config,
  orm,
  queues,
  redis,
  logger,
  secretKey,
  deviceEndpointUrl,
  notices,
  redisUrl,
}: GatewayDeps): Promise<RunningGateway> {
  if (!config.readAudit)
    logger.warn('GRIDHUB_READ_AUDIT=off: reads of personal data are NOT audited (benchmarks only)');
  const app = express();
  app.disable('x-powered-by');
  // An ETag is a SHA-1 of every response body, for conditional GETs that GraphQL answers never get.
  app.set('etag', false);
  app.set('trust proxy', 'loopback');
  const httpServer = http.createServer(app);
  const metrics = createMetrics();

  const schema = await buildGatewaySchema();
  const live = new NoticeFanOut();
  const apollo = new ApolloServer<GatewayContext>({
    schema,
    formatError: createErrorFormatter(logger),
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    // The hub handles SIGINT/SIGTERM itself and stops everything in order; Apollo must not race it.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownTimeoutMs }),
      ApolloServerPluginLandingPageDisabled(),
      // The cache-control plugin wraps every field resolver to read cache hints, which nothing here sets:
      // 10 % of the gateway's CPU on a page of people (tests/bench/RESULTS.md).
      ApolloServerPluginCacheControlDisabled(),
      limitsPlugin(redis, logger),
      ...(config.readAudit ? [readAuditPlugin(orm, logger)] : []),
    ],
  });
  await apollo.start();

  app.use(requestLog(logger));
  app.use(metrics.middleware);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const report = await checkReadiness(orm, redis);
    res.status(report.ready ? 200 : 503).json(report);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  const graphiql = graphiqlHandler(GRAPHQL_PATH);
  app.get('/graphiql', graphiql);
  // A browser opening the API's address gets the explorer; API clients get GraphQL over GET.
  app.get(GRAPHQL_PATH, (req, res, next) => (wantsHtml(req) ? graphiql(req, res, next) : next()));

  app.use(
    GRAPHQL_PATH,
    express.json({ limit: BODY_LIMIT }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = String((req as Request & { id?: unknown }).id ?? randomUUID());
        // Authentication reads by raw SQL only (like the audit writer), which needs no request-scoped
        // EntityManager; the request's own is forked when a resolver first asks for it (RequestContext).
        const access = await authenticateRequest(orm.em as GatewayContext['em'], req);
        const size = Number(req.headers['content-length'] ?? 0);
        if (size > access.policy.limits.bodyBytes) {
          throw new GraphQLError(
            `The request body is ${size} bytes; your limit is ${access.policy.limits.bodyBytes}`,
            {
              extensions: {
                code: 'BODY_LIMIT',
                limit: access.policy.limits.bodyBytes,
                http: { status: 413 },
              },
            },
          );
        }
        return new RequestContext(
          orm,
          logger,
          requestId,
          req.ip ?? null,
          access,
          declaredPurpose(req.headers['x-purpose']),
          queues,
          secretKey,
          notices,
          live,
        );
      },
    }),
  );

  // Enrollment (a handset without a certificate yet), the CRL and the CA certificate.
  app.use('/devices', devicesRouter({ orm, logger, endpointUrl: () => deviceEndpointUrl }));
  // Events' photos (EventAttachment.url), for whoever may see the event.
  app.use(attachmentsRouter({ orm, logger }));

  app.use((req, res) => {
    res.status(404).json({ error: 'NOT_FOUND', message: `No route for ${req.method} ${req.path}` });
  });
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    const status = Number(error?.status ?? error?.statusCode ?? 500);
    if (status === 413) {
      res.status(413).json({ error: 'BODY_TOO_LARGE', message: `Request body exceeds ${BODY_LIMIT}` });
    } else if (status >= 400 && status < 500) {
      res
        .status(status)
        .json({ error: 'BAD_REQUEST', message: error.expose ? error.message : 'Malformed request' });
    } else {
      logger.error({ err: error }, 'unhandled HTTP error');
      res.status(500).json({ error: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' });
    }
  };
  app.use(onError);

  // Subscriptions (graphql-ws) on the same address. The key is presented once, in connectionParams; a bad key
  // closes the connection (4403), no key is the anonymous role, which the guard refuses the subscription.
  // Queries and mutations stay on HTTP, where the limits, the read audit and the rate limiter apply.
  const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH });
  const formatError = createErrorFormatter(logger);
  const wsCleanup = useServer<Record<string, unknown>, { access: Access }>(
    {
      schema,
      onConnect: async (ctx) => {
        const key = presentedWsKey(ctx.connectionParams);
        const em = orm.em.fork() as GatewayContext['em'];
        try {
          ctx.extra.access = await accessFor(em, key ? await authenticate(em, key) : null);
          return true;
        } catch (error) {
          if (error instanceof AuthenticationError) return false;
          throw error;
        }
      },
      onSubscribe: (_ctx, _id, payload) => {
        let operation: ReturnType<typeof getOperationAST> = null;
        try {
          operation = getOperationAST(parse(payload.query), payload.operationName);
        } catch {
          return; // graphql-ws answers the parse error itself
        }
        if (operation && operation.operation !== 'subscription') {
          return [
            new GraphQLError('Only subscriptions go over WebSocket; send queries and mutations over HTTP', {
              extensions: { code: 'SUBSCRIPTIONS_ONLY' },
            }),
          ];
        }
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), e)),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors
          ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) }
          : undefined,
      context: (ctx): GatewayContext => {
        const em = orm.em.fork() as GatewayContext['em'];
        const access = ctx.extra.access!;
        const requestId = randomUUID();
        return {
          requestId,
          clientAddress: ctx.extra.request.socket.remoteAddress ?? null,
          em,
          loaders: createLoaders(em, access),
          purpose: null,
          queues,
          secretKey,
          logger: logger.child({ requestId, transport: 'ws' }),
          access,
          readLog: new ReadLog(),
          notices: [],
          noticePublisher: notices,
          liveNotices: live,
        };
      },
    },
    wsServer,
  );
  const unsubscribe = await subscribeNotices(
    redisUrl ?? redisUrlOf(redis),
    (notice) => live.deliver(notice),
    logger,
    config.queuePrefix,
  ).catch((error) => {
    logger.warn({ err: errorMessage(error) }, 'live event notices unavailable: subscriptions get none');
    return async () => undefined;
  });

  httpServer.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url, graphql: `${url}${GRAPHQL_PATH}`, graphiql: `${url}/graphiql` }, 'gateway listening');

  return {
    url,
    port,
    async close() {
      // Subscriptions first: their sockets would otherwise hold the HTTP server open through the drain.
      live.close();
      await wsCleanup.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      await unsubscribe();
      await apollo.stop(); // the drain plugin closes the listener and waits for in-flight requests
      logger.info('gateway stopped');
    },
  };
}

function wantsHtml(req: Request): boolean {
  return req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
}
