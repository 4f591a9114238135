import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The version from package.json, found from the sources and from dist/ alike. */
function readVersion(): string {
  for (const up of ['../package.json', '../../package.json']) {
    try {
      return JSON.parse(readFileSync(path.join(__dirname, up), 'utf8')).version;
    } catch {}
  }
  return '0.0.0';
}

export const HUB_VERSION = readVersion();
