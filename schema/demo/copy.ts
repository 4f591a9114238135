import type { ClientBase, Submittable } from 'pg';

/**
 * `COPY … FROM STDIN` (text format) over an ordinary `pg` client, without pg-copy-streams: a "submittable"
 * query that sends a prepared payload when the server asks for it — the calls pg-copy-streams makes.
 * The same technique as tests/bench/pg-copy.ts, which measures raw COPY as a reference.
 */

interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

const WIRE_CHUNK = 64 * 1024;

class CopyIn {
  callback?: (err: Error | null, rows?: number) => void;
  private rows = 0;
  private failed = false;

  constructor(
    readonly text: string,
    private readonly payload: Buffer,
  ) {}

  submit(connection: CopyConnection) {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: CopyConnection) {
    for (let i = 0; i < this.payload.length; i += WIRE_CHUNK) {
      connection.sendCopyFromChunk(this.payload.subarray(i, i + WIRE_CHUNK));
    }
    connection.endCopyFrom();
  }

  handleCommandComplete(msg: { text?: string }) {
    this.rows = Number(/^COPY (\d+)/.exec(msg.text ?? '')?.[1] ?? 0);
  }

  handleReadyForQuery() {
    if (!this.failed) this.callback?.(null, this.rows);
  }

  handleError(err: Error) {
    this.failed = true;
    this.callback?.(err);
  }

  handleRowDescription() {}
  handleDataRow() {}
  handlePortalSuspended() {}
  handleEmptyQuery() {}
  handleCopyData() {}
}

/** Runs one `COPY … FROM STDIN` with a text-format payload; resolves with the rows copied. */
export function copyIn(client: ClientBase, sql: string, payload: string | Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const copy = new CopyIn(sql, typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload);
    copy.callback = (err, rows) => (err ? reject(err) : resolve(rows ?? 0));
    // pg accepts any object with `submit`; its typings describe the connection more narrowly than we use it.
    client.query(copy as unknown as Submittable);
  });
}

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One string escaped for COPY's text format. */
export function copyText(value: string): string {
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : value;
}

/** A PostgreSQL array literal of strings (`{"a","b"}`), before COPY escaping. */
export function arrayLiteral(values: readonly unknown[]): string {
  return `{${values.map((v) => (v === null || v === undefined ? 'NULL' : `"${String(v).replace(/["\\]/g, (c) => `\\${c}`)}"`)).join(',')}}`;
}

export type CopyKind = 'text' | 'json' | 'array' | 'scalar';

/** One value in COPY text format: `\N` for null, JSON for jsonb, an array literal for arrays. */
export function copyField(value: unknown, kind: CopyKind): string {
  if (value === null || value === undefined) return '\\N';
  switch (kind) {
    case 'json':
      return copyText(JSON.stringify(value));
    case 'array':
      return copyText(arrayLiteral(value as unknown[]));
    case 'scalar':
      return typeof value === 'boolean' ? (value ? 't' : 'f') : copyText(String(value));
    default:
      return copyText(typeof value === 'string' ? value : String(value));
  }
}
