import type { ApolloServerPlugin } from '@apollo/server';
import { runPrepared } from '../schema/common/rows';
import type { MikroORM } from '../schema/db/orm';
import type { Logger } from '../schema/runtime/logger';
import type { GatewayContext } from './context';

/**
 * The read audit: every operation that returned personal data is written before its response leaves — who,
 * which role, the operation's name and hash, its variables with secrets removed, the declared purpose, and the
 * records returned per type. Entries of concurrent requests are written together (group commit: one INSERT for
 * whatever is pending, every few milliseconds), and each request waits for the commit of its batch, so the
 * audit costs one statement per batch rather than per request and a crash of the gateway cannot lose an entry
 * whose data was sent: data leaves only after its entry is committed. If the audit cannot be written, the
 * personal data is not sent either: the response becomes AUDIT_UNAVAILABLE.
 * Also appends the request's notices (e.g. a capped page size) to the response's errors.
 */

const BATCH_MS = 2;
const BATCH_ROWS = 500;
const SECRET_NAME = /pass|secret|token|key|authori[sz]ation|credential/i;

export interface AuditRow {
  principal: string;
  role: string | null;
  request_id: string;
  operation_name: string | null;
  operation_hash: string | null;
  variables: unknown;
  purpose: string | null;
  client_address: string | null;
  record_type: string;
  record_ids: string[];
  record_count: number;
  unmasked_fields: string[];
}

/** Variables as the audit keeps them: values under secret-looking names replaced. */
export function auditVariables(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => auditVariables(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      SECRET_NAME.test(k) ? '***' : auditVariables(v, depth + 1),
    ]),
  );
}

export class AuditWriter {
  private pending: Array<{ rows: AuditRow[]; done: (error?: unknown) => void }> = [];
  private timer: NodeJS.Timeout | null = null;
  private pendingRows = 0;

  constructor(private readonly orm: MikroORM) {}

  /** Resolves once the rows are committed (with the rest of their batch); rejects if the batch failed. */
  write(rows: AuditRow[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ rows, done: (error) => (error ? reject(error) : resolve()) });
      this.pendingRows += rows.length;
      if (this.pendingRows >= BATCH_ROWS) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), BATCH_MS);
    });
  }

  private async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    this.pendingRows = 0;
    if (!batch.length) return;
    try {
      await runPrepared(
        this.orm.em,
        `insert into read_audit (principal, role, request_id, operation_name, operation_hash, variables, purpose,
                                 client_address, record_type, record_ids, record_count, unmasked_fields)
         select principal, role, request_id, operation_name, operation_hash, variables, purpose,
                client_address, record_type, record_ids, record_count, unmasked_fields
           from jsonb_to_recordset(?::jsonb) as x(principal text, role text, request_id text, operation_name text,
                operation_hash text, variables jsonb, purpose text, client_address text, record_type text,
                record_ids text[], record_count int, unmasked_fields text[])`,
        [JSON.stringify(batch.flatMap((b) => b.rows))],
      );
      for (const b of batch) b.done();
    } catch (error) {
      for (const b of batch) b.done(error);
    }
  }
}

export function readAuditPlugin(orm: MikroORM, logger: Logger): ApolloServerPlugin<GatewayContext> {
  const writer = new AuditWriter(orm);
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue, operationName, queryHash, request }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (contextValue.notices.length)
            result.errors = [...(result.errors ?? []), ...contextValue.notices];
          const entries = contextValue.readLog.entries();
          if (!entries.length) return;
          const { access } = contextValue;
          const base = {
            principal: access.principal,
            role: access.role,
            request_id: contextValue.requestId,
            operation_name: operationName ?? null,
            // Apollo's hash of the operation's text: its SHA-256, hex (the persisted-query hash is the same).
            operation_hash: queryHash ?? null,
            variables: request.variables ? auditVariables(request.variables) : null,
            purpose: contextValue.purpose,
            client_address: contextValue.clientAddress,
            unmasked_fields: access.clearFields(),
          };
          try {
            await writer.write(
              entries.map((e) => ({
                ...base,
                record_type: e.recordType,
                record_ids: e.ids,
                record_count: e.ids.length,
              })),
            );
          } catch (error) {
            logger.error(
              { err: error, requestId: contextValue.requestId },
              'read audit could not be written',
            );
            response.body.singleResult = {
              data: null,
              errors: [
                {
                  message:
                    'The read audit could not be written, so no personal data is returned; try again shortly',
                  extensions: { code: 'AUDIT_UNAVAILABLE' },
                },
              ],
            };
          }
        },
      };
    },
  };
}
