import type { Address, Hex } from 'viem';
import { deriveDepositAddress, MAX_NON_HARDENED_INDEX } from '../domain/deposit-address.ts';
import { BaseError, InvoiceNotCancelableError, NotFoundError } from '../domain/errors.ts';
import { forwarderAddress, forwarderSalt } from '../domain/forwarder-address.ts';
import { newId } from '../domain/ids.ts';
import {
  type DepositMode,
  type InvoiceRecord,
  type InvoiceStatus,
  type TokenRef,
  type TransferRecord,
  toInvoiceResource,
} from '../domain/invoice.ts';
import { cursorSeq } from './cursor-seq.ts';
import { insertEvent } from './events.ts';
import { type InvoiceRow, type TransferRow, toInvoiceRecord, toTransferRecord } from './invoice-rows.ts';
import { nextSeq } from './next-seq.ts';
import { forUpdate, pluck, query, type Sql } from './sql.ts';

export type NewInvoice = {
  merchantId: string;
  chainId: number;
  token: TokenRef;
  amount: bigint;
  expiresInSeconds: number;
  orderId?: string | undefined;
  description?: string | undefined;
  metadata?: Record<string, string> | undefined;
  returnUrl?: string | undefined;
};

export type InvoiceWithTransfers = { invoice: InvoiceRecord; transfers: TransferRecord[] };

type MerchantDepositRow = {
  deposit_mode: DepositMode;
  xpub: string | null;
  payout_address: Address | null;
  next_address_index: number;
};

/**
 * The deposit address of the merchant's next index: child `index` of its xpub, or the forwarder
 * for (payout, salt(merchant, index)), a hash and no elliptic-curve work (domain/forwarder-address.ts).
 */
function nextDepositAddress(
  merchantId: string,
  merchant: MerchantDepositRow,
): { depositAddress: Address; forwarder: { payout: Address; salt: Hex } | null } {
  const index = merchant.next_address_index;
  if (merchant.deposit_mode === 'forwarder' && merchant.payout_address) {
    const salt = forwarderSalt(merchantId, index);
    const payout = merchant.payout_address;
    return { depositAddress: forwarderAddress(payout, salt), forwarder: { payout, salt } };
  }
  if (!merchant.xpub) throw new Error(`merchant ${merchantId} has neither an xpub nor a payout address`);
  if (index > MAX_NON_HARDENED_INDEX) {
    throw new BaseError('address_space_exhausted', 'This xpub has no non-hardened child index left.');
  }
  return { depositAddress: deriveDepositAddress(merchant.xpub, index), forwarder: null };
}

/**
 * Creates an invoice with a fresh deposit address and its `invoice.created` event in one
 * immediate transaction. The merchant's next address index is read and bumped under the write
 * lock, so no index is ever handed out twice, even across processes sharing the file.
 */
