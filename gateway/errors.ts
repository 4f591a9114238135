import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { DomainError, isConnectionError, ServiceUnavailableError } from '../schema/runtime/errors';
import type { Logger } from '../schema/runtime/logger';

/**
 * What a partner sees of an error. Domain errors keep their message and stable code; a lost database or
 * Redis connection becomes DATABASE_UNAVAILABLE / REDIS_UNAVAILABLE; GraphQL's own validation errors pass
 * through; everything else is logged in full and answered as INTERNAL_SERVER_ERROR with no SQL, stack or
 * values in it.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };

    if (original instanceof DomainError) {
      return { ...base, message: original.message, extensions: { code: original.code, ...original.details } };
    }
    if (isConnectionError(original)) {
      // Redis calls are wrapped where they are made (QueueRegistry); a raw connection error here is the database's.
      const unavailable = new ServiceUnavailableError('PostgreSQL', 'connection lost');
      logger.warn({ err: (original as Error)?.message, path: formatted.path }, unavailable.message);
      return { ...base, message: unavailable.message, extensions: { code: unavailable.code } };
    }
    // Errors raised by graphql-js and Apollo themselves (parse, validation, bad variables) are safe to show.
    if (original instanceof GraphQLError || !(error instanceof GraphQLError && error.originalError)) {
      return formatted;
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error in resolver');
    return { ...base, message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
