import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the receiver got it: enough to verify the signature as a merchant would. */
export type ReceivedWebhook = {
  path: string;
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
};

/** How to answer the n-th request (0-based) to a path; `hang` never answers. */
export type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hang';
export type ReplyRule = (request: ReceivedWebhook, nthForPath: number) => Reply;

export type WebhookReceiver = {
  url(path: string): string;
  /** Requests so far, optionally only those to one path. */
  received(path?: string): ReceivedWebhook[];
  /** Sets the answer for a path (default: 200). */
  reply(path: string, rule: ReplyRule): void;
  close(): Promise<void>;
};

const answerOk: ReplyRule = () => ({ status: 200 });

/** A real HTTP server on 127.0.0.1, standing in for a merchant's webhook endpoint. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedWebhook[] = [];
  const rules = new Map<string, ReplyRule>();
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const request: ReceivedWebhook = {
        path,
        headers: flattenHeaders(req.headers),
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      const nth = requests.filter((earlier) => earlier.path === path).length;
      requests.push(request);
      const reply = (rules.get(path) ?? answerOk)(request, nth);
      if (reply === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received: (path) => requests.filter((request) => path === undefined || request.path === path),
    reply: (path, rule) => {
      rules.set(path, rule);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

/** Polls `condition` until it holds or the deadline passes: a deadline, never a fixed sleep. */
export async function eventually<T>(
  condition: () => T | Promise<T>,
  options: { timeoutMs?: number; message?: string } = {},
): Promise<Truthy<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const value = await condition();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(options.message ?? 'condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
