import type { Context } from 'hono';
import { problemResponse } from './problem.ts';

/** RFC 6585 §4 429 as problem+json, with RFC 9110 §10.2.3 `Retry-After` in whole seconds. */
export function rateLimitedResponse(c: Context, retryAfterS: number, detail: string): Response {
  c.header('retry-after', String(retryAfterS));
  return problemResponse(c, 'rate_limited', `${detail} Retry after ${retryAfterS} s.`);
}
