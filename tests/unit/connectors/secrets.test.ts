import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decryptSecrets,
  encryptSecrets,
  joinSecrets,
  loadSecretKey,
  splitSecrets,
} from '../../../connectors/secrets';

describe("connectors' secrets", () => {
  const key = loadSecretKey('ab'.repeat(32), os.tmpdir());

  it('splits secret fields out of a config and joins them back', () => {
    const config = { url: 'https://x', headers: { Authorization: 'Bearer t0ken' }, retry: { attempts: 3 } };
    const { config: open, secrets } = splitSecrets(config, ['headers', 'password']);
    expect(open).toEqual({ url: 'https://x', retry: { attempts: 3 } });
    expect(JSON.stringify(open)).not.toContain('t0ken');
    expect(joinSecrets(open, secrets)).toEqual(config);
  });

  it('seals with AES-256-GCM: the sealed text does not contain the secret, and only the same key opens it', () => {
    const sealed = encryptSecrets(key, { password: 's3cret-pass' });
    expect(sealed).not.toContain('s3cret');
    expect(decryptSecrets(key, sealed)).toEqual({ password: 's3cret-pass' });
    const other = loadSecretKey('cd'.repeat(32), os.tmpdir());
    expect(() => decryptSecrets(other, sealed)).toThrow(/not the key they were stored with/);
  });

  it('creates a key file readable by its owner only when none is configured, and reuses it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-key-'));
    const first = loadSecretKey(undefined, dir);
    expect(first.length).toBe(32);
    expect(statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(loadSecretKey(undefined, dir).equals(first)).toBe(true);
  });
});
