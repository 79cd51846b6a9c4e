import type { BlockRef, Cursor } from '../domain/chain.ts';
import { blocksOfLogs } from './blocks-of-logs.ts';
import { commitBatch } from './commit-batch.ts';
import { BlockChangedDuringScanError } from './errors.ts';
import type { ScanContext, StepOutcome } from './scan-context.ts';
import { toTransferRecords } from './to-transfer-records.ts';
import { matchTransferLogs } from './transfer-logs.ts';

/**
 * Far behind (more than the window below the head): one eth_getLogs range sized by the provider's
 * limits (log-range.ts), the next read while this one commits (log-range-reader.ts).
 */
export async function stepBackfill(ctx: ScanContext, cursor: Cursor, head: BlockRef): Promise<StepOutcome> {
  const { index, metrics, labels } = ctx;
  const read = await ctx.ranges.read(cursor.number + 1, head.number - ctx.finality.windowSize);
  if (read.kind === 'narrowed') {
    ctx.log.info(
      { from: read.from, to: read.to, nextRange: ctx.sizer.size, err: read.error },
      'eth_getLogs range refused, too large or too slow; narrowing',
    );
    return { kind: 'block', to: cursor.number, recorded: 0 };
  }
  const { to, logs, end, blocks } = read.range;
  // Matched with the index as it is now, not as it was when the range arrived: addresses indexed
  // since (by this step's catch-up) count, and their blocks' headers are fetched here.
  const matchedLogs = matchTransferLogs(logs, index, ctx.tokenSet).map((match) => match.log);
  const unfetched = matchedLogs.filter((rpcLog) => !blocks.has(rpcLog.blockHash));
  for (const [hash, block] of await blocksOfLogs(ctx, unfetched)) blocks.set(hash, block);
  const records = await toTransferRecords(ctx, matchedLogs, blocks);
  if (!records) throw new BlockChangedDuringScanError('backfill');
  await commitBatch(ctx, {
    transfers: records,
    blocks: [end],
    cursor: end,
    head,
    indexedRowId: index.lastRowId,
  });
  metrics.chainBlocksProcessed.inc(labels, to - cursor.number);
  metrics.chainLogsProcessed.inc(labels, logs.length);
  return { kind: 'block', to, recorded: records.length };
}
