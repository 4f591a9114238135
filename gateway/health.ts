import type { Redis } from 'ioredis';
import type { MikroORM } from '../schema/db/orm';
import { errorMessage } from '../schema/runtime/retry';
import { pingRedis } from '../workers/redis';

export interface CheckResult {
  ok: boolean;
  ms: number;
  error?: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: { postgres: CheckResult; redis: CheckResult };
}

async function timed(check: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, ms: Date.now() - started };
  } catch (error) {
    return { ok: false, ms: Date.now() - started, error: errorMessage(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Both backing services, checked in parallel with a deadline each; says which one failed and why. */
export async function checkReadiness(
  orm: MikroORM,
  redis: Redis,
  timeoutMs = 2_000,
): Promise<ReadinessReport> {
  const [postgres, redisCheck] = await Promise.all([
    timed(() => orm.em.getConnection().execute('select 1'), timeoutMs),
    timed(() => pingRedis(redis, timeoutMs), timeoutMs),
  ]);
  return { ready: postgres.ok && redisCheck.ok, checks: { postgres, redis: redisCheck } };
}
