import {
  HttpRequestError,
  InvalidInputRpcError,
  InvalidParamsRpcError,
  LimitExceededRpcError,
  ResourceNotFoundRpcError,
  ResponseBodyTooLargeError,
  RpcRequestError,
  TimeoutError,
} from 'viem';
import { describe, expect, it } from 'vitest';
import { classifyRpcError, type RpcErrorKind, retryAfterMs } from './classify-rpc-error.ts';

const url = 'https://rpc.example/v2/key';
const body = { method: 'eth_getLogs', params: [] };
/** A JSON-RPC error as viem's HTTP transport raises it: the node's error inside RpcRequestError. */
const rpcError = (code: number, message: string, extra: { status?: number } = {}) =>
  new RpcRequestError({ body, url, error: { code, message }, ...extra });

/** Errors as viem's transports throw them, with the kind the pool gives each. */
describe('classifyRpcError', () => {
  it.each<[string, unknown, RpcErrorKind]>([
    ['a request timeout', new TimeoutError({ body, url }), 'timeout'],
    ['HTTP 429', new HttpRequestError({ url, body, status: 429 }), 'rate_limited'],
    ['JSON-RPC -32005', new LimitExceededRpcError(rpcError(-32005, 'limit exceeded')), 'rate_limited'],
    ['JSON-RPC 429 in a 200 answer', rpcError(429, 'Too Many Requests'), 'rate_limited'],
    ['HTTP 429 with a JSON-RPC body', rpcError(-32005, 'rate limited', { status: 429 }), 'rate_limited'],
    [
      "Infura's -32005 for too many logs",
      new LimitExceededRpcError(rpcError(-32005, 'query returned more than 10000 results')),
      'invalid_request',
    ],
    [
      "Alchemy's -32602 for too large a range",
      new InvalidParamsRpcError(rpcError(-32602, 'Log response size exceeded.')),
      'invalid_request',
    ],
    ['invalid params', new InvalidParamsRpcError(rpcError(-32602, 'invalid argument 0')), 'invalid_request'],
    ['a reverted call', rpcError(3, 'execution reverted: nope'), 'invalid_request'],
    [
      'a sender that cannot pay',
      new InvalidInputRpcError(rpcError(-32000, 'insufficient funds for gas * price + value')),
      'invalid_request',
    ],
    [
      'a response over the size limit',
      new ResponseBodyTooLargeError({ maxSize: 10, size: 20 }),
      'invalid_request',
    ],
    ['EIP-234 unknown block', new InvalidInputRpcError(rpcError(-32000, 'unknown block')), 'missing_block'],
    ['header not found', new InvalidInputRpcError(rpcError(-32000, 'header not found')), 'missing_block'],
    [
      '-32001 resource not found',
      new ResourceNotFoundRpcError(rpcError(-32001, 'not found')),
      'missing_block',
    ],
    ['a pruned node', new InvalidInputRpcError(rpcError(-32000, 'missing trie node abc')), 'refused'],
    ['HTTP 503', new HttpRequestError({ url, body, status: 503 }), 'unavailable'],
    ['HTTP 401 (a bad API key)', new HttpRequestError({ url, body, status: 401 }), 'unavailable'],
    [
      'connection refused',
      new HttpRequestError({ url, body, cause: new TypeError('fetch failed') }),
      'unavailable',
    ],
    [
      'an abort',
      new HttpRequestError({ url, body, cause: new DOMException('aborted', 'AbortError') }),
      'aborted',
    ],
  ])('%s → %s', (_name, error, kind) => {
    expect(classifyRpcError(error)).toBe(kind);
  });

  it('reads Retry-After in seconds or as a date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const after = (value: string) =>
      retryAfterMs(
        new HttpRequestError({ url, body, status: 429, headers: new Headers({ 'retry-after': value }) }),
        now,
      );
    expect(after('3')).toBe(3000);
    expect(after('Thu, 01 Jan 2026 00:00:10 GMT')).toBe(10_000);
    expect(after('soon')).toBeNull();
    expect(retryAfterMs(new HttpRequestError({ url, body, status: 429 }), now)).toBeNull();
  });
});
