import {
  BaseError,
  HttpRequestError,
  ResponseBodyTooLargeError,
  RpcRequestError,
  shouldThrow,
  TimeoutError,
} from 'viem';

/**
 * What a failed request says about the provider that answered it, which decides what the pool
 * does next (provider-pool.ts):
 *
 * | kind               | next provider | provider backed off |
 * | ------------------ | ------------- | ------------------- |
 * | `timeout`          | yes           | yes                 |
 * | `rate_limited`     | yes           | yes (`Retry-After`) |
 * | `unavailable`      | yes           | yes                 |
 * | `missing_block`    | yes           | no: it lags, the head race demotes it |
 * | `refused`          | yes           | no                  |
 * | `invalid_request`  | no            | no                  |
 * | `aborted`          | no            | no                  |
 *
 * `invalid_request` is the request's own fault and would fail on every provider: invalid params,
 * a reverted call, a log range or response too large (the range sizer narrows it instead). Any
 * other JSON-RPC error (`missing trie node` on a pruned node, a method one provider does not
 * serve) may be answered by another provider, so it is tried there, without backing this one off.
 */
export type RpcErrorKind =
  | 'timeout'
  | 'rate_limited'
  | 'unavailable'
  | 'missing_block'
  | 'refused'
  | 'invalid_request'
  | 'aborted';

/** Kinds after which the next provider is tried. */
export const FAILS_OVER: ReadonlySet<RpcErrorKind> = new Set([
  'timeout',
  'rate_limited',
  'unavailable',
  'missing_block',
  'refused',
]);

/** Kinds that back the provider off: it is down, slow or asks us to slow down. */
export const BACKS_OFF: ReadonlySet<RpcErrorKind> = new Set(['timeout', 'rate_limited', 'unavailable']);

/** JSON-RPC codes of a request its provider refuses to serve now (EIP-1474 -32005, and others'). */
const RATE_LIMIT_CODES = new Set([
  -32005, // limit exceeded (EIP-1474)
  -32007, // QuickNode's requests-per-second limit
  429, // in a JSON-RPC body with HTTP 200 (Alchemy's batches)
]);

/** JSON-RPC codes that are the request's own fault (EIP-1474: parse, invalid request, params). */
const REQUEST_FAULT_CODES = new Set([-32700, -32600, -32602]);

/** A transaction every node refuses alike: the sender cannot pay, or the nonce is spent. */
const TRANSACTION_FAULT = /(insufficient funds|nonce too low|intrinsic gas too low)/i;

/**
 * A log query too large for the provider's limits. Infura answers it as -32005 "query returned
 * more than 10000 results": not a rate limit, and another provider's limit is likely the same.
 */
const RANGE_COMPLAINT =
  /(returned more than|block range|range (is )?too (large|wide)|too many (results|logs)|response size|more than \d+ (results|logs))/i;

/**
 * EIP-234: a node asked for the logs of a block it does not have answers with an error (geth
 * "unknown block", others "block not found", "header not found", -32001 resource not found).
 */
const MISSING_BLOCK = /(unknown block|block not found|header not found|block .*not found)/i;

export function classifyRpcError(error: unknown): RpcErrorKind {
  if (!(error instanceof Error)) return 'unavailable';
  if (isAbort(error)) return 'aborted';
  const walk = (match: (cause: unknown) => boolean) =>
    error instanceof BaseError ? error.walk(match) : match(error) ? error : null;
  if (walk((cause) => cause instanceof ResponseBodyTooLargeError)) return 'invalid_request';
  if (walk((cause) => cause instanceof TimeoutError)) return 'timeout';
  const text = errorText(error);
  const status = httpStatus(walk);
  const rawCode: unknown = (error as { code?: unknown }).code;
  const code = typeof rawCode === 'number' ? rawCode : null;
  if (status === 429) return 'rate_limited';
  if (code !== null && RANGE_COMPLAINT.test(text)) return 'invalid_request';
  if (code !== null && RATE_LIMIT_CODES.has(code)) return 'rate_limited';
  // viem's own rule for what a fallback transport must not send on: a revert, a rejection.
  if (shouldThrow(error) || (code !== null && REQUEST_FAULT_CODES.has(code))) return 'invalid_request';
  if (code !== null && TRANSACTION_FAULT.test(text)) return 'invalid_request';
  if (code === -32001 || MISSING_BLOCK.test(text)) return 'missing_block';
  if (code === -32603 || code === -32002) return 'unavailable'; // internal error, resource unavailable
  if (status === 413) return 'refused'; // a batch too large for this provider's limit
  if (status !== null) return 'unavailable';
  // A JSON-RPC error in a 200 answer: this provider's, not necessarily another's.
  if (code !== null && code !== -1) return 'refused';
  return 'unavailable'; // connection refused, reset, a body that is not JSON-RPC
}

/** The delay a 429 or 503 asks for, from its `Retry-After` header (RFC 9110 §10.2.3), in ms. */
export function retryAfterMs(error: unknown, now: number): number | null {
  if (!(error instanceof BaseError)) return null;
  const found = error.walk((cause) => cause instanceof HttpRequestError || cause instanceof RpcRequestError);
  const header = (found as HttpRequestError | RpcRequestError | null)?.headers?.get('Retry-After');
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function isAbort(error: Error): boolean {
  for (let cause: unknown = error, depth = 0; cause && depth < 5; depth++) {
    if ((cause as { name?: unknown }).name === 'AbortError') return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

function httpStatus(walk: (match: (cause: unknown) => boolean) => unknown): number | null {
  const found = walk(
    (cause) =>
      (cause instanceof HttpRequestError || cause instanceof RpcRequestError) && cause.status !== undefined,
  ) as HttpRequestError | RpcRequestError | null;
  return found?.status ?? null;
}

/**
 * What the nodes said, down the cause chain: viem keeps it in `details` and `shortMessage`, and
 * its `message` adds the URL and the request body, which must not be matched against.
 */
function errorText(error: Error): string {
  const parts: string[] = [];
  for (let cause: unknown = error, depth = 0; cause && depth < 5; depth++) {
    const value = cause as { message?: unknown; shortMessage?: unknown; details?: unknown; cause?: unknown };
    const said = typeof value.shortMessage === 'string' ? value.shortMessage : value.message;
    if (typeof said === 'string') parts.push(said);
    if (typeof value.details === 'string') parts.push(value.details);
    cause = value.cause;
  }
  return parts.join(' | ');
}
