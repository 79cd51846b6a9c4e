import { type Db, writeTransaction } from '../store/db.ts';
import { loadInvoice } from '../store/invoices.ts';
import { listDuePendingInvoiceIds } from '../store/settlement.ts';
import { applyReconciliation, type SettleOptions } from './apply-reconciliation.ts';

/**
 * Expires pending invoices whose deadline has passed (and whose chain the watcher has followed
 * past it, is-expiry-reached.ts). Each invoice is its own transaction, so a crash midway loses
 * nothing; a worker that was down expires invoices late, never not at all.
 */
export function expireDueInvoices(db: Db, options: SettleOptions & { limit?: number }): { expired: number } {
  const due = listDuePendingInvoiceIds(db, options.now, options.limit ?? 1000);
  let expired = 0;
  for (const id of due) {
    const events = writeTransaction(db, () => {
      // Re-read under the write lock: a payment settled since the list was read may have moved it.
      const found = loadInvoice(db, id);
      return found && found.invoice.status === 'pending' ? applyReconciliation(db, found, options, []) : [];
    });
    if (events.includes('invoice.expired')) expired++;
  }
  return { expired };
}
