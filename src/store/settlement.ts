import { type InvoiceRecord, type TransferStatus, toInvoiceResource } from '../domain/invoice.ts';
import { computeInvoiceState } from '../domain/invoice-state.ts';
import { type Db, writeTransaction } from './db.ts';
import { type InvoiceEventType as EventType, insertEvent } from './events.ts';
import { type InvoiceWithTransfers, loadInvoice } from './invoices.ts';

export type SettleOptions = { publicUrl: string; now: Date };
export type SettleResult =
  | { kind: 'applied'; events: EventType[] }
  | { kind: 'already-settled' }
  | { kind: 'missing' };

/**
 * Expiry may be decided once the deadline has passed and the chain's watcher has been level with
 * its node's head since then: any on-time payment (block timestamp ≤ expiresAt) is recorded by then.
 */
function isExpiryReached(db: Db, invoice: InvoiceRecord, now: Date): boolean {
  if (now <= invoice.expiresAt) return false;
  const row = db.prepare('SELECT synced_at FROM chain_cursors WHERE chain_id = ?').get(invoice.chainId) as
    | { synced_at: string | null }
    | undefined;
  return !!row?.synced_at && new Date(row.synced_at) > invoice.expiresAt;
}

/**
 * Recomputes the invoice from all its transfers and writes the status change with its event,
 * inside the caller's transaction. Returns the events written.
 */
function reconcileInvoice(
  db: Db,
  found: InvoiceWithTransfers,
  options: SettleOptions,
  extra: EventType[],
): EventType[] {
  const { invoice } = found;
  const next = computeInvoiceState({
    status: invoice.status,
    amount: invoice.amount,
    expiresAtS: Math.floor(invoice.expiresAt.getTime() / 1000),
    expiryReached: isExpiryReached(db, invoice, options.now),
    transfers: found.transfers.filter((transfer) => transfer.tokenAddress === invoice.token.address),
  });
  const events = [...extra];
  if (next.status !== invoice.status) {
    if (next.status === 'processing') events.push('invoice.processing');
    if (next.status === 'paid') events.push('invoice.paid');
    if (next.status === 'expired') events.push('invoice.expired');
  }
  const changed =
    next.status !== invoice.status ||
    next.exception !== invoice.exception ||
    next.amountPaid !== invoice.amountPaid ||
    next.amountDetected !== invoice.amountDetected;
  if (changed) {
    const at = options.now.toISOString();
    db.prepare(
      `UPDATE invoices SET status = ?, exception = ?, amount_paid = ?, amount_detected = ?, updated_at = ?,
         paid_at = CASE WHEN ? = 'paid' AND paid_at IS NULL THEN ? ELSE paid_at END,
         expired_at = CASE WHEN ? = 'expired' AND expired_at IS NULL THEN ? ELSE expired_at END
       WHERE id = ?`,
    ).run(
      next.status,
      next.exception,
      next.amountPaid.toString(),
      next.amountDetected.toString(),
      at,
      next.status,
      at,
      next.status,
      at,
      invoice.id,
    );
  }
  if (events.length === 0) return events;
  const after = loadInvoice(db, invoice.id);
  if (!after) throw new Error(`invoice ${invoice.id} vanished during settlement`);
  const resource = toInvoiceResource(after.invoice, after.transfers, options);
  for (const type of events)
    insertEvent(db, { merchantId: invoice.merchantId, type, invoice: resource, now: options.now });
  return events;
}

/** The payment event a transfer's change of status announces, if any. */
function paymentEvent(before: TransferStatus | null, after: TransferStatus): EventType | null {
  const counted = (status: TransferStatus | null) => status === 'detected' || status === 'confirmed';
  if (!counted(before) && counted(after)) return 'invoice.payment_detected';
  if (counted(before) && after === 'reverted') return 'invoice.payment_reverted';
  return null;
}

/**
 * Applies a recorded transfer's current status to its invoice: one immediate transaction writes
 * the invoice's new state, its events (the transactional outbox) and the transfer's settled mark.
 * Idempotent: a transfer already settled at its current version changes nothing, so duplicate or
 * replayed jobs are harmless; one `invoice.paid` per invoice is also enforced by a unique index.
 */
export function settleTransfer(db: Db, transferId: number, options: SettleOptions): SettleResult {
  return writeTransaction(db, () => {
    const transfer = db
      .prepare(
        'SELECT invoice_id, token_address, status, version, settled_version, settled_status FROM transfers WHERE id = ?',
      )
      .get(transferId) as
      | {
          invoice_id: string;
          token_address: string;
          status: TransferStatus;
          version: number;
          settled_version: number;
          settled_status: TransferStatus | null;
        }
      | undefined;
    if (!transfer) return { kind: 'missing' };
    if (transfer.settled_version >= transfer.version) return { kind: 'already-settled' };
    const found = loadInvoice(db, transfer.invoice_id);
    if (!found) return { kind: 'missing' };
    const ownToken = transfer.token_address === found.invoice.token.address;
    const payment = ownToken ? paymentEvent(transfer.settled_status, transfer.status) : null;
    const events = reconcileInvoice(db, found, options, payment ? [payment] : []);
    db.prepare('UPDATE transfers SET settled_version = ?, settled_status = ? WHERE id = ?').run(
      transfer.version,
      transfer.status,
      transferId,
    );
    return { kind: 'applied', events };
  });
}

/** Transfers whose status changed since settlement last saw them (the relay's outbox query). */
export function listUnsettledTransfers(db: Db, limit: number): { id: number; version: number }[] {
  return db
    .prepare('SELECT id, version FROM transfers WHERE settled_version < version ORDER BY id LIMIT ?')
    .all(limit) as { id: number; version: number }[];
}

/**
 * Expires pending invoices whose deadline has passed (and whose chain the watcher has followed
 * past it). Each invoice is its own transaction, so a crash midway loses nothing; a worker that was
 * down expires invoices late, never not at all.
 */
export function expireDueInvoices(db: Db, options: SettleOptions & { limit?: number }): { expired: number } {
  const due = db
    .prepare(
      "SELECT id FROM invoices WHERE status = 'pending' AND expires_at < ? ORDER BY expires_at LIMIT ?",
    )
    .pluck()
    .all(options.now.toISOString(), options.limit ?? 1000) as string[];
  let expired = 0;
  for (const id of due) {
    const events = writeTransaction(db, () => {
      const found = loadInvoice(db, id);
      return found && found.invoice.status === 'pending' ? reconcileInvoice(db, found, options, []) : [];
    });
    if (events.includes('invoice.expired')) expired++;
  }
  return { expired };
}
