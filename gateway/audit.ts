import type { ApolloServerPlugin } from '@apollo/server';
import { runSql } from '../schema/common/rows';
import type { MikroORM } from '../schema/db/orm';
import type { Logger } from '../schema/runtime/logger';
import type { GatewayContext } from './context';

/**
 * Writes the read audit of each operation that returned personal data, before the response leaves. If the
 * audit cannot be written, the personal data is not sent either: the response becomes AUDIT_UNAVAILABLE.
 * Also appends the request's notices (e.g. a capped page size) to the response's errors.
 */
export function readAuditPlugin(orm: MikroORM, logger: Logger): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue, operationName }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (contextValue.notices.length)
            result.errors = [...(result.errors ?? []), ...contextValue.notices];
          const entries = contextValue.readLog.entries();
          if (!entries.length) return;
          const { access } = contextValue;
          try {
            await runSql(
              orm.em,
              `insert into read_audit (principal, role, request_id, operation_name, client_address, record_type, record_ids, unmasked_fields)
               select ?, ?, ?, ?, ?, x.record_type, x.record_ids, ?::text[]
                 from jsonb_to_recordset(?::jsonb) as x(record_type text, record_ids text[])`,
              [
                access.principal,
                access.role,
                contextValue.requestId,
                operationName ?? null,
                contextValue.clientAddress,
                `{${access.clearFields().join(',')}}`,
                JSON.stringify(entries.map((e) => ({ record_type: e.recordType, record_ids: e.ids }))),
              ],
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
