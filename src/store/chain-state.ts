import type { Address, Hash } from 'viem';
import type { BlockRef, Cursor, TransferToRecord } from '../domain/chain.ts';
import { pluck, query, type Sql } from './sql.ts';

/** The watcher's durable state: its cursor, the recent block window, and the transfers it records. */

type CursorRow = {
  block_number: number;
  block_hash: Hash;
  block_timestamp: number;
  head_number: number;
  synced_at: string | null;
  indexed_rowid: number;
  deep_reorg_at: string | null;
  deep_reorg_detail: string | null;
  head_advanced_at: string | null;
  stale_after_ms: number | null;
};

export function* getCursor(chainId: number): Sql<Cursor | null> {
  const row = yield* query<CursorRow>('SELECT * FROM chain_cursors WHERE chain_id = ?').get(chainId);
  if (!row) return null;
  return {
    number: row.block_number,
    hash: row.block_hash,
    timestamp: row.block_timestamp,
    headNumber: row.head_number,
    syncedAt: row.synced_at ? new Date(row.synced_at) : null,
    indexedRowId: row.indexed_rowid,
    deepReorgAt: row.deep_reorg_at ? new Date(row.deep_reorg_at) : null,
    deepReorgDetail: row.deep_reorg_detail,
    headAdvancedAt: row.head_advanced_at ? new Date(row.head_advanced_at) : null,
    staleAfterMs: row.stale_after_ms,
  };
}

/**
 * The head moved when the node reports a higher one than the cursor row holds (both engines
 * evaluate every SET expression against the row before the update). The columns are qualified:
 * in an upsert's DO UPDATE, PostgreSQL finds a bare name ambiguous (the row, or `excluded`).
 */
const HEAD_ADVANCED_AT_SQL =
  'CASE WHEN chain_cursors.head_advanced_at IS NULL OR @head > chain_cursors.head_number THEN @now ELSE chain_cursors.head_advanced_at END';

/** Stored blocks of the window, newest first, for walking back to a common ancestor. */
export function* getWindowBlocks(chainId: number): Sql<BlockRef[]> {
  const rows = yield* query<{ number: number; hash: Hash; parent_hash: Hash; timestamp: number }>(
    'SELECT number, hash, parent_hash, timestamp FROM chain_blocks WHERE chain_id = ? ORDER BY number DESC',
  ).all(chainId);
  return rows.map((row) => ({
    number: row.number,
    hash: row.hash,
    parentHash: row.parent_hash,
    timestamp: row.timestamp,
  }));
}

export type DepositAddressRow = {
  rowid: number;
  depositAddress: Address;
  watchFromBlock: number | null;
};

/**
 * Rows per page of deposit addresses. Small enough that a page dies young: pages of 100,000 row
 * objects survived into V8's old generation and lifted a million-address load's RSS peak by
 * ~90 MB of garbage; at 10,000 the extra queries cost little (each is a rowid range seek).
 */
export const DEPOSIT_ADDRESS_PAGE_ROWS = 10_000;

/** Deposit addresses of the chain's invoices created after `afterRowId`, oldest first. */
export function* loadDepositAddresses(
  chainId: number,
  afterRowId: number,
  limit = DEPOSIT_ADDRESS_PAGE_ROWS,
): Sql<DepositAddressRow[]> {
  // '+chain_id' keeps SQLite on the rowid range instead of the chain index plus a sort: with the
  // index, every page would scan and sort all of the chain's invoices (quadratic at 1M rows).
  return yield* query<DepositAddressRow>(`SELECT rowid, deposit_address AS "depositAddress", watch_from_block AS "watchFromBlock"
     FROM invoices WHERE +chain_id = ? AND rowid > ? ORDER BY rowid LIMIT ?`).all(chainId, afterRowId, limit);
}

/** The earliest creation time of invoices that were made before the watcher ever ran. */
export function* earliestUnanchoredInvoice(chainId: number): Sql<Date | null> {
  // An aggregate without GROUP BY always gives one row: min() is NULL when there is nothing.
  const at = yield* pluck<string | null>(
    'SELECT min(created_at) FROM invoices WHERE chain_id = ? AND watch_from_block IS NULL',
  ).get(chainId);
  return at ? new Date(at) : null;
}

