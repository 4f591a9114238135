/**
 * Errors the domain raises on purpose. Each carries a stable `code` that partners can branch on;
 * the gateway passes message and code through and hides everything else.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, key: string, code = `${what.toUpperCase()}_NOT_FOUND`) {
    super(code, `No ${what.toLowerCase()} with code "${key}"`, { [what.toLowerCase()]: key });
  }
}

/** A backing service (PostgreSQL, Redis) cannot be reached. */
export class ServiceUnavailableError extends DomainError {
  constructor(
    readonly service: 'PostgreSQL' | 'Redis',
    reason: string,
  ) {
    super(
      service === 'PostgreSQL' ? 'DATABASE_UNAVAILABLE' : 'REDIS_UNAVAILABLE',
      `${service} is unavailable (${reason}); try again shortly`,
    );
  }
}

/** Start-up could not complete; the CLI prints the message alone and exits 1, no stack trace. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P03', // cannot_connect_now
]);

/** True when an error means "the server is not there" rather than "the query is wrong". */
export function isConnectionError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof e.code === 'string' && CONNECTION_ERROR_CODES.has(e.code)) return true;
    if (
      typeof e.message === 'string' &&
      /Connection terminated|connect ECONNREFUSED|Knex: Timeout acquiring a connection|Connection is closed/i.test(
        e.message,
      )
    )
      return true;
    if (Array.isArray(e.errors) && e.errors.some(isConnectionError)) return true;
    current = e.cause;
  }
  return false;
}
