import type { Hex } from 'viem';
import type { BlockRef, Cursor, TransferToRecord } from '../domain/chain.ts';
import { blocksOfLogs } from './blocks-of-logs.ts';
import { commitBatch } from './commit-batch.ts';
import { BlockChangedDuringScanError } from './errors.ts';
import type { ScanContext } from './scan-context.ts';
import { toTransferRecords } from './to-transfer-records.ts';
import { TRANSFER_TOPIC } from './transfer-logs.ts';

/** Addresses per catch-up eth_getLogs: providers cap topic OR-lists (commonly near 1,000). */
const CATCH_UP_TOPICS = 500;
/** Blocks per catch-up eth_getLogs. */
const CATCH_UP_RANGE = 10_000;

/**
 * Loads the addresses added since the last committed batch into the index, and scans those the
 * cursor already passed from their `watch_from_block`, so every block up to the cursor has been
 * scanned against every address up to the committed `indexedRowId` (watcher.ts).
 */
export async function catchUp(ctx: ScanContext, cursor: Cursor, head: BlockRef): Promise<void> {
  const { index } = ctx;
  // From the committed mark, not the index's own: a step that failed after loading addresses (in
  // a page's read, or their catch-up scan) loads them again here, or they would never be caught up.
  const { added, catchUp: behind } = await index.refresh(
    cursor.indexedRowId,
    (row) =>
      row.rowid > cursor.indexedRowId && row.watchFromBlock !== null && row.watchFromBlock < cursor.number,
  );
  const transfers: TransferToRecord[] = [];
  for (let i = 0; i < behind.length; i += CATCH_UP_TOPICS) {
    const group = behind.slice(i, i + CATCH_UP_TOPICS);
    const from = Math.min(...group.map((row) => row.watchFromBlock ?? cursor.number)) + 1;
    const toTopics = group.map(
      (row) => `0x000000000000000000000000${row.depositAddress.slice(2).toLowerCase()}` as Hex,
    );
    // Topic-filtered, so results are small; the range is still bounded for providers that cap it.
    for (let start = from; start <= cursor.number; start += CATCH_UP_RANGE) {
      const end = Math.min(cursor.number, start + CATCH_UP_RANGE - 1);
      const logs = await ctx.rpc.logsInRange({
        tokens: ctx.tokens,
        topic0: TRANSFER_TOPIC,
        from: start,
        to: end,
        toTopics,
      });
      const records = await toTransferRecords(ctx, logs, await blocksOfLogs(ctx, logs));
      if (!records) throw new BlockChangedDuringScanError('catch-up');
      transfers.push(...records);
    }
  }
  if (added > 0 && index.lastRowId !== cursor.indexedRowId) {
    await commitBatch(ctx, { transfers, blocks: [], cursor, head, indexedRowId: index.lastRowId });
    if (behind.length > 0)
      ctx.log.debug({ addresses: behind.length, found: transfers.length }, 'catch-up scan');
  }
}
