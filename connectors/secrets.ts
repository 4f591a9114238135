import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Connectors' secrets (database passwords, API tokens) are split out of their config, encrypted with
 * AES-256-GCM under the hub's key, and never returned by the API: reads show the secret fields as set or not.
 */

export type SecretKey = Buffer;

/** The key from config, or from `<dataDir>/secret.key` (created once, readable by the owner only). */
export function loadSecretKey(configured: string | undefined, dataDir: string): SecretKey {
  if (configured) return Buffer.from(configured, 'hex');
  const file = path.join(dataDir, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}

export function encryptSecrets(key: SecretKey, values: Record<string, unknown>): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(
    '.',
  );
}

export function decryptSecrets(key: SecretKey, sealed: string): Record<string, unknown> {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || !body) throw new Error('unreadable secrets (unknown format)');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  try {
    return JSON.parse(
      Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8'),
    );
  } catch {
    throw new Error(
      "the connector's secrets cannot be decrypted: GRIDHUB_SECRET_KEY is not the key they were stored with",
    );
  }
}

function getPath(obj: Record<string, unknown>, dotted: string): unknown {
  return dotted
    .split('.')
    .reduce<unknown>(
      (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
      obj,
    );
}

function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (!o[k] || typeof o[k] !== 'object') o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  if (value === undefined) delete o[keys[keys.length - 1]!];
  else o[keys[keys.length - 1]!] = value;
}

/** Splits a config into its public part and its secret fields (dotted paths). */
export function splitSecrets(
  config: Record<string, unknown>,
  secretPaths: readonly string[],
): { config: Record<string, unknown>; secrets: Record<string, unknown> } {
  const open = structuredClone(config);
  const secrets: Record<string, unknown> = {};
  for (const p of secretPaths) {
    const v = getPath(open, p);
    if (v !== undefined) {
      secrets[p] = v;
      setPath(open, p, undefined);
    }
  }
  return { config: open, secrets };
}

/** The whole config again, for the source to use. */
export function joinSecrets(
  config: Record<string, unknown>,
  secrets: Record<string, unknown>,
): Record<string, unknown> {
  const whole = structuredClone(config);
  for (const [p, v] of Object.entries(secrets)) setPath(whole, p, v);
  return whole;
}
