import type { Clock } from '../domain/clock.ts';

/** A rate: `burst` requests at once, then `perMinute` a minute, refilled continuously. */
export type RateLimit = { perMinute: number; burst: number };

/** Keys one bucket set remembers at most: bounds memory whatever an attacker varies (IPs, keys). */
export const MAX_BUCKET_KEYS = 100_000;

export type TakeResult = { ok: true } | { ok: false; retryAfterS: number };

export type TokenBuckets = {
  /** Takes one token from `key`'s bucket, or says in whole seconds when one will be there. */
  take(key: string): TakeResult;
  /** Buckets held in memory now. */
  readonly size: number;
};

type Bucket = { tokens: number; updatedAtMs: number };

/** Refill is floating point: a wait of exactly the advertised Retry-After must find a whole token. */
const EPSILON = 1e-9;

/**
 * One token bucket per key, in this process's memory: several `serve` processes each enforce their
 * own, so N processes behind a load balancer allow up to N times the rate (README, "Quotas and
 * rate limits").
 *
 * Invariant: a bucket absent from the map is full. So a bucket that has been idle long enough to
 * refill completely is dropped without changing any answer; the map is kept in least-recently-used
 * order (a take moves its key to the end), so idle buckets are found at the front. Past `maxKeys`,
 * the least recently used bucket is dropped even if not yet full: the one place the limiter is
 * lenient, and only under a flood of distinct keys.
 */
export function createTokenBuckets(
  limit: RateLimit,
  options: { clock: Clock; maxKeys?: number },
): TokenBuckets {
  const maxKeys = options.maxKeys ?? MAX_BUCKET_KEYS;
  const tokensPerMs = limit.perMinute / 60_000;
  const fullAfterMs = limit.burst / tokensPerMs;
  const buckets = new Map<string, Bucket>();

  const evictIdle = (nowMs: number) => {
    for (const [key, bucket] of buckets) {
      const full = nowMs - bucket.updatedAtMs >= fullAfterMs;
      if (!full && buckets.size <= maxKeys) return;
      buckets.delete(key);
    }
  };

  return {
    take(key) {
      const nowMs = options.clock.now().getTime();
      const bucket = buckets.get(key);
      // A clock stepped backwards refills nothing rather than taking tokens away.
      const elapsedMs = bucket ? Math.max(0, nowMs - bucket.updatedAtMs) : 0;
      const tokens = bucket ? Math.min(limit.burst, bucket.tokens + elapsedMs * tokensPerMs) : limit.burst;
      buckets.delete(key);
      const result: TakeResult =
        tokens >= 1 - EPSILON
          ? { ok: true }
          : { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - tokens) / tokensPerMs / 1000)) };
      buckets.set(key, { tokens: result.ok ? Math.max(0, tokens - 1) : tokens, updatedAtMs: nowMs });
      evictIdle(nowMs);
      return result;
    },
    get size() {
      return buckets.size;
    },
  };
}