/**
 * The invoice a deposit address belongs to, and the block its watching starts after (null for an
 * invoice made before the watcher ever ran). Read once per matched log: its statement is compiled once per
 * connection (statement.ts), and the aliases make the row the result, with no mapping object.
 */
export function* getInvoiceWatchStart(
  rowid: number,
): Sql<{ id: string; watchFromBlock: number | null } | null> {
  const row = yield* query<{ id: string; watchFromBlock: number | null }>(
    'SELECT id, watch_from_block AS "watchFromBlock" FROM invoices WHERE rowid = ?',
  ).get(rowid);
  return row ?? null;
}

// The row's columns qualified in DO UPDATE, as in HEAD_ADVANCED_AT_SQL.
const upsertTransferSql = `
  INSERT INTO transfers (chain_id, invoice_id, token_address, tx_hash, log_index, block_number, block_hash, block_timestamp,
    from_address, to_address, amount, status, confirmations, detected_at, updated_at)
  VALUES (@chainId, @invoiceId, @tokenAddress, @txHash, @logIndex, @blockNumber, @blockHash, @blockTimestamp,
    @from, @to, @amount, 'detected', 0, @now, @now)
  ON CONFLICT (chain_id, block_hash, log_index) DO UPDATE SET
    status = 'detected', version = transfers.version + 1, updated_at = excluded.updated_at
  WHERE transfers.status = 'reverted'`;

export type ScanCommit = {
  chainId: number;
  transfers: readonly TransferToRecord[];
  /** Blocks to keep in the reorg window (the scanned range's tail). */
  blocks: readonly BlockRef[];
  cursor: { number: number; hash: Hash; timestamp: number };
  headNumber: number;
  /** The address index's high-water mark while this batch was matched. */
  indexedRowId: number;
  /**
   * Transfers at or below this block are confirmed by this commit; null confirms none. The chain
   * decides it (chain/finality.ts): the cursor − N + 1 for a count of N, the tag's block for a tag.
   */
  confirmedThrough: number | null;
  /** How many blocks below the cursor the window keeps. */
  windowSize: number;
  /** The watcher's stale-head limit (chain/stale-head.ts), kept for `/readyz` in `serve`. */
  staleAfterMs?: number | null;
  now: Date;
};

/**
 * Commits one scanned batch: the transfers it found, the block window, confirmation counts and the
 * cursor, in one immediate transaction. A crash before it loses the batch (it is rescanned from the
 * old cursor); after it, nothing is repeated: inserts are keyed by (chain, block hash, log index).
 * Returns how many transfers were new or changed status, for the settlement relay.
 */
export function* commitScan(batch: ScanCommit): Sql<{ changed: number }> {
  const now = batch.now.toISOString();
  let changed = 0;
  for (const transfer of batch.transfers) {
    const { changes } = yield* query(upsertTransferSql).run({
      ...transfer,
      chainId: batch.chainId,
      amount: transfer.amount.toString(),
      now,
    });
    changed += changes;
  }
  for (const block of batch.blocks) {
    yield* query(
      `INSERT INTO chain_blocks (chain_id, number, hash, parent_hash, timestamp) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (chain_id, number) DO UPDATE SET hash = excluded.hash, parent_hash = excluded.parent_hash,
         timestamp = excluded.timestamp`,
    ).run(batch.chainId, block.number, block.hash, block.parentHash, block.timestamp);
  }
  yield* query('DELETE FROM chain_blocks WHERE chain_id = ? AND number <= ?').run(
    batch.chainId,
    batch.cursor.number - batch.windowSize,
  );
  changed += yield* updateConfirmations(batch.chainId, batch.cursor.number, batch.confirmedThrough, now);
  yield* query(
    `INSERT INTO chain_cursors (chain_id, block_number, block_hash, block_timestamp, head_number, synced_at, indexed_rowid, updated_at,
       head_advanced_at, stale_after_ms)
     VALUES (@chainId, @number, @hash, @timestamp, @head, @synced, @indexedRowId, @now, @now, @staleAfterMs)
     ON CONFLICT (chain_id) DO UPDATE SET block_number = @number, block_hash = @hash, block_timestamp = @timestamp,
       head_number = @head, synced_at = coalesce(@synced, chain_cursors.synced_at), indexed_rowid = @indexedRowId, updated_at = @now,
       head_advanced_at = ${HEAD_ADVANCED_AT_SQL}, stale_after_ms = @staleAfterMs`,
  ).run({
    chainId: batch.chainId,
    number: batch.cursor.number,
    hash: batch.cursor.hash,
    timestamp: batch.cursor.timestamp,
    head: batch.headNumber,
    indexedRowId: batch.indexedRowId,
    synced: batch.cursor.number >= batch.headNumber ? now : null,
    staleAfterMs: batch.staleAfterMs ?? null,
    now,
  });
  return { changed };
}

