import type { InvoiceException, InvoiceStatus, TransferStatus } from './invoice.ts';

export type StateInput = {
  status: InvoiceStatus;
  amount: bigint;
  /** Unix seconds; a payment is on time when its block's timestamp is at or before this. */
  expiresAtS: number;
  /**
   * True once expiry may be decided: the deadline has passed and the watcher has scanned the chain
   * up to a head it saw after the deadline, so no on-time payment can still be unseen.
   */
  expiryReached: boolean;
  /** Only transfers of the invoice's own token. */
  transfers: readonly { amount: bigint; status: TransferStatus; blockTimestamp: number }[];
};

export type StateOutput = {
  status: InvoiceStatus;
  exception: InvoiceException | null;
  /** Confirmed payments, on time or late. */
  amountPaid: bigint;
  /** Payments seen and not reverted, confirmed or not. */
  amountDetected: bigint;
};

/**
 * The invoice state machine (README "Invoice lifecycle"), as a pure function of the invoice and all its
 * transfers: settlement recomputes it from scratch on every change, so applying the same change
 * twice, or changes out of order, converges on the same state.
 *
 * Invariants: `paid` and `canceled` are terminal (a confirmed payment is never reverted: a reorg
 * deeper than the confirmation depth is an alert, not a rewrite); `expired` only moves to `paid`
 * (late) or, when an on-time payment is seen after the sweep, to `processing`/`paid`.
 */
export function computeInvoiceState(input: StateInput): StateOutput {
  let confirmedOnTime = 0n;
  let detectedOnTime = 0n;
  let amountPaid = 0n;
  let amountDetected = 0n;
  for (const transfer of input.transfers) {
    if (transfer.status === 'reverted') continue;
    const onTime = transfer.blockTimestamp <= input.expiresAtS;
    amountDetected += transfer.amount;
    if (onTime) detectedOnTime += transfer.amount;
    if (transfer.status === 'confirmed') {
      amountPaid += transfer.amount;
      if (onTime) confirmedOnTime += transfer.amount;
    }
  }
  const totals = { amountPaid, amountDetected };
  const overpaid = amountPaid > input.amount ? ('overpaid' as const) : null;

  if (input.status === 'canceled') return { status: 'canceled', exception: null, ...totals };
  if (input.status === 'paid') {
    // Paid stays paid; only a later payment can still turn it overpaid.
    const late = confirmedOnTime < input.amount;
    return { status: 'paid', exception: overpaid ?? (late ? 'paid_late' : null), ...totals };
  }
  if (confirmedOnTime >= input.amount) return { status: 'paid', exception: overpaid, ...totals };
  if (detectedOnTime >= input.amount) return { status: 'processing', exception: null, ...totals };
  if (!input.expiryReached) return { status: 'pending', exception: null, ...totals };
  if (amountPaid >= input.amount) return { status: 'paid', exception: overpaid ?? 'paid_late', ...totals };
  return { status: 'expired', exception: amountDetected > 0n ? 'underpaid' : null, ...totals };
}
