import { startWebhookReceiver } from '../../harness/webhook-receiver.ts';

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
 * The harness's webhook receiver as the benchmarks use it: a forged or stale signature is
 * answered 400 and counted, a verified request 200, and the arrival time of the first
 * `invoice.paid` per invoice is kept. The tallies grow with each request, so the scenarios'
 * polling reads them without walking every request received.
 */
export async function startVerifyingReceiver(): Promise<VerifyingReceiver> {
  const paidByInvoice = new Map<string, PaidWebhook>();
  const seenEvents = new Set<string>();
  const byType: Record<string, number> = {};
  let requests = 0;
  let verified = 0;
  let rejected = 0;
  let duplicates = 0;
  const receiver = await startWebhookReceiver({
    keepAliveTimeoutMs: 60_000,
    reply: (request) => ({ status: request.verified ? 200 : 400 }),
    onRequest(request) {
      requests++;
      if (!request.verified) {
        rejected++;
        return;
      }
      verified++;
      // webhook-id is the event id (src/notify/notifier.ts), Standard Webhooks' idempotency key.
      if (seenEvents.has(request.webhookId)) duplicates++;
      seenEvents.add(request.webhookId);
      byType[request.type] = (byType[request.type] ?? 0) + 1;
      if (request.type === 'invoice.paid' && !paidByInvoice.has(request.invoiceId)) {
        paidByInvoice.set(request.invoiceId, {
          invoiceId: request.invoiceId,
          eventId: request.webhookId,
          receivedAt: request.receivedAt,
        });
      }
    },
  });
  return {
    url: receiver.url(),
    setSecret: (secret) => receiver.setSecret(secret),
    paid: () => [...paidByInvoice.values()],
    paidAt: (invoiceId) => paidByInvoice.get(invoiceId)?.receivedAt,
    counts: () => ({ requests, verified, rejected, duplicates, byType: { ...byType } }),
    close: () => receiver.close(),
  };
}
