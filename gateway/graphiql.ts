import { gzipSync } from 'node:zlib';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { RequestHandler } from 'express';

export const FIRST_QUERY = `# gridhub — the county's governance tree. Press ▶ to run.
# Anyone may read the tree; everything else (and the schema docs) needs your API key, entered under
# Headers below as {"Authorization": "Bearer ghk_…"}.
query Township {
  region(code: "620725101") {
    code
    name
    level
    ancestors { code name }
    children { code name kind }
    grids: descendantCount(level: GRID)
  }
}
`;

/**
 * GraphiQL with its whole bundle inlined (≈ 9 MB, ≈ 2.5 MB gzipped): nothing is fetched from a CDN, so
 * it works on the government intranet. Rendered and compressed once, on first request.
 */
export function graphiqlHandler(endpoint: string): RequestHandler {
  let page: { html: Buffer; gzip: Buffer } | undefined;
  return (req, res) => {
    page ??= (() => {
      const html = Buffer.from(
        renderGraphiQL({
          endpoint,
          title: 'gridhub GraphQL',
          defaultQuery: FIRST_QUERY,
          subscriptionsProtocol: 'SSE',
          // API keys typed into the headers editor must not stay behind in the browser's storage.
          shouldPersistHeaders: false,
        }),
      );
      return { html, gzip: gzipSync(html) };
    })();
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Vary', 'Accept-Encoding');
    if (req.acceptsEncodings('gzip')) {
      res.setHeader('Content-Encoding', 'gzip');
      res.end(page.gzip);
    } else {
      res.end(page.html);
    }
  };
}
