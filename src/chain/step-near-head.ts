import type { BlockRef, Cursor } from '../domain/chain.ts';
import { commitBatch } from './commit-batch.ts';
import { BlockChangedDuringScanError } from './errors.ts';
import { rewindOnReorg } from './reorg.ts';
import type { ScanContext, StepOutcome } from './scan-context.ts';
import { toTransferRecords } from './to-transfer-records.ts';
import { TRANSFER_TOPIC } from './transfer-logs.ts';

/**
 * Near the head: every block's header, linked by parent hash to the cursor, and its logs fetched
 * by block hash (EIP-234), so a log can only come from a block whose place in the chain was checked.
 */
export async function stepNearHead(ctx: ScanContext, cursor: Cursor, head: BlockRef): Promise<StepOutcome> {
  const { rpc, tokens, metrics, labels } = ctx;
  const numbers = Array.from({ length: head.number - cursor.number }, (_, i) => cursor.number + 1 + i);
  const headers = await rpc.blocksByNumber(numbers);
  const blocks: BlockRef[] = [];
  let parent = cursor.hash;
  for (const header of headers) {
    // A missing block means this node is behind the head it reported: stop here, never skip.
    if (!header) break;
    if (header.parentHash !== parent) {
      if (blocks.length === 0) return rewindOnReorg(ctx, cursor);
      break; // the chain moved between calls; commit what links and look again next step
    }
    blocks.push(header);
    parent = header.hash;
  }
  if (blocks.length === 0) return { kind: 'synced' };
  ctx.blockClock.observe(blocks);
  const logs = (
    await Promise.all(
      blocks.map((block) => rpc.logsInBlock({ tokens, topic0: TRANSFER_TOPIC, blockHash: block.hash })),
    )
  ).flat();
  const records = await toTransferRecords(ctx, logs, new Map(blocks.map((block) => [block.hash, block])));
  if (!records) throw new BlockChangedDuringScanError('near-head');
  const last = blocks.at(-1) as BlockRef;
  await commitBatch(ctx, {
    transfers: records,
    blocks,
    cursor: last,
    head,
    indexedRowId: ctx.index.lastRowId,
  });
  metrics.chainBlocksProcessed.inc(labels, blocks.length);
  metrics.chainLogsProcessed.inc(labels, logs.length);
  return { kind: 'block', to: last.number, recorded: records.length };
}
