import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphiqlHandler } from '../../gateway/graphiql';

describe('the offline GraphiQL page', () => {
  let server: ReturnType<ReturnType<typeof express>['listen']>;
  let url: string;
  beforeAll(async () => {
    const app = express();
    app.get('/graphiql', graphiqlHandler('/graphql'));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphiql`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('loads no script, style or font from another host', async () => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('/graphql');
    // Every src=, href= and CSS url() must be inline (data:) or relative to this server.
    const references = [
      ...html.matchAll(/(?:\bsrc|\bhref)\s*=\s*["']([^"']+)["']|@import\s+["']([^"']+)["']/g),
    ].map((m) => m[1] ?? m[2]);
    const external = references.filter((r) => /^(https?:)?\/\//i.test(r));
    expect(external).toEqual([]);
    expect(html).not.toMatch(/<script[^>]+src=["'](https?:)?\/\//i);
    expect(html).not.toMatch(/<link[^>]+href=["'](https?:)?\/\//i);
  });

  it('is served gzipped to browsers that accept it', async () => {
    // node:http rather than fetch, which would decompress before the test could see the encoding.
    const { encoding, body } = await new Promise<{ encoding?: string; body: Buffer }>((resolve, reject) => {
      http
        .get(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }),
          );
        })
        .on('error', reject);
    });
    expect(encoding).toBe('gzip');
    expect(gunzipSync(body).toString()).toContain('<html');
  });
});
