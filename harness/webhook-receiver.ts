import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * The one stand-in for a merchant's webhook endpoint, shared by test/ and bench/ (which may not
 * import each other, so it lives here; harness/ imports nothing of ours).
 */

/** One request as the endpoint got it, with what a merchant would read from it. */
export type ReceivedWebhook = {
  path: string;
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
  /** The `webhook-id` header: the event id, Standard Webhooks' idempotency key. */
  webhookId: string;
  /** From the body (empty when it is not the JSON of an invoice event): the assertions then name it. */
  type: string;
  invoiceId: string;
  invoiceStatus: string;
  /** Whether the Standard Webhooks signature verified with the endpoint's secret (false before one is set). */
  verified: boolean;
};

/**
 * How to answer a request, given how many requests to its path and with its webhook-id came
 * before it (0-based): a status (default 200) after `delayMs`, or `hang` (never answered).
 */
export type Reply =
  | { status?: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  | 'hang';
export type ReplyRule = (request: ReceivedWebhook, nthForPath: number, nthForId: number) => Reply;

export type WebhookReceiver = {
  /** The URL of `path` on this receiver (default `/hook`). */
  url(path?: string): string;
  /** Requests so far, duplicates included, in arrival order; optionally only those to one path. */
  received(path?: string): ReceivedWebhook[];
  /** Sets the answer for one path, over the receiver's default rule. */
  reply(path: string, rule: ReplyRule): void;
  /** From now on each request's signature is verified with this `whsec_` secret. */
  setSecret(secret: string): void;
  /** Webhook ids of requests whose 2xx answer was sent (not only received). */
  acknowledgedIds(): Set<string>;
  /** How many requests are held open right now. */
  hanging(): number;
  close(): Promise<void>;
};

/**
 * A real HTTP server on 127.0.0.1. It records every request, verifies signatures with the
 * `standardwebhooks` package a merchant would use, and answers by rule: slow, failing or hanging
 * endpoints are the faults several tests put the notifier under.
 */
export async function startWebhookReceiver(
  options: {
    /** The answer for paths without a rule of their own (default: 200 at once). */
    reply?: ReplyRule;
    /** How long an idle kept-alive connection stays open (Node's default unless given). */
    keepAliveTimeoutMs?: number;
    /** Called with each request once recorded, before it is answered. */
    onRequest?: (request: ReceivedWebhook) => void;
  } = {},
): Promise<WebhookReceiver> {
  const requests: ReceivedWebhook[] = [];
  const rules = new Map<string, ReplyRule>();
  const countsByPath = new Map<string, number>();
  const countsById = new Map<string, number>();
  const acknowledged = new Set<string>();
  const held = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const defaultRule: ReplyRule = options.reply ?? (() => ({}));
  let verifier: Webhook | null = null;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const receivedAt = Date.now();
      const request = record(req.url ?? '/', flattenHeaders(req.headers), Buffer.concat(chunks), receivedAt);
      requests.push(request);
      options.onRequest?.(request);
      const nthForPath = countsByPath.get(request.path) ?? 0;
      countsByPath.set(request.path, nthForPath + 1);
      const nthForId = countsById.get(request.webhookId) ?? 0;
      countsById.set(request.webhookId, nthForId + 1);
      const reply = (rules.get(request.path) ?? defaultRule)(request, nthForPath, nthForId);
      if (reply === 'hang') {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      const answer = () => {
        if (res.destroyed) return;
        const status = reply.status ?? 200;
        res.writeHead(status, reply.headers);
        res.end(reply.body ?? '', () => {
          if (status >= 200 && status < 300) acknowledged.add(request.webhookId);
        });
      };
      if (!reply.delayMs || reply.delayMs <= 0) return answer();
      // The endpoint's own slowness (the fault under test), not a test waiting on time.
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, reply.delayMs);
      timers.add(timer);
    });
  });

  /** Verifies as a merchant would; verify() also parses the body, which is then not parsed twice. */
  const record = (path: string, headers: Record<string, string>, raw: Buffer, receivedAt: number) => {
    const body = raw.toString('utf8');
    let event: { type?: string; data?: { invoice?: { id?: string; status?: string } } } | undefined;
    let verified = false;
    if (verifier) {
      try {
        event = verifier.verify(body, headers) as typeof event;
        verified = true;
      } catch {
        verified = false;
      }
    }
    if (!event) {
      try {
        event = JSON.parse(body);
      } catch {
        // Recorded with empty fields.
      }
    }
    return {
      path,
      headers,
      body,
      receivedAt,
      webhookId: headers['webhook-id'] ?? '',
      type: event?.type ?? '',
      invoiceId: event?.data?.invoice?.id ?? '',
      invoiceStatus: event?.data?.invoice?.status ?? '',
      verified,
    } satisfies ReceivedWebhook;
  };

  if (options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = options.keepAliveTimeoutMs;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    received: (path) => requests.filter((request) => path === undefined || request.path === path),
    reply: (path, rule) => {
      rules.set(path, rule);
    },
    setSecret(secret) {
      verifier = new Webhook(secret);
    },
    acknowledgedIds: () => new Set(acknowledged),
    hanging: () => held.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Header values as standardwebhooks reads them (a repeated header joined, as node does for most). */
function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
