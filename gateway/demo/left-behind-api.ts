import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * 民政's left-behind register as the bureau's system would offer it: a paginated JSON API on loopback,
 * `GET /api/left-behind?page=N&size=M` → `{ data: [...], total, page, size }` (pages from 1, at most 1,000
 * records a page), answered only with the bureau's bearer token (`Authorization: Bearer …`).
 */

export interface LeftBehindApi {
  /** The records' URL, without query. */
  url: string;
  token: string;
  stop(): Promise<void>;
}

export const LEFT_BEHIND_PATH = '/api/left-behind';
const MAX_PAGE_SIZE = 1_000;

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function positive(value: string | null, fallback: number): number | undefined {
  if (value === null || value === '') return fallback;
  return /^\d+$/.test(value) && Number(value) >= 1 ? Number(value) : undefined;
}

export async function startLeftBehindApi(
  records: ReadonlyArray<Record<string, unknown>>,
  token = randomBytes(24).toString('hex'),
): Promise<LeftBehindApi> {
  const expected = Buffer.from(`Bearer ${token}`);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== LEFT_BEHIND_PATH) return send(res, 404, { error: 'not found' });
    if (req.method !== 'GET') return send(res, 405, { error: 'method not allowed' }, { allow: 'GET' });
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return send(res, 401, { error: 'a valid bearer token is required' }, { 'www-authenticate': 'Bearer' });
    }
    const page = positive(url.searchParams.get('page'), 1);
    const size = positive(url.searchParams.get('size'), 100);
    if (page === undefined || size === undefined || size > MAX_PAGE_SIZE) {
      return send(res, 400, { error: `page ≥ 1 and 1 ≤ size ≤ ${MAX_PAGE_SIZE}` });
    }
    const start = (page - 1) * size;
    send(res, 200, { data: records.slice(start, start + size), total: records.length, page, size });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${LEFT_BEHIND_PATH}`,
    token,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
