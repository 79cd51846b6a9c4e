import type { InvoiceEventType } from '../domain/events.ts';
import { loadInvoice } from '../store/invoices.ts';
import { getTransferForSettlement, markTransferSettled } from '../store/settlement.ts';
import type { Sql } from '../store/sql.ts';
import { applyReconciliation, type SettleOptions } from './apply-reconciliation.ts';
import { paymentEvent } from './payment-event.ts';

export type SettleResult =
  | { kind: 'applied'; events: InvoiceEventType[] }
  | { kind: 'already-settled' }
  | { kind: 'missing' };

/**
 * Applies a recorded transfer's current status to its invoice: a step (run it with `store.write`)
 * that writes the invoice's new state, its events (the transactional outbox) and the transfer's
 * settled mark in one transaction. The transfer's row, then the invoice's, are locked before they
 * are read (PostgreSQL), so two workers settling changes of one invoice take turns.
 * Idempotent: a transfer already settled at its current version changes nothing, so duplicate or
 * replayed jobs are harmless; one `invoice.paid` per invoice is also enforced by a unique index.
 */
export function* settleTransfer(transferId: number, options: SettleOptions): Sql<SettleResult> {
  const transfer = yield* getTransferForSettlement(transferId);
  if (!transfer) return { kind: 'missing' };
  if (transfer.settledVersion >= transfer.version) return { kind: 'already-settled' };
  const found = yield* loadInvoice(transfer.invoiceId, { forUpdate: true });
  if (!found) return { kind: 'missing' };
  // A payment in another token is recorded but is not a payment of this invoice: no event.
  const ownToken = transfer.tokenAddress === found.invoice.token.address;
  const payment = ownToken ? paymentEvent(transfer.settledStatus, transfer.status) : null;
  const events = yield* applyReconciliation(found, options, payment ? [payment] : []);
  yield* markTransferSettled(transferId, transfer.version, transfer.status);
  return { kind: 'applied', events };
}
