import type { InvoiceEventType } from '../domain/events.ts';
import type { TransferStatus } from '../domain/invoice.ts';

/** A payment counts while it is seen on chain and not reverted, confirmed or not. */
const counted = (status: TransferStatus | null): boolean => status === 'detected' || status === 'confirmed';

/**
 * The payment event a transfer's change of status announces, if any: `before` is the status
 * settlement last applied (null for a transfer it has not seen), `after` the one recorded now.
 * A payment is announced once when it starts to count and once when a reorg reverts it; its
 * confirmation is announced by the invoice's own status event instead.
 */
export function paymentEvent(before: TransferStatus | null, after: TransferStatus): InvoiceEventType | null {
  if (!counted(before) && counted(after)) return 'invoice.payment_detected';
  if (counted(before) && after === 'reverted') return 'invoice.payment_reverted';
  return null;
}
