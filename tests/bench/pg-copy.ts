import type { Client, Submittable } from 'pg';

/** The slice of pg's connection a COPY FROM STDIN needs (the same calls pg-copy-streams makes). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

const CHUNK = 64 * 1024;

/**
 * `COPY … FROM STDIN` over an ordinary `pg` client, without another dependency: a "submittable" that
 * streams the prepared text-format payload when the server asks for it. Resolves with the row count.
 */
class CopyIn {
  callback?: (err: Error | null, rows?: number) => void;
  private rows = 0;
  private failed = false;

  constructor(
    private readonly text: string,
    private readonly payload: Buffer,
  ) {}

  submit(connection: CopyConnection) {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: CopyConnection) {
    for (let i = 0; i < this.payload.length; i += CHUNK) {
      connection.sendCopyFromChunk(this.payload.subarray(i, i + CHUNK));
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

/** Escapes one value for COPY's text format (`\N` for null). */
export function copyField(value: string | boolean | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}

export function copyIn(client: Client, sql: string, payload: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const copy = new CopyIn(sql, payload);
    copy.callback = (err, rows) => (err ? reject(err) : resolve(rows ?? 0));
    // pg accepts any object with `submit`; its typings type the connection more narrowly than we use it.
    client.query(copy as unknown as Submittable);
  });
}
