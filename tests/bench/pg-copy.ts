import type { Client } from 'pg';
import { copyIn as copyInClient } from '../../schema/demo/copy';

/** Escapes one value for COPY's text format (`\N` for null). */
export function copyField(value: string | boolean | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}

/** `COPY … FROM STDIN` with a prepared payload: the loader's own implementation, so the reference is the same code. */
export function copyIn(client: Client, sql: string, payload: Buffer): Promise<number> {
  return copyInClient(client, sql, payload);
}
