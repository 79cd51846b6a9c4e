import type { BlockRef, Cursor } from '../domain/chain.ts';
import { earliestUnanchoredInvoice, getCursor } from '../store/chain-state.ts';
import { findBlockBefore } from './block-by-time.ts';
import { commitBatch } from './commit-batch.ts';
import { CursorMissingError, NodeMissingBlockError } from './errors.ts';
import type { ScanContext } from './scan-context.ts';

/** How far before the earliest invoice a first-ever watcher starts scanning. */
const UNANCHORED_MARGIN_S = 600;

/**
 * A first-ever watcher's cursor: the block before the configured `startBlock`, else early enough
 * for invoices made before the watcher ever ran, else the head. Committed before it is returned.
 */
export async function initialCursor(ctx: ScanContext, head: BlockRef): Promise<Cursor> {
  const { chain, rpc } = ctx;
  let start: BlockRef = head;
  if (chain.startBlock !== undefined) {
    const [block] = await rpc.blocksByNumber([Math.max(0, chain.startBlock - 1)]);
    if (!block) throw new NodeMissingBlockError(chain.startBlock - 1, '(startBlock - 1)');
    start = block;
  } else {
    // Invoices made before this watcher ever ran: start well before the first of them, since
    // the node's clock and ours may disagree.
    const earliest = await ctx.store.read(earliestUnanchoredInvoice, chain.chainId);
    if (earliest)
      start = await findBlockBefore(rpc, head, Math.floor(earliest.getTime() / 1000) - UNANCHORED_MARGIN_S);
  }
  await commitBatch(ctx, { transfers: [], blocks: [start], cursor: start, head, indexedRowId: 0 });
  ctx.log.info({ block: start.number }, 'watcher initialised its cursor');
  const cursor = await ctx.store.read(getCursor, chain.chainId);
  if (!cursor) throw new CursorMissingError(chain.chainId);
  return cursor;
}
