import type { InvoiceEventType } from '../domain/events.ts';
import { toInvoiceResource } from '../domain/invoice.ts';
import { insertEvent } from '../store/events.ts';
import { type InvoiceWithTransfers, loadInvoice } from '../store/invoices.ts';
import { getChainSyncedAt, writeInvoiceState } from '../store/settlement.ts';
import type { Sql } from '../store/sql.ts';
import { reconcileInvoice } from './reconcile-invoice.ts';

export type SettleOptions = { publicUrl: string; now: Date };

/**
 * Recomputes the invoice (reconcile-invoice.ts) and writes its new state with its events, as part
 * of the caller's step: the change and the events announcing it commit together (the
 * transactional outbox). `found` must have been loaded in that step, locked (`forUpdate`), so no
 * other writer changes the invoice in between. Returns the events written.
 */
export function* applyReconciliation(
  found: InvoiceWithTransfers,
  options: SettleOptions,
  extra: readonly InvoiceEventType[],
): Sql<InvoiceEventType[]> {
  const { invoice } = found;
  const { next, changed, events } = reconcileInvoice({
    invoice,
    transfers: found.transfers,
    syncedAt: yield* getChainSyncedAt(invoice.chainId),
    now: options.now,
    extra,
  });
  if (changed) yield* writeInvoiceState(invoice.id, next, options.now);
  if (events.length === 0) return events;
  // Every event carries the invoice as it is after this change, as the endpoints will receive it.
  const after = yield* loadInvoice(invoice.id);
  if (!after) throw new Error(`invoice ${invoice.id} vanished during settlement`);
  const resource = toInvoiceResource(after.invoice, after.transfers, options);
  for (const type of events)
    yield* insertEvent({ merchantId: invoice.merchantId, type, invoice: resource, now: options.now });
  return events;
}
