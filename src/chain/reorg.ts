import type { BlockRef, Cursor } from '../domain/chain.ts';
import { getWindowBlocks, rewindTo } from '../store/chain-state.ts';
import { NodeMissingBlockError } from './errors.ts';
import type { ChainRpc } from './rpc.ts';
import type { ScanContext, StepOutcome } from './scan-context.ts';

export type Ancestor =
  | { kind: 'found'; block: BlockRef }
  /** No stored block is canonical any more: the reorg is deeper than the window. */
  | { kind: 'beyond-window'; block: BlockRef };

/**
 * Walks the stored window (newest first) back to the newest block the node still has with the
 * same hash: the common ancestor. The node's blocks are fetched in one batch. Never relies on
 * `removed: true` logs, which many nodes (the npm anvil among them) do not send.
 */
export async function findCommonAncestor(rpc: ChainRpc, window: readonly BlockRef[]): Promise<Ancestor> {
  const canonical = await rpc.blocksByNumber(window.map((block) => block.number));
  for (const [i, stored] of window.entries()) {
    if (canonical[i]?.hash === stored.hash) return { kind: 'found', block: stored };
  }
  const oldest = window.at(-1);
  const fallbackNumber = Math.max(0, (oldest?.number ?? 1) - 1);
  const [block] = await rpc.blocksByNumber([fallbackNumber]);
  if (!block) throw new NodeMissingBlockError(fallbackNumber, 'while resolving a reorg');
  return { kind: 'beyond-window', block };
}

/**
 * The cursor's block is no longer canonical: walk back to the common ancestor and rewind to it,
 * reverting every transfer above it in the same transaction (store/chain-state.ts rewindTo). A
 * reorg that undoes confirmed blocks (as deep as the confirmation count, or below the tag's block:
 * finality.ts) is an alert, recorded on the cursor for /readyz.
 */
export async function rewindOnReorg(ctx: ScanContext, cursor: Cursor): Promise<StepOutcome> {
  const { chain, log } = ctx;
  const window = await ctx.store.read(getWindowBlocks, chain.chainId);
  const ancestor = await findCommonAncestor(ctx.rpc, window);
  const depth = cursor.number - ancestor.block.number;
  const detail = ctx.finality.deepReorg({
    cursor: cursor.number,
    ancestor: ancestor.block.number,
    beyondWindow: ancestor.kind === 'beyond-window',
    windowLength: window.length,
  });
  const result = await ctx.store.write(rewindTo, {
    chainId: chain.chainId,
    ancestor: ancestor.block,
    now: ctx.clock.now(),
    ...(detail ? { deepDetail: detail } : {}),
  });
  ctx.metrics.chainReorgs.inc(ctx.labels);
  if (detail !== null) log.error({ depth, ...result, alert: 'deep_reorg' }, detail);
  else
    log.warn({ depth, ancestor: ancestor.block.number, ...result }, 'reorg: rewound to the common ancestor');
  if (result.reverted > 0) ctx.onTransfers?.();
  return { kind: 'reorg', ancestor: ancestor.block.number, depth };
}
