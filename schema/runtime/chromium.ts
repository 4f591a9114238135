import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/** Where Debian and the usual packages put Chromium; GRIDHUB_CHROMIUM names another. */
export const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function findChromium(): string | null {
  const configured = process.env.GRIDHUB_CHROMIUM;
  if (configured) return existsSync(configured) ? configured : null;
  return CHROMIUM_PATHS.find((p) => existsSync(p)) ?? null;
}

/**
 * The local Chromium, headless and quiet: no sandbox (it runs as a service user, often root in a container),
 * no GPU, no first-run or background requests — the intranet has nowhere to send them. The report's PDF and
 * the browser tests launch it the same way; `extraArgs` adds to these.
 */
export async function launchChromium(executablePath: string, extraArgs: string[] = []): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}
