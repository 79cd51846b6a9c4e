import type { InvoiceEventType } from '../domain/events.ts';
import { type Db, writeTransaction } from '../store/db.ts';
import { loadInvoice } from '../store/invoices.ts';
import { getTransferForSettlement, markTransferSettled } from '../store/settlement.ts';
import { applyReconciliation, type SettleOptions } from './apply-reconciliation.ts';
import { paymentEvent } from './payment-event.ts';

export type SettleResult =
  | { kind: 'applied'; events: InvoiceEventType[] }
  | { kind: 'already-settled' }
  | { kind: 'missing' };

/**
 * Applies a recorded transfer's current status to its invoice: one immediate transaction writes
 * the invoice's new state, its events (the transactional outbox) and the transfer's settled mark.
 * Idempotent: a transfer already settled at its current version changes nothing, so duplicate or
 * replayed jobs are harmless; one `invoice.paid` per invoice is also enforced by a unique index.
 */
export function settleTransfer(db: Db, transferId: number, options: SettleOptions): SettleResult {
  return writeTransaction(db, () => {
    const transfer = getTransferForSettlement(db, transferId);
    if (!transfer) return { kind: 'missing' };
    if (transfer.settledVersion >= transfer.version) return { kind: 'already-settled' };
    const found = loadInvoice(db, transfer.invoiceId);
    if (!found) return { kind: 'missing' };
    // A payment in another token is recorded but is not a payment of this invoice: no event.
    const ownToken = transfer.tokenAddress === found.invoice.token.address;
    const payment = ownToken ? paymentEvent(transfer.settledStatus, transfer.status) : null;
    const events = applyReconciliation(db, found, options, payment ? [payment] : []);
    markTransferSettled(db, transferId, transfer.version, transfer.status);
    return { kind: 'applied', events };
  });
}
