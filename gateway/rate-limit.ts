import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/** Adds to a window's count, opening the window (its expiry) with the first request; returns {count, ms left}. */
const INCREMENT = `local count = redis.call('incrby', KEYS[1], ARGV[1])
local ttl = redis.call('pttl', KEYS[1])
if ttl == -1 then
  redis.call('pexpire', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {count, ttl}`;

const WINDOW_MS = 60_000;

/** A request over its limit: when the window reopens. */
export class RateLimited extends Error {
  constructor(readonly msBeforeNext: number) {
    super('rate limited');
  }
}

type RedisWithIncrement = Redis & {
  gridhubRateIncrement(key: string, points: string, windowMs: string): Promise<[number, number]>;
};

interface Pending {
  key: string;
  perMinute: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Requests per caller and minute, counted in Redis so that a limit holds across gateway processes: a fixed
 * window opened by the caller's first request, whose key expires with it (the scheme of rate-limiter-flexible,
 * which this replaced, under the same keys). The requests that reach the limiter in one turn of the event
 * loop are counted in one pipeline, one write and one read for all of them: a Redis call per request was,
 * after the HTTP answer and the SQL statement, the costliest system call of a partner query. While Redis
 * cannot be reached each process counts in memory rather than refusing everyone.
 */
export class RateLimiter {
  private pending: Pending[] = [];
  private readonly memory = new Map<number, RateLimiterMemory>();

  constructor(private readonly redis: Redis) {
    if (!('gridhubRateIncrement' in redis))
      redis.defineCommand('gridhubRateIncrement', { numberOfKeys: 1, lua: INCREMENT });
  }

  /** Resolves when the request is within `perMinute` for `key`; rejects with RateLimited when it is not. */
  consume(key: string, perMinute: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ key, perMinute, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    let results: Array<[Error | null, unknown]> | null = null;
    try {
      const pipeline = this.redis.pipeline() as unknown as RedisWithIncrement;
      for (const p of batch)
        pipeline.gridhubRateIncrement(`gridhub:rate:${p.perMinute}:${p.key}`, '1', String(WINDOW_MS));
      results = await (pipeline as unknown as ReturnType<Redis['pipeline']>).exec();
    } catch {
      results = null;
    }
    batch.forEach((p, i) => {
      const [error, value] = results?.[i] ?? [new Error('Redis unavailable'), null];
      if (error || !Array.isArray(value)) {
        this.inMemory(p);
        return;
      }
      const [count, ttl] = value as [number, number];
      if (count > p.perMinute) p.reject(new RateLimited(Math.max(0, ttl)));
      else p.resolve();
    });
  }

  /** Redis unreachable: this process's own count. */
  private inMemory(p: Pending): void {
    let limiter = this.memory.get(p.perMinute);
    if (!limiter) {
      limiter = new RateLimiterMemory({ points: p.perMinute, duration: WINDOW_MS / 1000 });
      this.memory.set(p.perMinute, limiter);
    }
    limiter.consume(p.key).then(
      () => p.resolve(),
      (res: unknown) =>
        p.reject(res instanceof RateLimiterRes ? new RateLimited(res.msBeforeNext) : (res as Error)),
    );
  }
}
