import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Calls `attempt` until it succeeds or `timeoutMs` has passed, backing off from 200 ms to 2 s.
 * Returns the last error's message on failure so the caller can name the service that is down.
 */
export async function retryUntil<T>(
  attempt: () => Promise<T>,
  timeoutMs: number,
  onRetry?: (error: unknown, attemptNo: number) => void,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 200;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() + delay > deadline) throw error;
      onRetry?.(error, n);
      await sleep(delay);
      delay = Math.min(delay * 2, 2_000);
    }
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length) return errorMessage(error.errors[0]);
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
