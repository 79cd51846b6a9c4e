import type { MiddlewareHandler } from 'hono';
import type { Db } from '../store/db.ts';
import { findMerchantByApiKey } from '../store/merchants.ts';
import type { ApiEnv } from './api-env.ts';
import { problemResponse } from './problem.ts';

/**
 * `Authorization: Bearer sk_…` (RFC 6750). The key is looked up by its SHA-256, so comparing
 * never touches the stored secret itself and timing reveals nothing about other keys.
 */
export function requireApiKey(db: Db): MiddlewareHandler<ApiEnv> {
  return async function requireApiKey(c, next) {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(sk_[A-Za-z0-9_-]{1,200})\s*$/i.exec(header);
    const merchant = match?.[1] ? findMerchantByApiKey(db, match[1]) : null;
    if (!merchant) {
      return problemResponse(c, 'unauthorized', 'Send a valid API key as "Authorization: Bearer sk_…".');
    }
    c.set('merchant', merchant);
    await next();
    return undefined;
  };
}
