import type { ClientRequest, IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { describeDeliveryError } from './describe-delivery-error.ts';
import { parseRetryAfterMs } from './parse-retry-after.ts';
import type { WebhookAgents } from './webhook-agents.ts';

/**
 * One delivery attempt: a POST of the signed body, judged as Standard Webhooks 1.0 ("Delivery
 * success and failure") and README "Verifying webhooks" say: 2xx within 15 s is success, 410 disables the endpoint,
 * anything else (3xx included: redirects are not followed) is a failure to retry. It never throws:
 * every failure is an outcome the worker records as an attempt.
 */
export type DeliveryOutcome =
  | { kind: 'delivered'; status: number; durationMs: number }
  | { kind: 'retry'; status?: number; durationMs: number; error: string; retryAfterMs?: number }
  | { kind: 'gone'; status: 410; durationMs: number };

/** Success is a 2xx within 15 s (README "Verifying webhooks"), body included: a receiver that stalls mid-body fails. */
export const DELIVERY_TIMEOUT_MS = 15_000;
/** We read (and discard) this much of a response: enough to end it cleanly, never a memory risk. */
export const MAX_RESPONSE_BODY_BYTES = 64 * 1024;
export const WEBHOOK_USER_AGENT = 'stablegate-webhooks/1';
/**
 * A reset this soon after sending on a reused pooled connection means the receiver had closed it
 * already (an idle timeout racing our reuse), so the request is sent again on a new connection.
 * A later reset may come from a receiver that read the request and then failed: that is recorded
 * as a failed attempt like any other.
 */
const STALE_SOCKET_RESET_MS = 250;

/** An outcome before its duration is known (Omit distributed over the union's members). */
type Verdict = DeliveryOutcome extends infer O
  ? O extends DeliveryOutcome
    ? Omit<O, 'durationMs'>
    : never
  : never;

export function deliverWebhook(args: {
  url: string;
  headers: Readonly<Record<string, string>>;
  body: string;
  allowPrivate: boolean;
  timeoutMs?: number;
  now?: () => number;
  /** The endpoint's keep-alive connection pool (webhook-agents.ts). */
  pool: { agents: WebhookAgents; endpointId: string };
}): Promise<DeliveryOutcome> {
  const { url, headers, body, allowPrivate, timeoutMs = DELIVERY_TIMEOUT_MS, now = Date.now, pool } = args;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  // Error texts are stored and logged: scrub every signature (`v1,<base64>`, space-separated) from them.
  const signature = headers['webhook-signature'];
  const secrets = (signature ?? '').split(' ').flatMap((part) => [part, part.slice(part.indexOf(',') + 1)]);

  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ kind: 'retry', durationMs: elapsed(), error: 'invalid webhook URL' });
      return;
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      resolve({ kind: 'retry', durationMs: elapsed(), error: 'webhook URL must use http or https' });
      return;
    }
    // The pool's agent checks the address actually connected to, after DNS, so a name that resolved
    // to a public address at registration and to 127.0.0.1 now (DNS rebinding) is still refused.
    const https = target.protocol === 'https:';
    const agent = pool.agents.get(pool.endpointId, https ? 'https:' : 'http:', allowPrivate);

    let status: number | undefined;
    let settled = false;
    let request: ClientRequest | undefined;
    // A response read to its end leaves the socket to the pool; any other ending destroys it.
    const finish = (verdict: Verdict, keepSocket = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!keepSocket) request?.destroy();
      resolve({ ...verdict, durationMs: elapsed() });
    };
    const fail = (error: string) =>
      finish(status === undefined ? { kind: 'retry', error } : { kind: 'retry', status, error });

    const send = https ? httpsRequest : httpRequest;
    const post = (retryIfStale: boolean) => {
      const sentAt = performance.now();
      try {
        request = send(target, {
          method: 'POST',
          agent,
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'user-agent': WEBHOOK_USER_AGENT,
          },
        });
      } catch (error) {
        // Node validates header names and values synchronously (ERR_INVALID_CHAR and the like).
        fail(describeDeliveryError(error, secrets));
        return;
      }
      const sent = request;
      sent.on('error', (error: NodeJS.ErrnoException) => {
        const stale =
          sent.reusedSocket &&
          status === undefined &&
          error.code === 'ECONNRESET' &&
          performance.now() - sentAt < STALE_SOCKET_RESET_MS;
        if (stale && retryIfStale && !settled) post(false);
        else fail(describeDeliveryError(error, secrets));
      });
      sent.on('response', (response) => {
        status = response.statusCode ?? 0;
        const verdict = judge(response, now());
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received >= MAX_RESPONSE_BODY_BYTES) finish(verdict);
        });
        response.on('end', () => finish(verdict, true));
        response.on('error', (error) => fail(describeDeliveryError(error, secrets)));
        response.on('close', () => fail('connection closed before the response ended'));
      });
      sent.end(body);
    };
    // One deadline for connect, headers and body (and a wait for a pooled connection): a receiver
    // that sends headers then hangs the body is cut off too; destroying the request destroys its socket.
    const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);
    post(true);
  });
}

function judge(response: IncomingMessage, nowMs: number): Verdict {
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 410) return { kind: 'gone', status };
  if (status >= 300 && status < 400) {
    return { kind: 'retry', status, error: `redirects are not followed (status ${status}); update the URL` };
  }
  const error = `receiver answered status ${status}`;
  // Retry-After on 429/503 is honoured (README "Verifying webhooks"); on other statuses it carries no promise (RFC 9110).
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfterMs(response.headers['retry-after'], nowMs);
    if (retryAfterMs !== undefined) return { kind: 'retry', status, error, retryAfterMs };
  }
  return { kind: 'retry', status, error };
}
