import type { BlockRef } from '../store/chain-state.ts';
import type { ChainRpc } from './rpc.ts';

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
  if (!block) throw new Error(`node has no block ${fallbackNumber} while resolving a reorg`);
  return { kind: 'beyond-window', block };
}
