import { z } from 'zod';
import { ConnectorError } from '../protocol';

/**
 * Retry with exponential backoff and jitter for the network sources. Only `transient` connector errors are
 * retried: a wrong password or a bad query fails the same way every time, and retrying it only delays the
 * message a person has to act on.
 */

export interface RetryPolicy {
  /** Tries in all, the first one included (1 = no retry). */
  attempts: number;
  /** Delay before the first retry; doubled for each later one. */
  baseMs: number;
}

/** The `retry` block of a source's config. */
export const retryConfig = (defaults: RetryPolicy) =>
  z
    .object({
      attempts: z.number().int().min(1).max(20).default(defaults.attempts),
      baseMs: z.number().int().min(0).max(60_000).default(defaults.baseMs),
    })
    .prefault({});

/** A transient error that says when the server wants to be asked again (HTTP Retry-After). */
export class RetryAfterError extends ConnectorError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterMs: number | undefined,
    options?: { cause?: unknown },
  ) {
    super('transient', code, message, options);
  }
}

/** Parses a Retry-After header: delta seconds or an HTTP date. Unparseable or absent → undefined. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

// A server asking for minutes would stall a sync run that can simply be resumed later instead.
const MAX_DELAY_MS = 30_000;

/** Delay before retry number `retry` (1-based): half fixed, half random, so many clients don't retry in step. */
export function backoffDelay(retry: number, baseMs: number, retryAfterMs?: number): number {
  const exponential = Math.min(MAX_DELAY_MS, baseMs * 2 ** (retry - 1));
  const jittered = exponential / 2 + (Math.random() * exponential) / 2;
  return Math.min(MAX_DELAY_MS, Math.max(jittered, retryAfterMs ?? 0));
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryOptions extends RetryPolicy {
  signal?: AbortSignal;
  /** Told about each retry before its delay (for logs and tests). */
  onRetry?: (error: ConnectorError, retry: number, delayMs: number) => void;
}

/**
 * Runs `fn` until it succeeds, throws a non-transient error, or has been tried `attempts` times. The last
 * transient error is rethrown, still transient (a later run may succeed), with the number of tries appended.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw abortError(options.signal);
    try {
      return await fn(attempt);
    } catch (error) {
      if (!(error instanceof ConnectorError) || error.kind !== 'transient') throw error;
      if (options.signal?.aborted) throw abortError(options.signal);
      if (attempt >= options.attempts) {
        if (options.attempts === 1) throw error;
        throw new ConnectorError(
          'transient',
          error.code,
          `${error.message} (gave up after ${attempt} attempts)`,
          { cause: error },
        );
      }
      const retryAfterMs = error instanceof RetryAfterError ? error.retryAfterMs : undefined;
      const delayMs = backoffDelay(attempt, options.baseMs, retryAfterMs);
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs, options.signal);
    }
  }
}
