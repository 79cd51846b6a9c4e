import type { InvoiceEventType } from '../domain/events.ts';
import type { InvoiceStatus } from '../domain/invoice.ts';

/**
 * The event an invoice's change of status announces, if any. Settlement never moves an invoice to
 * `pending` or `canceled` (canceling is the API's, with its own event), so those announce nothing
 * here; neither does a status that did not change.
 */
export function statusEvent(before: InvoiceStatus, after: InvoiceStatus): InvoiceEventType | null {
  if (after === before) return null;
  if (after === 'processing') return 'invoice.processing';
  if (after === 'paid') return 'invoice.paid';
  if (after === 'expired') return 'invoice.expired';
  return null;
}
