import type { ReceivedWebhook } from '../../../harness/webhook-receiver.ts';
import { waitUntil } from '../../../src/devnet/wait-until.ts';
import { query } from '../../../src/store/sql.ts';
import type { Store } from '../../../src/store/store.ts';

export type DeliveryAudit = {
  /** Events in the outbox (SQLite), all types. */
  events: number;
  /** Events at least one request of which reached the receiver. */
  delivered: number;
  /** Event ids never received: each one is an event lost. */
  missing: string[];
  /** Requests beyond the first for an event: at-least-once delivery, allowed with the same webhook-id. */
  duplicates: number;
  /** Requests whose webhook-id names no event, whose body differs from the stored one, or whose signature failed. */
  forged: string[];
  /** Invoices with other than exactly one `invoice.paid` event in SQLite. */
  paidEventsNotOne: string[];
  /** Invoices with other than exactly one distinct `invoice.paid` webhook-id received. */
  paidWebhooksNotOne: string[];
};

/**
 * Compares what the merchant received with the transactional outbox: every event must arrive,
 * duplicates must be byte-identical with the same webhook-id (Standard Webhooks' idempotency key),
 * and each paid invoice has one `invoice.paid`, ever.
 */
export async function auditDeliveries(
  store: Store,
  received: ReceivedWebhook[],
  options: { paidInvoiceIds?: readonly string[]; requireSignature?: boolean } = {},
): Promise<DeliveryAudit> {
  const events = await store.read(() =>
    query<{ id: string; type: string; invoice_id: string; payload: string }>(
      'SELECT id, type, invoice_id, payload FROM events ORDER BY id',
    ).all(),
  );
  const payloadById = new Map(events.map((event) => [event.id, event.payload]));
  const receivedIds = new Set<string>();
  const forged: string[] = [];
  for (const request of received) {
    const payload = payloadById.get(request.webhookId);
    const signatureOk = options.requireSignature === false || request.verified;
    if (payload === undefined || payload !== request.body || !signatureOk) {
      forged.push(`${request.webhookId} (${request.type})`);
      continue;
    }
    receivedIds.add(request.webhookId);
  }
  const missing = events.filter((event) => !receivedIds.has(event.id)).map((event) => event.id);

  const paidEvents = new Map<string, number>();
  for (const event of events) {
    if (event.type === 'invoice.paid')
      paidEvents.set(event.invoice_id, (paidEvents.get(event.invoice_id) ?? 0) + 1);
  }
  const paidWebhookIds = new Map<string, Set<string>>();
  for (const request of received) {
    if (request.type !== 'invoice.paid') continue;
    const ids = paidWebhookIds.get(request.invoiceId) ?? new Set<string>();
    ids.add(request.webhookId);
    paidWebhookIds.set(request.invoiceId, ids);
  }
  const invoices = options.paidInvoiceIds ?? [...paidEvents.keys()];
  return {
    events: events.length,
    delivered: receivedIds.size,
    missing,
    duplicates: received.length - forged.length - receivedIds.size,
    forged,
    paidEventsNotOne: invoices.filter((id) => paidEvents.get(id) !== 1),
    paidWebhooksNotOne: invoices.filter((id) => paidWebhookIds.get(id)?.size !== 1),
  };
}

/** Invoice rows as the audit needs them. */
export function invoiceStatuses(
  store: Store,
): Promise<{ id: string; status: string; amount: string; amountPaid: string }[]> {
  return store.read(() =>
    query<{ id: string; status: string; amount: string; amountPaid: string }>(
      'SELECT id, status, amount, amount_paid AS "amountPaid" FROM invoices ORDER BY id',
    ).all(),
  );
}

/**
 * Waits, up to `timeoutMs`, until every invoice is paid and every event has reached the receiver,
 * then audits whatever the wait found: a timeout is not thrown here, so the test's assertions name
 * what is missing. `paidInFull` are the invoices paid exactly their amount.
 */
export async function auditOncePaid(
  store: Store,
  received: () => ReceivedWebhook[],
  options: { paidInvoiceIds: readonly string[]; timeoutMs: number },
): Promise<{ audit: DeliveryAudit; paidInFull: Awaited<ReturnType<typeof invoiceStatuses>> }> {
  const audit = () => auditDeliveries(store, received(), { paidInvoiceIds: options.paidInvoiceIds });
  const settled = async () => {
    const statuses = await invoiceStatuses(store);
    return (
      statuses.length >= options.paidInvoiceIds.length &&
      statuses.every((row) => row.status === 'paid') &&
      (await audit()).missing.length === 0
    );
  };
  await waitUntil(settled, { timeoutMs: options.timeoutMs }).catch(() => undefined);
  const statuses = await invoiceStatuses(store);
  return {
    audit: await audit(),
    paidInFull: statuses.filter((row) => row.status === 'paid' && row.amountPaid === row.amount),
  };
}
