import Module from 'node:module';
import path from 'node:path';

/**
 * PostGraphile v4 needs graphql 15 and the hub uses 16: npm nests graphql 15 under postgraphile, but
 * graphql-parse-resolve-info (which accepts both) sits at the top level and loads 16, and two graphql
 * instances in one schema fail ("Cannot use GraphQLScalarType from another module or realm"). This process
 * serves only PostGraphile, so every `graphql` import in it is sent to the copy PostGraphile itself resolves.
 * Imported for its side effect, before `postgraphile`.
 */
const fromPostgraphile = path.dirname(require.resolve('postgraphile/package.json'));
const graphqlDir = path.dirname(require.resolve('graphql/package.json', { paths: [fromPostgraphile] }));

type Resolve = (request: string, parent: unknown, ...rest: unknown[]) => string;
const loader = Module as unknown as { _resolveFilename: Resolve };
const resolve = loader._resolveFilename;
loader._resolveFilename = function (this: unknown, request, parent, ...rest) {
  const redirected =
    request === 'graphql' || request.startsWith('graphql/')
      ? graphqlDir + request.slice('graphql'.length)
      : request;
  return resolve.call(this, redirected, parent, ...rest);
};

export const POSTGRAPHILE_GRAPHQL_VERSION: string = require(path.join(graphqlDir, 'package.json')).version;
