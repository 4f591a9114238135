import http from 'node:http';
// Must come before postgraphile: it makes every graphql import in this process load PostGraphile's copy.
import './postgraphile-graphql';
import { Pool } from 'pg';
import { postgraphile } from 'postgraphile';
import ConnectionFilterPlugin from 'postgraphile-plugin-connection-filter';

/**
 * The partner benchmark's other engine: PostGraphile v4 serving the hub's tables (schema `public`) over
 * HTTP at /graphql, read-only, with postgraphile-plugin-connection-filter for the range and prefix
 * conditions a plain `condition` cannot express. Started as its own process by partner.bench.ts
 * (`node dist/tests/bench/postgraphile-server.js`) with DATABASE_URL, PORT and POOL_MAX in the environment;
 * prints `listening` once the port is open. Exits on SIGTERM.
 */

const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.POOL_MAX ?? 10),
});

const middleware = postgraphile(pool, 'public', {
  graphqlRoute: '/graphql',
  graphiql: false,
  disableDefaultMutations: true,
  dynamicJson: true,
  // Introspects grants like a production deployment would (the bench connects as a superuser: all granted).
  ignoreRBAC: false,
  setofFunctionsContainNulls: false,
  disableQueryLog: true,
  watchPg: false,
  enableQueryBatching: false,
  appendPlugins: [ConnectionFilterPlugin],
  graphileBuildOptions: { connectionFilterRelations: false },
});

const server = http.createServer(middleware);
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write('listening\n');
});

process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  pool.end().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
