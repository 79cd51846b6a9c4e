import type { InvoiceEventType } from '../domain/events.ts';
import { toInvoiceResource } from '../domain/invoice.ts';
import type { Db } from '../store/db.ts';
import { insertEvent } from '../store/events.ts';
import { type InvoiceWithTransfers, loadInvoice } from '../store/invoices.ts';
import { getChainSyncedAt, writeInvoiceState } from '../store/settlement.ts';
import { reconcileInvoice } from './reconcile-invoice.ts';

export type SettleOptions = { publicUrl: string; now: Date };

/**
 * Recomputes the invoice (reconcile-invoice.ts) and writes its new state with its events, inside
 * the caller's transaction: the change and the events announcing it commit together (the
 * transactional outbox). Returns the events written.
 */
export function applyReconciliation(
  db: Db,
  found: InvoiceWithTransfers,
  options: SettleOptions,
  extra: readonly InvoiceEventType[],
): InvoiceEventType[] {
  const { invoice } = found;
  const { next, changed, events } = reconcileInvoice({
    invoice,
    transfers: found.transfers,
    syncedAt: getChainSyncedAt(db, invoice.chainId),
    now: options.now,
    extra,
  });
  if (changed) writeInvoiceState(db, invoice.id, next, options.now);
  if (events.length === 0) return events;
  // Every event carries the invoice as it is after this change, as the endpoints will receive it.
  const after = loadInvoice(db, invoice.id);
  if (!after) throw new Error(`invoice ${invoice.id} vanished during settlement`);
  const resource = toInvoiceResource(after.invoice, after.transfers, options);
  for (const type of events)
    insertEvent(db, { merchantId: invoice.merchantId, type, invoice: resource, now: options.now });
  return events;
}
