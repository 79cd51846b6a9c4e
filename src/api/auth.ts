import type { MiddlewareHandler } from 'hono';
import { problemResponse } from '../http/problem.ts';
import { authenticateApiKey } from '../store/api-keys.ts';
import type { Store } from '../store/store.ts';
import type { ApiEnv } from './api-env.ts';
import type { ApiKeyLimiter } from './rate-limit.ts';

/**
 * `Authorization: Bearer sk_…` (RFC 6750). The key is looked up by its SHA-256, so comparing
 * never touches the stored secret itself and timing reveals nothing about other keys. Every request
 * is looked up, with no cache: a revoked key is refused from the request after its revocation.
 *
 * The key's rate limits are applied here, right after it is known, so that every authenticated
 * route is limited by method, whichever route file declares it (api/rate-limit.ts).
 */
export function requireApiKey(store: Pick<Store, 'read'>, limit: ApiKeyLimiter): MiddlewareHandler<ApiEnv> {
  return async function requireApiKey(c, next) {
    // '/v1/x' and '/v1/x/*' both match '/v1/x' (hono's wildcard matches nothing too): authenticate,
    // and spend a token, once per request.
    if (c.get('apiKeyId') !== undefined) {
      await next();
      return undefined;
    }
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(sk_[A-Za-z0-9_-]{1,200})\s*$/i.exec(header);
    const found = match?.[1] ? await store.read(authenticateApiKey, match[1]) : null;
    if (!found) {
      return problemResponse(c, 'unauthorized', 'Send a valid API key as "Authorization: Bearer sk_…".');
    }
    c.set('merchant', found.merchant);
    c.set('apiKeyId', found.apiKeyId);
    const refused = limit(c, found.apiKeyId);
    if (refused) return refused;
    await next();
    return undefined;
  };
}
