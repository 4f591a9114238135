import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../gateway/hub';
import { launchChromium } from '../../schema/runtime/chromium';
import { startTestHub } from '../support/hub';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = '/tmp/graphiql.png';
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Inline and in-page URLs (data:, blob:, about:) and this machine are allowed; everything else is "the internet". */
function isExternal(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return true;
  }
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return false;
  return !LOCAL_HOSTS.has(u.hostname);
}

// Debian's `chromium` package, never a browser downloaded by Playwright. `.ci/run` installs it
// (`apt-get install -y chromium`); on a machine without it this suite is skipped rather than failed.
describe.skipIf(!existsSync(CHROMIUM))('GraphiQL in a browser with no internet', () => {
  let hub: RunningHub | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  /** Every request the page tried to send off this machine (all of them were aborted). */
  const external: string[] = [];
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    hub = await startTestHub();
    browser = await launchChromium(CHROMIUM, ['--disable-quic']);
    // A fresh, throw-away profile (launch() gives every browser its own temporary user-data dir).
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    // Cut the network: anything not addressed to this machine is recorded and aborted, from every page and
    // worker of the context. WebSockets are routed separately.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (isExternal(url)) {
        external.push(url);
        return route.abort('internetdisconnected');
      }
      return route.continue();
    });
    await context.routeWebSocket(
      (url) => isExternal(url.toString()),
      (ws) => {
        external.push(ws.url());
        return ws.close();
      },
    );
    page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    if (consoleErrors.length || pageErrors.length) {
      console.warn('GraphiQL page reported errors', { consoleErrors, pageErrors });
    }
    await browser?.close();
    await hub?.stop();
  });

  it('loads the inlined GraphiQL and runs the default query against the hub', async () => {
    const url = `${hub!.gateway!.url}/graphiql`;
    const response = await page.goto(url, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);

    // The query editor (Monaco) shows the default query from gateway/graphiql.ts.
    const queryEditor = page.locator('.graphiql-query-editor .monaco-editor').first();
    await queryEditor.waitFor({ state: 'visible' });
    await expect
      .poll(() => page.locator('.graphiql-query-editor .view-lines').first().textContent())
      .toContain('620725101');

    await page.locator('button.graphiql-execute-button').click();

    const result = page.locator('.graphiql-response .result-window');
    await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('清泉镇');

    await writeFile(SCREENSHOT, await page.screenshot({ fullPage: true }));

    expect(external).toEqual([]);
  });
});
