import type { InvoiceEventType } from '../domain/events.ts';
import { loadInvoice } from '../store/invoices.ts';
import { listDuePendingInvoiceIds } from '../store/settlement.ts';
import type { Sql } from '../store/sql.ts';
import type { Store } from '../store/store.ts';
import { applyReconciliation, type SettleOptions } from './apply-reconciliation.ts';

/**
 * Expires pending invoices whose deadline has passed (and whose chain the watcher has followed
 * past it, is-expiry-reached.ts). Each invoice is its own transaction, so a crash midway loses
 * nothing; a worker that was down expires invoices late, never not at all.
 */
export async function expireDueInvoices(
  store: Store,
  options: SettleOptions & { limit?: number },
): Promise<{ expired: number }> {
  const due = await store.read(listDuePendingInvoiceIds, options.now, options.limit ?? 1000);
  let expired = 0;
  for (const id of due) {
    const events = await store.write(expireInvoice, id, options);
    if (events.includes('invoice.expired')) expired++;
  }
  return { expired };
}

/** One due invoice's step: the events written (`invoice.expired` unless it is not due after all). */
function* expireInvoice(id: string, options: SettleOptions): Sql<InvoiceEventType[]> {
  // Re-read under the lock: a payment settled since the list was read may have moved it.
  const found = yield* loadInvoice(id, { forUpdate: true });
  return found && found.invoice.status === 'pending' ? yield* applyReconciliation(found, options, []) : [];
}
