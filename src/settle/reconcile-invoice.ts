import type { InvoiceEventType } from '../domain/events.ts';
import type { InvoiceRecord, TransferRecord } from '../domain/invoice.ts';
import { computeInvoiceState, type StateOutput } from '../domain/invoice-state.ts';
import { isExpiryReached } from './is-expiry-reached.ts';
import { statusEvent } from './status-event.ts';

export type ReconcileInput = {
  invoice: Pick<
    InvoiceRecord,
    'status' | 'exception' | 'amount' | 'amountPaid' | 'amountDetected' | 'expiresAt' | 'token'
  >;
  /** All the invoice's transfers, of any token: only its own token's count. */
  transfers: readonly Pick<TransferRecord, 'tokenAddress' | 'amount' | 'status' | 'blockTimestamp'>[];
  /** When the invoice's chain was last level with its node's head (store/settlement.ts). */
  syncedAt: Date | null;
  now: Date;
  /** Events to announce before the status event (the transfer's payment event). */
  extra: readonly InvoiceEventType[];
};

export type Reconciliation = {
  next: StateOutput;
  /** False when the stored invoice already holds `next`: nothing to write. */
  changed: boolean;
  /** The events to write, in order: `extra`, then the status event. */
  events: InvoiceEventType[];
};

/**
 * Recomputes the invoice from all its transfers (domain/invoice-state.ts), and says what to write:
 * the new state when any of its four fields moved, and the events announcing it.
 */
export function reconcileInvoice(input: ReconcileInput): Reconciliation {
  const { invoice } = input;
  const next = computeInvoiceState({
    status: invoice.status,
    amount: invoice.amount,
    expiresAtS: Math.floor(invoice.expiresAt.getTime() / 1000),
    expiryReached: isExpiryReached({
      expiresAt: invoice.expiresAt,
      syncedAt: input.syncedAt,
      now: input.now,
    }),
    transfers: input.transfers.filter((transfer) => transfer.tokenAddress === invoice.token.address),
  });
  const events = [...input.extra];
  const announced = statusEvent(invoice.status, next.status);
  if (announced) events.push(announced);
  const changed =
    next.status !== invoice.status ||
    next.exception !== invoice.exception ||
    next.amountPaid !== invoice.amountPaid ||
    next.amountDetected !== invoice.amountDetected;
  return { next, changed, events };
}
