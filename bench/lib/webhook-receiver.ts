import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export type PaidWebhook = { invoiceId: string; eventId: string; receivedAt: number };

export type VerifyingReceiver = {
  url: string;
  /** Set once the endpoint exists: from then on every request is verified as a merchant would. */
  setSecret(secret: string): void;
  /** First verified `invoice.paid` per invoice, in arrival order. */
  paid(): PaidWebhook[];
  paidAt(invoiceId: string): number | undefined;
  counts(): {
    requests: number;
    verified: number;
    rejected: number;
    duplicates: number;
    byType: Record<string, number>;
  };
  close(): Promise<void>;
};

/**
 * A merchant's webhook endpoint on 127.0.0.1: verifies each request's Standard Webhooks
 * signature with the `standardwebhooks` package (a forged or stale one is answered 400 and
 * counted), answers 200, and keeps the arrival time of the first `invoice.paid` per invoice.
 */
export async function startVerifyingReceiver(): Promise<VerifyingReceiver> {
  let verifier: Webhook | null = null;
  const paidByInvoice = new Map<string, PaidWebhook>();
  const seenEvents = new Set<string>();
  const byType: Record<string, number> = {};
  let requests = 0;
  let verified = 0;
  let rejected = 0;
  let duplicates = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const receivedAt = Date.now();
      requests++;
      try {
        if (!verifier) throw new Error('no secret yet');
        const event = verifier.verify(
          Buffer.concat(chunks).toString('utf8'),
          req.headers as Record<string, string>,
        ) as {
          id: string;
          type: string;
          data: { invoice: { id: string } };
        };
        verified++;
        if (seenEvents.has(event.id)) duplicates++;
        seenEvents.add(event.id);
        byType[event.type] = (byType[event.type] ?? 0) + 1;
        if (event.type === 'invoice.paid' && !paidByInvoice.has(event.data.invoice.id)) {
          paidByInvoice.set(event.data.invoice.id, {
            invoiceId: event.data.invoice.id,
            eventId: event.id,
            receivedAt,
          });
        }
        res.writeHead(200).end();
      } catch {
        rejected++;
        res.writeHead(400).end();
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    setSecret(secret) {
      verifier = new Webhook(secret);
    },
    paid: () => [...paidByInvoice.values()],
    paidAt: (invoiceId) => paidByInvoice.get(invoiceId)?.receivedAt,
    counts: () => ({ requests, verified, rejected, duplicates, byType: { ...byType } }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
