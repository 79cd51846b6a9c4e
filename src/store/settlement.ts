import type { Address } from 'viem';
import type { TransferStatus } from '../domain/invoice.ts';
import type { StateOutput } from '../domain/invoice-state.ts';
import { forUpdate, pluck, query, type Sql } from './sql.ts';

/**
 * The reads and writes of settlement (settle/settle-transfer.ts, settle/expire-due-invoices.ts);
 * the rules that decide what to write are in settle/. Call the writes inside the caller's
 * transaction, so a money move commits with its events.
 */

/** A recorded transfer as settlement sees it: its current status and the one it last applied. */
export type SettlementTransfer = {
  invoiceId: string;
  tokenAddress: Address;
  status: TransferStatus;
  /** Bumped by the watcher on every change of status (store/chain-state.ts). */
  version: number;
  /** The version settlement last applied; settled when it reaches `version`. */
  settledVersion: number;
  /** The status settlement last applied; null before the first. */
  settledStatus: TransferStatus | null;
};

type SettlementTransferRow = {
  invoice_id: string;
  token_address: Address;
  status: TransferStatus;
  version: number;
  settled_version: number;
  settled_status: TransferStatus | null;
};

const toSettlementTransfer = (row: SettlementTransferRow): SettlementTransfer => ({
  invoiceId: row.invoice_id,
  tokenAddress: row.token_address,
  status: row.status,
  version: row.version,
  settledVersion: row.settled_version,
  settledStatus: row.settled_status,
});

/**
 * The transfer to settle, its row locked until commit on PostgreSQL: of two workers settling the
 * same version at once, the second waits and then reads it settled (exactly once per version).
 */
export function* getTransferForSettlement(transferId: number): Sql<SettlementTransfer | null> {
  const row = yield* query<SettlementTransferRow>(
    forUpdate(
      'SELECT invoice_id, token_address, status, version, settled_version, settled_status FROM transfers WHERE id = ?',
    ),
  ).get(transferId);
  return row ? toSettlementTransfer(row) : null;
}

/** Records that settlement applied the transfer at `version`, with `status`. */
export function* markTransferSettled(transferId: number, version: number, status: TransferStatus): Sql<void> {
  yield* query('UPDATE transfers SET settled_version = ?, settled_status = ? WHERE id = ?').run(
    version,
    status,
    transferId,
  );
}

/**
 * Writes an invoice's recomputed state. `paid_at` and `expired_at` keep the first time the invoice
 * reached that status: an expired invoice paid late keeps when it expired.
 */
export function* writeInvoiceState(invoiceId: string, next: StateOutput, at: Date): Sql<void> {
  const time = at.toISOString();
  yield* query(`UPDATE invoices SET status = ?, exception = ?, amount_paid = ?, amount_detected = ?, updated_at = ?,
       paid_at = CASE WHEN ? = 'paid' AND paid_at IS NULL THEN ? ELSE paid_at END,
       expired_at = CASE WHEN ? = 'expired' AND expired_at IS NULL THEN ? ELSE expired_at END
     WHERE id = ?`).run(
    next.status,
    next.exception,
    next.amountPaid.toString(),
    next.amountDetected.toString(),
    time,
    next.status,
    time,
    next.status,
    time,
    invoiceId,
  );
}

/**
 * When the chain's watcher was last level with its node's head (store/chain-state.ts `markSynced`);
 * null if it never has been.
 */
export function* getChainSyncedAt(chainId: number): Sql<Date | null> {
  const row = yield* query<{ synced_at: string | null }>(
    'SELECT synced_at FROM chain_cursors WHERE chain_id = ?',
  ).get(chainId);
  return row?.synced_at ? new Date(row.synced_at) : null;
}

/** Pending invoices whose deadline is before `now`, the oldest deadline first. */
export function* listDuePendingInvoiceIds(now: Date, limit: number): Sql<string[]> {
  return yield* pluck<string>(
    "SELECT id FROM invoices WHERE status = 'pending' AND expires_at < ? ORDER BY expires_at LIMIT ?",
  ).all(now.toISOString(), limit);
}

/** Transfers whose status changed since settlement last saw them (the relay's outbox query). */
export function* listUnsettledTransfers(limit: number): Sql<{ id: number; version: number }[]> {
  return yield* query<{ id: number; version: number }>(
    'SELECT id, version FROM transfers WHERE settled_version < version ORDER BY id LIMIT ?',
  ).all(limit);
}
