import { z } from 'zod';
import { ConnectorError, type ReadRequest, type Source, type SourceRecord } from '../protocol';
import {
  asRecords,
  checkSample,
  checkStream,
  getPath,
  httpHeaders,
  httpUrl,
  incrementalCursor,
  incrementalStart,
  PagedReader,
  requestJson,
  sampledCatalog,
  shownUrl,
  timeoutMs,
} from './rest';
import { retryConfig, withRetry } from './retry';

/**
 * Another GraphQL service's Relay connection, read page by page with `first`/`after` cursors. The query is the
 * user's own (so it selects the fields they want and passes any filter arguments); it must declare the cursor
 * variable, which this source sets to each page's `endCursor`.
 *
 * State: `after` (the cursor that fetched the page being read, null for the first) and `offset` (records of
 * that page already handed out), plus `since`/`cursor` for incremental reads, as in the REST source.
 */

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

const graphqlConfig = z
  .object({
    url: httpUrl,
    headers: httpHeaders,
    query: z.string().trim().min(1),
    variables: z.record(z.string(), z.unknown()).default({}),
    cursorVariable: z.string().regex(NAME, { message: 'must be a GraphQL variable name' }).default('after'),
    /** Dotted path under `data` to the connection, e.g. 'people' or 'county.people'. */
    connectionPath: z.string().trim().min(1),
    primaryKey: z.array(z.string().min(1)).min(1),
    cursorField: z.string().min(1).optional(),
    streamName: z.string().min(1).optional(),
    retry: retryConfig({ attempts: 5, baseMs: 200 }),
    timeoutMs,
  })
  .superRefine((config, ctx) => {
    if (!new RegExp(`\\$${config.cursorVariable}\\b`).test(config.query)) {
      ctx.addIssue({
        code: 'custom',
        path: ['query'],
        message: `must declare the cursor variable $${config.cursorVariable}`,
      });
    }
  });

export type GraphqlConfig = z.infer<typeof graphqlConfig>;

interface Page {
  records: Record<string, unknown>[];
  next: { after: unknown } | null;
}

interface GraphqlError {
  message?: unknown;
  extensions?: { code?: unknown };
}

function errorsOf(body: Record<string, unknown>): GraphqlError[] {
  return Array.isArray(body.errors) ? (body.errors as GraphqlError[]) : [];
}

async function fetchPage(config: GraphqlConfig, after: unknown, signal?: AbortSignal): Promise<Page> {
  const url = new URL(config.url);
  const shown = shownUrl(url);
  const { body } = await withRetry(
    () =>
      requestJson(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...config.headers },
        body: JSON.stringify({
          query: config.query,
          variables: { ...config.variables, [config.cursorVariable]: after },
        }),
        timeoutMs: config.timeoutMs,
        signal,
        // GraphQL over HTTP answers a bad query with 400 and the reasons in `errors`.
        acceptStatus: [400, 422],
      }),
    { ...config.retry, signal },
  );
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ConnectorError(
      'data',
      'BAD_RESPONSE',
      `${shown} did not answer with a GraphQL response object`,
    );
  }
  const answer = body as Record<string, unknown>;
  const errors = errorsOf(answer);
  if (errors.length > 0) {
    const messages = errors.map((e) => String(e.message ?? 'unknown error')).join('; ');
    if (errors.some((e) => ['UNAUTHENTICATED', 'FORBIDDEN'].includes(String(e.extensions?.code)))) {
      throw new ConnectorError('config', 'AUTH_FAILED', `${shown} refused the credentials: ${messages}`);
    }
    // No `data` at all means the request itself was rejected (syntax, unknown field, bad variable): the
    // query in the config is wrong. Errors beside data arose while executing it.
    if (!('data' in answer))
      throw new ConnectorError('config', 'BAD_QUERY', `${shown} rejected the query: ${messages}`);
    throw new ConnectorError('data', 'GRAPHQL_ERRORS', `${shown} answered with errors: ${messages}`);
  }
  const where = `data.${config.connectionPath}`;
  const connection = getPath(answer.data, config.connectionPath);
  if (connection === null || typeof connection !== 'object' || Array.isArray(connection)) {
    throw new ConnectorError(
      'data',
      'BAD_RESPONSE',
      `no connection object at ${where} in the answer of ${shown}`,
    );
  }
  const { edges, nodes, pageInfo } = connection as { edges?: unknown; nodes?: unknown; pageInfo?: unknown };
  const list = Array.isArray(edges) ? edges.map((edge) => (edge as { node?: unknown } | null)?.node) : nodes;
  const records = asRecords(list, Array.isArray(edges) ? `${where}.edges[].node` : `${where}.nodes`);
  const info = (pageInfo ?? {}) as { hasNextPage?: unknown; endCursor?: unknown };
  if (info.hasNextPage !== true) return { records, next: null };
  const lastEdge = Array.isArray(edges)
    ? (edges[edges.length - 1] as { cursor?: unknown } | null)
    : undefined;
  const endCursor = info.endCursor ?? lastEdge?.cursor;
  if (endCursor === null || endCursor === undefined || endCursor === after) {
    throw new ConnectorError(
      'data',
      'PAGINATION_LOOP',
      `${shown} says there is a next page but gives no new endCursor (at ${where}.pageInfo)`,
    );
  }
  return { records, next: { after: endCursor } };
}

function streamNameOf(config: GraphqlConfig): string {
  return config.streamName ?? config.connectionPath.split('.').pop()!;
}

async function* readGraphql(config: GraphqlConfig, request: ReadRequest): AsyncGenerator<SourceRecord> {
  checkStream(request, streamNameOf(config));
  const cursorField = incrementalCursor(request, config.cursorField);
  const state = request.state;
  const resume = state !== undefined && typeof state.offset === 'number' && 'after' in state;
  const { since, max } = cursorField ? incrementalStart(state, resume) : { since: undefined, max: undefined };
  const reader = new PagedReader(config.primaryKey, cursorField, since, max);
  let after: unknown = resume ? state.after : null;
  let skip = resume ? (state.offset as number) : 0;
  for (;;) {
    const page = await fetchPage(config, after, request.signal);
    for (let index = skip; index < page.records.length; index++) {
      const ready = reader.offer(page.records[index], { after, offset: index + 1 });
      if (ready) yield ready;
    }
    if (!page.next) break;
    after = page.next.after;
    skip = 0;
  }
  const last = reader.finish();
  if (last) yield last;
}

export const graphqlSource: Source<GraphqlConfig> = {
  type: 'graphql',
  title: 'GraphQL API (Relay connection)',
  config: graphqlConfig,
  secrets: ['headers'],

  async check(config) {
    const page = await fetchPage(config, null);
    return checkSample(page.records[0], config.primaryKey, config.cursorField);
  },

  async discover(config) {
    const { records } = await fetchPage(config, null);
    return sampledCatalog(streamNameOf(config), records, config.primaryKey, config.cursorField);
  },

  read: readGraphql,
};
