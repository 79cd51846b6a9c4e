import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { problemResponse } from '../http/problem.ts';

/**
 * Refuses bodies over `maxBytes` with 413 before they are read whole.
 *
 * A request that declares its length (Content-Length, no Transfer-Encoding; Node's parser then
 * delivers exactly that many bytes) is judged by its header alone, so the route reads the body
 * through @hono/node-server's direct path. Hono's bodyLimit touches `c.req.raw.body`, which makes
 * node-server build a whole web Request with a stream and an AbortSignal: about a tenth of the CPU
 * of `POST /v1/invoices` (docs/benchmarks.md §4). Only a chunked body, whose length is known when
 * it has been read, goes through hono's counting reader.
 */
export function limitBodySize(maxBytes: number): MiddlewareHandler {
  const counting = bodyLimit({
    maxSize: maxBytes,
    onError: (c) => tooLarge(c, maxBytes),
  });
  return async function limitBodySize(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
      // Node's parser has already refused a malformed Content-Length with 400.
      if (Number(declared) > maxBytes) return tooLarge(c, maxBytes);
      return next();
    }
    return counting(c, next);
  };
}

function tooLarge(c: Parameters<MiddlewareHandler>[0], maxBytes: number): Response {
  return problemResponse(c, 'payload_too_large', `Request bodies are limited to ${maxBytes} bytes.`);
}
