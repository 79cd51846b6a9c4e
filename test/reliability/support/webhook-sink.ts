import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One webhook as a merchant's endpoint received it. */
export type SunkWebhook = {
  webhookId: string;
  type: string;
  invoiceId: string;
  invoiceStatus: string;
  body: string;
  /** Whether the Standard Webhooks signature verified with the endpoint's secret. */
  verified: boolean;
  receivedAt: number;
};

/** How to treat the n-th request (0-based) carrying one webhook-id: answer after a delay, or hold it open. */
export type SinkBehaviour = (webhookId: string, nthForId: number) => { delayMs: number } | 'hang';

export type WebhookSink = {
  url: string;
  /** Every request received, duplicates included, in arrival order. */
  received(): SunkWebhook[];
  /** Requests whose answer was 2xx (sent, not only received). */
  acknowledgedIds(): Set<string>;
  /** How many requests are being held open right now. */
  hanging(): number;
  setSecret(secret: string): void;
  close(): Promise<void>;
};

/**
 * A merchant's webhook endpoint on 127.0.0.1 that can be slow or hang, so a crash can land
 * mid-delivery. It verifies every signature, as a merchant would, once it knows the secret.
 */
export async function startWebhookSink(
  behaviour: SinkBehaviour = () => ({ delayMs: 0 }),
): Promise<WebhookSink> {
  const requests: SunkWebhook[] = [];
  const seen = new Map<string, number>();
  const acknowledged = new Set<string>();
  const held = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  let verifier: Webhook | null = null;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const webhookId = String(req.headers['webhook-id'] ?? '');
      let parsed: { type?: string; data?: { invoice?: { id?: string; status?: string } } } = {};
      try {
        parsed = JSON.parse(body);
      } catch {
        // Recorded with empty fields: the assertions then name the broken body.
      }
      let verified = false;
      try {
        verifier?.verify(body, req.headers as Record<string, string>);
        verified = verifier !== null;
      } catch {
        verified = false;
      }
      requests.push({
        webhookId,
        type: parsed.type ?? '',
        invoiceId: parsed.data?.invoice?.id ?? '',
        invoiceStatus: parsed.data?.invoice?.status ?? '',
        body,
        verified,
        receivedAt: Date.now(),
      });
      const nth = seen.get(webhookId) ?? 0;
      seen.set(webhookId, nth + 1);
      const reply = behaviour(webhookId, nth);
      if (reply === 'hang') {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      const answer = () => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok', () => acknowledged.add(webhookId));
      };
      if (reply.delayMs <= 0) {
        answer();
        return;
      }
      // The receiver's own slowness (the fault under test), not a test waiting on time.
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, reply.delayMs);
      timers.add(timer);
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received: () => [...requests],
    acknowledgedIds: () => new Set(acknowledged),
    hanging: () => held.size,
    setSecret(secret) {
      verifier = new Webhook(secret);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