export function* createInvoice(
  input: NewInvoice,
  options: { publicUrl: string; now: Date },
): Sql<InvoiceWithTransfers> {
  const { now } = options;
  // Locked on PostgreSQL until commit: the next index is read and bumped by one creation at a time.
  const merchant = yield* query<MerchantDepositRow>(
    forUpdate('SELECT deposit_mode, xpub, payout_address, next_address_index FROM merchants WHERE id = ?'),
  ).get(input.merchantId);
  if (!merchant) throw new BaseError('unauthorized', 'Unknown merchant.');
  const index = merchant.next_address_index;
  const { depositAddress, forwarder } = nextDepositAddress(input.merchantId, merchant);
  // Merchants' keys are unique (store/merchants.ts), but a collision must still be a clear 409
  // rather than the UNIQUE constraint's 500: a merchant that shared its key with another before
  // migration 002, or a hand-edited database. The index stays unspent: nothing is written.
  if (yield* query('SELECT 1 FROM invoices WHERE deposit_address = ?').get(depositAddress)) {
    throw new BaseError(
      'deposit_address_in_use',
      `Deposit address #${index} of this merchant's xpub is already another invoice's: another merchant uses the same key. Register a dedicated xpub for each merchant.`,
    );
  }
  // Scanning starts at the watcher's cursor: the address is unknown to anyone before this
  // response, so no payment to it can be in an earlier block.
  const cursor = yield* query<{ block_number: number }>(
    'SELECT block_number FROM chain_cursors WHERE chain_id = ?',
  ).get(input.chainId);
  const createdAt = now.toISOString();
  const row: InvoiceRow = {
    id: newId('inv', now.getTime()),
    merchant_id: input.merchantId,
    status: 'pending',
    exception: null,
    chain_id: input.chainId,
    token_symbol: input.token.symbol,
    token_address: input.token.address,
    token_decimals: input.token.decimals,
    amount: input.amount.toString(),
    amount_paid: '0',
    amount_detected: '0',
    address_index: index,
    deposit_address: depositAddress,
    deposit_mode: merchant.deposit_mode,
    forwarder_payout: forwarder?.payout ?? null,
    forwarder_salt: forwarder?.salt ?? null,
    watch_from_block: cursor?.block_number ?? null,
    order_id: input.orderId ?? null,
    description: input.description ?? null,
    metadata: JSON.stringify(input.metadata ?? {}),
    return_url: input.returnUrl ?? null,
    created_at: createdAt,
    expires_at: new Date(now.getTime() + input.expiresInSeconds * 1000).toISOString(),
    paid_at: null,
    expired_at: null,
    canceled_at: null,
  };
  yield* query('UPDATE merchants SET next_address_index = ? WHERE id = ?').run(index + 1, input.merchantId);
  const seq = yield* nextSeq('invoices');
  const rowid = yield* nextInvoiceRowid();
  yield* query(
    `INSERT INTO invoices (rowid, id, merchant_id, status, chain_id, token_symbol, token_address, token_decimals, amount,
       address_index, deposit_address, deposit_mode, forwarder_payout, forwarder_salt, watch_from_block, order_id,
       description, metadata, return_url, created_at, expires_at, updated_at, seq)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    rowid,
    row.id,
    row.merchant_id,
    row.status,
    row.chain_id,
    row.token_symbol,
    row.token_address,
    row.token_decimals,
    row.amount,
    row.address_index,
    row.deposit_address,
    row.deposit_mode,
    row.forwarder_payout,
    row.forwarder_salt,
    row.watch_from_block,
    row.order_id,
    row.description,
    row.metadata,
    row.return_url,
    row.created_at,
    row.expires_at,
    row.created_at,
    seq,
  );
  // The record of the row just written (the columns left out above start at the defaults the
  // row states), mapped as a load would map it; a new invoice has no transfers.
  const created: InvoiceWithTransfers = { invoice: toInvoiceRecord(row), transfers: [] };
  yield* insertEvent({
    merchantId: input.merchantId,
    type: 'invoice.created',
    invoice: toInvoiceResource(created.invoice, created.transfers, options),
    now,
  });
  return created;
}

/**
 * The rowid of a new invoice: SQLite assigns it (null), in commit order since it has one writer.
 * The watcher loads new deposit addresses by rowid above a high-water mark (chain/), so on
 * PostgreSQL rowids must commit in order too: they come from a counter row whose lock is held
 * until commit, never from a sequence (a lower value could commit after a higher one was read).
 */
function* nextInvoiceRowid(): Sql<number | null> {
  const value = yield* pluck<number>({
    postgres: "UPDATE store_counters SET value = value + 1 WHERE name = 'invoice_rowid' RETURNING value",
  }).get();
  return value ?? null;
}

/**
 * Loads an invoice by id alone: for the watcher, settlement and the public checkout page. With
 * `forUpdate`, a writer that recomputes the invoice locks its row first (PostgreSQL).
 */
export function* loadInvoice(
  id: string,
  options: { forUpdate?: boolean } = {},
): Sql<InvoiceWithTransfers | null> {
  const select = 'SELECT * FROM invoices WHERE id = ?';
  const row = yield* query<InvoiceRow>(options.forUpdate ? forUpdate(select) : select).get(id);
  if (!row) return null;
  const transfers = yield* query<TransferRow>(
    'SELECT * FROM transfers WHERE invoice_id = ? ORDER BY block_number, log_index, id',
  ).all(id);
  return { invoice: toInvoiceRecord(row), transfers: transfers.map(toTransferRecord) };
}

/** Loads a merchant's invoice; another merchant's invoice is answered as not found. */
export function* getInvoice(
  merchantId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Sql<InvoiceWithTransfers> {
  const found = yield* loadInvoice(id, options);
  if (!found || found.invoice.merchantId !== merchantId) {
    throw new NotFoundError('invoice_not_found', `No invoice ${id}.`);
  }
  return found;
}

/**
 * Newest first by `seq` (creation order, also within a millisecond); `startingAfter` is the id of
 * the last invoice of the previous page.
 */
export function* listInvoices(
  merchantId: string,
  filter: { status?: InvoiceStatus | undefined; limit: number; startingAfter?: string | undefined },
): Sql<{ data: InvoiceWithTransfers[]; hasMore: boolean }> {
  const where = ['merchant_id = ?'];
  const params: (string | number)[] = [merchantId];
  if (filter.status) {
    where.push('status = ?');
    params.push(filter.status);
  }
  if (filter.startingAfter) {
    where.push('seq < ?');
    params.push(yield* cursorSeq('invoices', merchantId, filter.startingAfter));
  }
  const rows = yield* query<{ id: string }>(
    `SELECT id FROM invoices WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`,
  ).all(...params, filter.limit + 1);
  const data: InvoiceWithTransfers[] = [];
  for (const row of rows.slice(0, filter.limit)) {
    const found = yield* loadInvoice(row.id);
    if (found) data.push(found);
  }
  return { data, hasMore: rows.length > filter.limit };
}

/**
 * Cancels a pending invoice that has received nothing (README "Invoice lifecycle"), with its `invoice.canceled` event
 * in the same transaction. Transfers seen later are still recorded, never credited.
 */
export function* cancelInvoice(
  merchantId: string,
  id: string,
  options: { publicUrl: string; now: Date },
): Sql<InvoiceWithTransfers> {
  const found = yield* getInvoice(merchantId, id, { forUpdate: true });
  const received = found.transfers.some((transfer) => transfer.status !== 'reverted');
  if (found.invoice.status !== 'pending' || received) {
    throw new InvoiceNotCancelableError(received ? 'holding a payment' : found.invoice.status);
  }
  const at = options.now.toISOString();
  yield* query("UPDATE invoices SET status = 'canceled', canceled_at = ?, updated_at = ? WHERE id = ?").run(
    at,
    at,
    id,
  );
  const canceled = yield* getInvoice(merchantId, id);
  yield* insertEvent({
    merchantId,
    type: 'invoice.canceled',
    invoice: toInvoiceResource(canceled.invoice, canceled.transfers, options),
    now: options.now,
  });
  return canceled;
}
