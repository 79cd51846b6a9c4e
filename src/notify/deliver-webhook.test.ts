// Over 300 lines on purpose: one receiver per case (status, timing, redirects, body limits,
// Retry-After, agents), each a few lines, against the one function every attempt goes through.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../domain/webhook-secret.ts';
import { deliverWebhook, WEBHOOK_USER_AGENT } from './deliver-webhook.ts';
import { signWebhook } from './sign-webhook.ts';
import { createWebhookAgents } from './webhook-agents.ts';

type Received = { method: string | undefined; headers: IncomingHttpHeaders; body: string };
type Receiver = { url: string; port: number; received: Received[]; close: () => Promise<void> };

const receivers: Receiver[] = [];
/** The endpoint pools deliveries go through, as in the notifier; emptied after every test. */
const agents = createWebhookAgents();
afterEach(async () => {
  agents.close();
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

/** A real HTTP receiver on 127.0.0.1 and a free port; `respond` runs once the body is read. */
async function startReceiver(
  respond: (request: Received, response: ServerResponse<IncomingMessage>) => void,
): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = {
        method: request.method,
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      };
      received.push(entry);
      respond(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  receivers.push(receiver);
  return receiver;
}

const body = JSON.stringify({
  id: 'evt_01',
  type: 'invoice.paid',
  createdAt: '2025-01-01T00:00:00Z',
  data: {},
});
const secret = generateWebhookSecret();
const signed = () => signWebhook({ secret, eventId: 'evt_01', timestamp: new Date(), body });
const deliver = (
  url: string,
  extra: { allowPrivate?: boolean; timeoutMs?: number; now?: () => number } = {},
) =>
  deliverWebhook({
    url,
    headers: signed(),
    body,
    allowPrivate: true,
    pool: { agents, endpointId: 'we_test' },
    ...extra,
  });

describe('deliverWebhook', () => {
  it('delivers a POST the receiver verifies with Standard Webhooks', async () => {
    const receiver = await startReceiver((request, response) => {
      try {
        new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
        response.writeHead(204).end();
      } catch {
        response.writeHead(401).end();
      }
    });
    const outcome = await deliver(receiver.url);
    expect(outcome).toMatchObject({ kind: 'delivered', status: 204 });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
    const [request] = receiver.received;
    expect(request?.method).toBe('POST');
    expect(request?.body).toBe(body);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['user-agent']).toBe(WEBHOOK_USER_AGENT);
    expect(request?.headers['webhook-id']).toBe('evt_01');
  });

  it.each([200, 201, 202, 299])('counts status %i as delivered', async (status) => {
    const receiver = await startReceiver((_, response) => response.writeHead(status).end('ok'));
    expect(await deliver(receiver.url)).toMatchObject({ kind: 'delivered', status });
  });

  it('retries a 500', async () => {
    const receiver = await startReceiver((_, response) => response.writeHead(500).end('boom'));
    const outcome = await deliver(receiver.url);
    expect(outcome).toEqual({
      kind: 'retry',
      status: 500,
      durationMs: expect.any(Number),
      error: 'receiver answered status 500',
    });
  });

  it('does not follow a redirect and retries instead', async () => {
    const target = await startReceiver((_, response) => response.writeHead(200).end());
    const receiver = await startReceiver((_, response) =>
      response.writeHead(307, { location: target.url }).end(),
    );
    const outcome = await deliver(receiver.url);
    expect(outcome).toMatchObject({ kind: 'retry', status: 307 });
    if (outcome.kind === 'retry') expect(outcome.error).toMatch(/redirects are not followed/);
    expect(target.received).toHaveLength(0);
  });

  it('reports 410 as gone', async () => {
    const receiver = await startReceiver((_, response) => response.writeHead(410).end());
    expect(await deliver(receiver.url)).toEqual({
      kind: 'gone',
      status: 410,
      durationMs: expect.any(Number),
    });
  });

  it('reads Retry-After in seconds on a 429', async () => {
    const receiver = await startReceiver((_, response) =>
      response.writeHead(429, { 'retry-after': '120' }).end(),
    );
    expect(await deliver(receiver.url)).toMatchObject({ kind: 'retry', status: 429, retryAfterMs: 120_000 });
  });

  it('reads Retry-After as an HTTP-date on a 503', async () => {
    const now = Date.UTC(2025, 0, 1, 12, 0, 0);
    const date = new Date(now + 90_000).toUTCString();
    const receiver = await startReceiver((_, response) =>
      response.writeHead(503, { 'retry-after': date }).end(),
    );
    expect(await deliver(receiver.url, { now: () => now })).toMatchObject({
      kind: 'retry',
      status: 503,
      retryAfterMs: 90_000,
    });
  });

  it('ignores Retry-After on other statuses and when malformed', async () => {
    const on500 = await startReceiver((_, response) =>
      response.writeHead(500, { 'retry-after': '60' }).end(),
    );
    const malformed = await startReceiver((_, response) =>
      response.writeHead(429, { 'retry-after': 'soon' }).end(),
    );
    expect(await deliver(on500.url)).not.toHaveProperty('retryAfterMs');
    expect(await deliver(malformed.url)).not.toHaveProperty('retryAfterMs');
  });

  it('times out a receiver that hangs the body, without holding up another delivery', async () => {
    const hanging = await startReceiver((_, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('partial');
    });
    const silent = await startReceiver(() => {});
    const quick = await startReceiver((_, response) => response.writeHead(200).end());
    const [hung, unanswered, done] = await Promise.all([
      deliver(hanging.url, { timeoutMs: 300 }),
      deliver(silent.url, { timeoutMs: 300 }),
      deliver(quick.url, { timeoutMs: 300 }),
    ]);
    expect(hung).toMatchObject({ kind: 'retry', status: 200, error: 'timed out after 300 ms' });
    expect(unanswered).toEqual({
      kind: 'retry',
      durationMs: expect.any(Number),
      error: 'timed out after 300 ms',
    });
    for (const outcome of [hung, unanswered]) {
      expect(outcome.durationMs).toBeGreaterThanOrEqual(290);
      expect(outcome.durationMs).toBeLessThan(2000);
    }
    expect(done).toMatchObject({ kind: 'delivered', status: 200 });
    expect(done.durationMs).toBeLessThan(300);
  });

  it('stops reading an endless response body after 64 KiB', async () => {
    const endless = await startReceiver((_, response) => {
      response.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const pump = () => {
        while (!response.destroyed && response.write(chunk)) {}
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
    });
    expect(await deliver(endless.url, { timeoutMs: 5000 })).toMatchObject({ kind: 'delivered', status: 200 });
  });

  it('refuses to connect to 127.0.0.1 when private URLs are not allowed', async () => {
    const receiver = await startReceiver((_, response) => response.writeHead(200).end());
    const headers = signed();
    const outcome = await deliverWebhook({
      url: receiver.url,
      headers,
      body,
      allowPrivate: false,
      pool: { agents, endpointId: 'we_test' },
    });
    expect(outcome).toMatchObject({ kind: 'retry' });
    if (outcome.kind !== 'retry') return;
    expect(outcome.error).toBe(
      'refused to connect to 127.0.0.1: not a public address, and private webhook URLs are not allowed',
    );
    expect(outcome).not.toHaveProperty('status');
    expect(outcome.error).not.toContain(headers['webhook-signature'].slice(3));
    expect(receiver.received).toHaveLength(0);
  });

  it('refuses 127.0.0.1 over https too, before any TLS handshake', async () => {
    const receiver = await startReceiver((_, response) => response.writeHead(200).end());
    const outcome = await deliver(receiver.url.replace('http:', 'https:'), { allowPrivate: false });
    expect(outcome).toMatchObject({
      kind: 'retry',
      error: expect.stringMatching(/^refused to connect to 127.0.0.1/),
    });
    expect(receiver.received).toHaveLength(0);
  });

  it('refuses a name that resolves to loopback at connect time', async () => {
    const receiver = await startReceiver((_, response) => response.writeHead(200).end());
    const url = `http://localhost:${receiver.port}/hooks`;
    const outcome = await deliver(url, { allowPrivate: false });
    expect(outcome).toMatchObject({
      kind: 'retry',
      error: expect.stringMatching(/^refused to connect to localhost/),
    });
    expect(receiver.received).toHaveLength(0);
    expect(await deliver(url, { allowPrivate: true })).toMatchObject({ kind: 'delivered' });
  });

  it('turns network errors into retry outcomes', async () => {
    const receiver = await startReceiver(() => {});
    const { port } = receiver;
    await receiver.close();
    const refused = await deliver(`http://127.0.0.1:${port}/hooks`);
    expect(refused).toMatchObject({ kind: 'retry', error: expect.stringContaining('ECONNREFUSED') });
    // An https URL to a plain-http receiver: the TLS handshake fails.
    const plain = await startReceiver((_, response) => response.writeHead(200).end());
    const tls = await deliver(plain.url.replace('http:', 'https:'));
    expect(tls).toMatchObject({ kind: 'retry', error: expect.stringMatching(/^EPROTO|SSL|TLS|ssl/) });
    const reset = await startReceiver((_, response) => response.socket?.destroy());
    expect(await deliver(reset.url)).toMatchObject({
      kind: 'retry',
      error: expect.stringMatching(/socket hang up/),
    });
  });

  it.each([
    ['not a url', 'invalid webhook URL'],
    ['ftp://127.0.0.1/hooks', 'webhook URL must use http or https'],
  ])('never throws, even for %j', async (url, error) => {
    expect(await deliver(url)).toMatchObject({ kind: 'retry', error });
  });
});

describe('deliverWebhook with an endpoint pool', () => {
  const pooled = (url: string) =>
    deliverWebhook({
      url,
      headers: signed(),
      body,
      allowPrivate: true,
      pool: { agents, endpointId: 'we_1' },
    });

  it('reuses one connection for consecutive events to an endpoint', async () => {
    const sockets = new Set<unknown>();
    const receiver = await startReceiver((_, response) => {
      sockets.add(response.socket);
      response.writeHead(204).end();
    });
    for (let i = 0; i < 5; i++) expect((await pooled(receiver.url)).kind).toBe('delivered');
    expect(receiver.received).toHaveLength(5);
    expect(sockets.size).toBe(1);
  });

  it('sends again on a new connection when the receiver drops a pooled one as it is reused', async () => {
    const requestsPerSocket = new Map<unknown, number>();
    const receiver = await startReceiver((_, response) => {
      const socket = response.socket;
      const count = (requestsPerSocket.get(socket) ?? 0) + 1;
      requestsPerSocket.set(socket, count);
      // The second request on a connection finds it closed: what an idle timeout racing reuse does.
      if (count === 2) response.socket?.destroy();
      else response.writeHead(204).end();
    });
    expect((await pooled(receiver.url)).kind).toBe('delivered');
    expect((await pooled(receiver.url)).kind).toBe('delivered');
    expect(receiver.received).toHaveLength(3);
    expect(requestsPerSocket.size).toBe(2);
  });
});
