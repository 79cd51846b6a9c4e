import type { BlockRef, Cursor, TransferToRecord } from '../domain/chain.ts';
import { commitScan } from '../store/chain-state.ts';
import type { ScanContext } from './scan-context.ts';
import { staleAfterMs } from './stale-head.ts';

export type ScanBatch = {
  transfers: TransferToRecord[];
  /** Blocks to keep in the reorg window. */
  blocks: BlockRef[];
  cursor: BlockRef | Cursor;
  head: BlockRef;
  /** The address index's high-water mark while the batch was matched. */
  indexedRowId: number;
};

/**
 * Commits a scanned batch with its cursor in one transaction (store/chain-state.ts commitScan), then
 * counts it and wakes settlement when a transfer was recorded or changed status.
 */
export async function commitBatch(ctx: ScanContext, batch: ScanBatch): Promise<void> {
  const { chain, metrics, labels } = ctx;
  const { changed } = await ctx.store.write(commitScan, {
    chainId: chain.chainId,
    transfers: batch.transfers,
    blocks: batch.blocks,
    cursor: { number: batch.cursor.number, hash: batch.cursor.hash, timestamp: batch.cursor.timestamp },
    headNumber: batch.head.number,
    indexedRowId: batch.indexedRowId,
    confirmedThrough: ctx.finality.confirmedThrough(batch.cursor.number),
    windowSize: ctx.finality.windowSize,
    staleAfterMs: staleAfterMs(chain, ctx.blockClock),
    now: ctx.clock.now(),
  });
  const nowS = ctx.clock.now().getTime() / 1000;
  for (const transfer of batch.transfers)
    metrics.chainDetectionLatency.observe(labels, Math.max(0, nowS - transfer.blockTimestamp));
  metrics.chainTransfersRecorded.inc(labels, batch.transfers.length);
  if (changed > 0) ctx.onTransfers?.();
}