/**
 * Counts confirmations from the cursor (the last block known canonical; shown, not decided on),
 * and promotes the transfers at or below `confirmedThrough`. Transfers in orphaned blocks were
 * reverted before this runs, so every transfer still `detected` is on the chain up to the cursor.
 */
function* updateConfirmations(
  chainId: number,
  cursorNumber: number,
  confirmedThrough: number | null,
  now: string,
): Sql<number> {
  // max(a, b) in SQLite is greatest(a, b) in PostgreSQL.
  const count = (max: string) => `${max}(0, ? - block_number + 1)`;
  const update = (max: string) =>
    `UPDATE transfers SET confirmations = ${count(max)}
     WHERE chain_id = ? AND status = 'detected' AND confirmations != ${count(max)}`;
  yield* query({ sqlite: update('max'), postgres: update('greatest') }).run(
    cursorNumber,
    chainId,
    cursorNumber,
  );
  if (confirmedThrough === null) return 0;
  const { changes } = yield* query(
    `UPDATE transfers SET status = 'confirmed', version = version + 1, updated_at = ?
     WHERE chain_id = ? AND status = 'detected' AND block_number <= ?`,
  ).run(now, chainId, confirmedThrough);
  return changes;
}

/**
 * The cursor reached the node's head and nothing new was there: record that the watcher is in
 * sync. Being in sync with a node whose head stands still is no readiness: `head_advanced_at`
 * moves only with the head, and `/readyz` compares it with `stale_after_ms`.
 */
export function* markSynced(
  chainId: number,
  headNumber: number,
  now: Date,
  staleAfterMs: number | null = null,
): Sql<void> {
  yield* query(
    `UPDATE chain_cursors SET head_advanced_at = ${HEAD_ADVANCED_AT_SQL}, head_number = @head, synced_at = @now,
       updated_at = @now, stale_after_ms = @staleAfterMs WHERE chain_id = @chainId`,
  ).run({ head: headNumber, now: now.toISOString(), staleAfterMs, chainId });
}

/**
 * Rewinds to the common ancestor after a reorg: every transfer above it is reverted (a status
 * change, so settlement hears of it), the orphaned window blocks are dropped, and the cursor moves
 * back, all in one transaction. `deep` records the alert when confirmed transfers were orphaned.
 */
export function* rewindTo(input: {
  chainId: number;
  ancestor: { number: number; hash: Hash; timestamp: number };
  now: Date;
  deepDetail?: string;
}): Sql<{ reverted: number; revertedConfirmed: number }> {
  const now = input.now.toISOString();
  // count(*) always gives a row; `?? 0` is for the type, which cannot know that.
  const revertedConfirmed =
    (yield* pluck<number>(
      "SELECT count(*) FROM transfers WHERE chain_id = ? AND block_number > ? AND status = 'confirmed'",
    ).get(input.chainId, input.ancestor.number)) ?? 0;
  const { changes: reverted } = yield* query(
    `UPDATE transfers SET status = 'reverted', version = version + 1, updated_at = ?
     WHERE chain_id = ? AND block_number > ? AND status != 'reverted'`,
  ).run(now, input.chainId, input.ancestor.number);
  yield* query('DELETE FROM chain_blocks WHERE chain_id = ? AND number > ?').run(
    input.chainId,
    input.ancestor.number,
  );
  yield* query(
    `UPDATE chain_cursors SET block_number = ?, block_hash = ?, block_timestamp = ?, updated_at = ?,
       deep_reorg_at = coalesce(?, deep_reorg_at), deep_reorg_detail = coalesce(?, deep_reorg_detail)
     WHERE chain_id = ?`,
  ).run(
    input.ancestor.number,
    input.ancestor.hash,
    input.ancestor.timestamp,
    now,
    input.deepDetail ? now : null,
    input.deepDetail ?? null,
    input.chainId,
  );
  return { reverted, revertedConfirmed };
}
