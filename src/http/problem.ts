import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorCode, FieldError } from '../domain/errors.ts';

/** Every error code's HTTP status, in one exhaustive table: a new code does not compile without one. */
export const STATUS_BY_CODE: Record<ErrorCode, ContentfulStatusCode> = {
  validation_failed: 400,
  malformed_json: 400,
  webhook_url_invalid: 400,
  webhook_url_private: 400,
  webhook_url_unresolvable: 400,
  unauthorized: 401,
  route_not_found: 404,
  invoice_not_found: 404,
  event_not_found: 404,
  webhook_endpoint_not_found: 404,
  api_key_not_found: 404,
  sweep_not_found: 404,
  invoice_not_cancelable: 409,
  sweep_not_unsigned: 409,
  // Another invoice (of another merchant holding the same key) already has the address.
  deposit_address_in_use: 409,
  last_api_key: 409,
  idempotency_key_in_flight: 409,
  webhook_endpoint_limit: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  address_space_exhausted: 422,
  transaction_not_found: 422,
  transaction_mismatch: 422,
  too_many_streams: 429,
  // RFC 6585 §4; the Retry-After comes from the token bucket (http/token-buckets.ts, http/rate-limited-response.ts).
  rate_limited: 429,
  database_busy: 503,
  database_unavailable: 503,
  // RFC 4918 §11.5: the server cannot store what the request needs; retrying after space is freed works.
  storage_full: 507,
  // RFC 9110 §15.6.3: the upstream (the chain's node) failed; nothing was written.
  chain_unavailable: 502,
  internal_error: 500,
  // Never sent as themselves (the CLI, the workers and migrations raise them): were one to reach
  // the API, it would be logged and answered as internal_error (api/app.ts).
  xpub_in_use: 500,
  address_already_sweeping: 500,
  gas_wallet_unfunded: 500,
  secret_unreadable: 500,
  webhook_secret_invalid: 500,
  webhook_id_invalid: 500,
  foreign_key_violation: 500,
  database_copy_failed: 500,
};

const TITLES: Partial<Record<ErrorCode, string>> = {
  validation_failed: 'Invalid request',
  unauthorized: 'Unauthorized',
  payload_too_large: 'Payload too large',
  rate_limited: 'Too many requests',
  database_busy: 'Service busy',
  database_unavailable: 'Database unavailable',
  storage_full: 'Insufficient storage',
  internal_error: 'Internal server error',
};

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
};

/** RFC 9457 problem details; `type` is a stable URI per code, relative to the docs. */
export function toProblem(code: ErrorCode, detail: string, errors?: FieldError[]): Problem {
  const status = STATUS_BY_CODE[code];
  const title = TITLES[code] ?? code.replaceAll('_', ' ').replace(/^./, (first) => first.toUpperCase());
  return { type: `/docs#error-${code}`, title, status, detail, code, ...(errors ? { errors } : {}) };
}

export function problemResponse(
  c: Context,
  code: ErrorCode,
  detail: string,
  errors?: FieldError[],
): Response {
  const problem = toProblem(code, detail, errors);
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (code === 'unauthorized') headers['www-authenticate'] = 'Bearer realm="stablegate"';
  if (code === 'database_busy' || code === 'database_unavailable' || code === 'idempotency_key_in_flight')
    headers['retry-after'] = '1';
  return c.body(JSON.stringify(problem), problem.status as ContentfulStatusCode, headers);
}
