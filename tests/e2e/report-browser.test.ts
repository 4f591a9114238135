import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../schema/indicators/report';
import { renderHtml, renderPdf } from '../../schema/indicators/report-render';
import { launchChromium } from '../../schema/runtime/chromium';
import { NATIONAL, OVERVIEW, SEED_VALUES } from '../unit/indicators/report-fixtures';

/**
 * The printable HTML report in a real browser with no network: the Chinese headings and every indicator row
 * are on the page, and the Chinese is drawn with a real CJK font (two different characters give two different
 * pictures — a missing font draws both as the same empty box). Needs Debian's chromium and a CJK font package
 * (fonts-noto-cjk or fonts-wqy-microhei); skipped without chromium, like graphiql-browser.test.ts.
 */

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = '/tmp/report.png';

describe.skipIf(!existsSync(CHROMIUM))('the self-evaluation report in a browser', () => {
  const report = buildReport({ year: 2023, overview: OVERVIEW, values: SEED_VALUES, rubric: NATIONAL });
  let browser: Browser | undefined;
  let page: Page;
  const external: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium(CHROMIUM);
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('data:') || url.startsWith('about:')) return route.continue();
      external.push(url);
      return route.abort('internetdisconnected');
    });
    page = await context.newPage();
    await page.setContent(renderHtml(report), { waitUntil: 'load' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the Chinese headings in order and asks for nothing from the network', async () => {
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what is checked, not the DOM's
    const text = await page.evaluate(() => document.body.innerText);
    for (const h of ['项目概况', '绩效目标', '资金情况', '绩效目标完成情况及效益', '结论', '自评得分']) {
      expect(text, h).toContain(h);
    }
    expect(text).toContain(report.title);
    expect(text).toContain('自评得分：95.54 分（满分 100 分）');
    expect(external).toEqual([]);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('shows every indicator row, complete', async () => {
    const rows = await page.$$eval('#indicators tbody tr', (trs) =>
      trs.map((tr) =>
        // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what is checked, not the DOM's
        Array.from(tr.querySelectorAll('td')).map((td) => (td as HTMLElement).innerText.trim()),
      ),
    );
    expect(rows).toHaveLength(SEED_VALUES.length);
    expect(rows.map((r) => r[1])).toEqual(SEED_VALUES.map((v) => v.name));
    for (const r of rows) expect(r).toHaveLength(6);
    expect(rows[2]).toEqual(['3', '矛盾纠纷排查化解率', '≥ 95%', '90%', '否', '9.47 / 10']);
    // Every row is drawn: visible and with a height.
    const heights = await page.$$eval('#indicators tbody tr', (trs) =>
      trs.map((tr) => (tr as HTMLElement).getBoundingClientRect().height),
    );
    for (const h of heights) expect(h).toBeGreaterThan(0);
  });

  it('draws Chinese with a CJK font, not missing-glyph boxes', async () => {
    const probe = await page.evaluate(() => {
      const family = getComputedStyle(document.body).fontFamily;
      const draw = (ch: string) => {
        const canvas = document.createElement('canvas');
        canvas.width = 48;
        canvas.height = 48;
        const ctx = canvas.getContext('2d')!;
        ctx.font = `32px ${family}`;
        ctx.fillStyle = '#000';
        ctx.fillText(ch, 4, 38);
        return {
          width: ctx.measureText(ch).width,
          pixels: Array.from(ctx.getImageData(0, 0, 48, 48).data).join(','),
        };
      };
      const a = draw('项');
      const b = draw('绩');
      const heading = document.querySelector('h2')!.getBoundingClientRect();
      return { width: a.width, differ: a.pixels !== b.pixels, headingWidth: heading.width };
    });
    expect(probe.width).toBeGreaterThan(0);
    expect(probe.headingWidth).toBeGreaterThan(0);
    expect(probe.differ, 'install fonts-noto-cjk or fonts-wqy-microhei: CJK renders as boxes').toBe(true);
  });

  it('prints to PDF offline', async () => {
    const pdf = await renderPdf(report);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(5_000);
    await writeFile('/tmp/report.pdf', pdf);
  }, 60_000);
});
