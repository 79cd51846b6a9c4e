import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTokenBuckets, type RateLimit } from './token-buckets.ts';

function manualClock() {
  let nowMs = Date.parse('2026-01-01T00:00:00Z');
  return {
    now: () => new Date(nowMs),
    advance(ms: number) {
      nowMs += ms;
    },
  };
}

const limitArb = fc.record({
  perMinute: fc.integer({ min: 1, max: 600 }),
  burst: fc.integer({ min: 1, max: 50 }),
});
/** A take on one of a few keys, after a pause of up to two minutes. */
const stepArb = fc.record({
  waitMs: fc.integer({ min: 0, max: 120_000 }),
  key: fc.constantFrom('a', 'b', 'c'),
});

/** The same rule with no eviction and no LRU: the model the real buckets must agree with. */
function referenceBuckets(limit: RateLimit) {
  const state = new Map<string, { tokens: number; at: number }>();
  return (key: string, nowMs: number): boolean => {
    const bucket = state.get(key) ?? { tokens: limit.burst, at: nowMs };
    const tokens = Math.min(limit.burst, bucket.tokens + ((nowMs - bucket.at) * limit.perMinute) / 60_000);
    const ok = tokens >= 1 - 1e-9;
    state.set(key, { tokens: ok ? Math.max(0, tokens - 1) : tokens, at: nowMs });
    return ok;
  };
}

describe('createTokenBuckets', () => {
  it('allows the burst, then refuses with the seconds until the next token', () => {
    const clock = manualClock();
    const buckets = createTokenBuckets({ perMinute: 6, burst: 2 }, { clock });
    expect(buckets.take('key_a')).toEqual({ ok: true });
    expect(buckets.take('key_a')).toEqual({ ok: true });
    expect(buckets.take('key_a')).toEqual({ ok: false, retryAfterS: 10 });
    // Another key has a bucket of its own.
    expect(buckets.take('key_b')).toEqual({ ok: true });
    clock.advance(4_000);
    expect(buckets.take('key_a')).toEqual({ ok: false, retryAfterS: 6 });
    clock.advance(6_000);
    expect(buckets.take('key_a')).toEqual({ ok: true });
    expect(buckets.take('key_a')).toEqual({ ok: false, retryAfterS: 10 });
  });

  it('never allows more than the burst plus the refill over any span of time', () => {
    fc.assert(
      fc.property(
        limitArb,
        fc.array(
          stepArb.map((step) => step.waitMs),
          { maxLength: 200 },
        ),
        (limit, waits) => {
          const clock = manualClock();
          const buckets = createTokenBuckets(limit, { clock });
          let allowed = 0;
          let elapsedMs = 0;
          for (const waitMs of waits) {
            clock.advance(waitMs);
            elapsedMs += waitMs;
            if (buckets.take('k').ok) allowed++;
            expect(allowed).toBeLessThanOrEqual(
              limit.burst + Math.floor((elapsedMs * limit.perMinute) / 60_000),
            );
          }
        },
      ),
    );
  });

  it('keeps its word: after waiting Retry-After seconds the next request passes', () => {
    fc.assert(
      fc.property(limitArb, fc.array(stepArb, { maxLength: 100 }), (limit, steps) => {
        const clock = manualClock();
        const buckets = createTokenBuckets(limit, { clock });
        for (const step of steps) {
          clock.advance(step.waitMs);
          const result = buckets.take(step.key);
          if (!result.ok) {
            clock.advance(result.retryAfterS * 1000);
            expect(buckets.take(step.key)).toEqual({ ok: true });
          }
        }
      }),
    );
  });

  it('answers as if it remembered every key, while holding at most the keys not yet refilled', () => {
    fc.assert(
      fc.property(limitArb, fc.array(stepArb, { maxLength: 150 }), (limit, steps) => {
        const clock = manualClock();
        const buckets = createTokenBuckets(limit, { clock });
        const reference = referenceBuckets(limit);
        for (const step of steps) {
          clock.advance(step.waitMs);
          expect(buckets.take(step.key).ok).toBe(reference(step.key, clock.now().getTime()));
        }
      }),
    );
  });

  it('drops idle buckets, and the least recently used ones past maxKeys', () => {
    const clock = manualClock();
    const buckets = createTokenBuckets({ perMinute: 60, burst: 5 }, { clock, maxKeys: 3 });
    for (const key of ['a', 'b', 'c', 'd', 'e']) buckets.take(key);
    expect(buckets.size).toBe(3);
    // 5 tokens at one a second: full again after 5 s, so every older bucket can go.
    clock.advance(5_000);
    buckets.take('f');
    expect(buckets.size).toBe(1);
  });
});
