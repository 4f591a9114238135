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
import type { Redis } from 'ioredis';
import { pinoHttp } from 'pino-http';
import type { SecretKey } from '../connectors/secrets';
import type { MikroORM } from '../schema/db/orm';
import type { Config } from '../schema/runtime/config';
import type { Logger } from '../schema/runtime/logger';
import type { QueueRegistry } from '../workers/queues';
import { Access, ReadLog } from './access';
import { readAuditPlugin } from './audit';
import type { GatewayContext } from './context';
import { createErrorFormatter } from './errors';
import { graphiqlHandler } from './graphiql';
import { checkReadiness } from './health';
import { createLoaders } from './loaders';
import { createMetrics } from './metrics';
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
}

export interface RunningGateway {
  url: string;
  port: number;
  /** Stops accepting connections, lets in-flight requests finish (up to the shutdown timeout), then returns. */
  close(): Promise<void>;
}

export const GRAPHQL_PATH = '/graphql';
const BODY_LIMIT = '1mb';

export async function startGateway({
  config,
  orm,
  queues,
  redis,
  logger,
  secretKey,
}: GatewayDeps): Promise<RunningGateway> {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const httpServer = http.createServer(app);
  const metrics = createMetrics();

  const apollo = new ApolloServer<GatewayContext>({
    schema: await buildGatewaySchema(),
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
      readAuditPlugin(orm, logger),
    ],
  });
  await apollo.start();

  app.use(
    pinoHttp({
      logger: logger.child({ component: 'http' }),
      genReqId: (req, res) => {
        const id = (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) || randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      customLogLevel: (_req, res, error) =>
        error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
      serializers: {
        req: (req) => ({ method: req.method, url: req.url, id: req.id }),
        res: (res) => ({ status: res.statusCode }),
      },
    }),
  );
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
        const em = orm.em.fork() as GatewayContext['em'];
        const requestId = String((req as Request & { id?: unknown }).id ?? randomUUID());
        return {
          requestId,
          clientAddress: req.ip ?? null,
          em,
          loaders: createLoaders(em),
          queues,
          secretKey,
          logger: logger.child({ requestId }),
          access: Access.anonymous(),
          readLog: new ReadLog(),
          notices: [],
        };
      },
    }),
  );

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
      await apollo.stop(); // the drain plugin closes the listener and waits for in-flight requests
      logger.info('gateway stopped');
    },
  };
}

function wantsHtml(req: Request): boolean {
  return req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
}
