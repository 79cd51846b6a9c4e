import type { Context } from 'hono';
import type { Clock } from '../domain/clock.ts';
import { rateLimitedResponse } from '../http/rate-limited-response.ts';
import { createTokenBuckets, type RateLimit, type TakeResult } from '../http/token-buckets.ts';
import type { ApiEnv } from './api-env.ts';

/** Methods that change something: every one spends a write token (RFC 9110 §9.2.1, not "safe"). */
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** A redelivery sends the event to every endpoint again: its own, tighter bucket. */
const REDELIVER_PATH = /^\/v1\/events\/[^/]+\/redeliver$/;

/** Decides whether an authenticated request may go on; a 429 response when it may not. */
export type ApiKeyLimiter = (c: Context<ApiEnv>, apiKeyId: string) => Response | null;

/**
 * Per API key, not per merchant: a merchant's keys (one per service, say) do not starve each
 * other. Reads are not limited here; they cost one indexed query each.
 */
export function createApiKeyLimiter(
  limits: { writes: RateLimit; redeliveries: RateLimit },
  clock: Clock,
): ApiKeyLimiter {
  const writes = createTokenBuckets(limits.writes, { clock });
  const redeliveries = createTokenBuckets(limits.redeliveries, { clock });
  return (c, apiKeyId) => {
    if (!WRITE_METHODS.has(c.req.method)) return null;
    const redelivery = REDELIVER_PATH.test(c.req.path);
    const taken: TakeResult = (redelivery ? redeliveries : writes).take(apiKeyId);
    if (taken.ok) return null;
    return rateLimitedResponse(
      c,
      taken.retryAfterS,
      redelivery ? 'Too many redeliveries with this API key.' : 'Too many writes with this API key.',
    );
  };
}
