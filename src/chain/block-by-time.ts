import type { BlockRef } from '../store/chain-state.ts';
import type { ChainRpc } from './rpc.ts';

/** The newest block with a timestamp at or before `timestampS`, by binary search (≈ log2(head) calls). */
export async function findBlockBefore(rpc: ChainRpc, head: BlockRef, timestampS: number): Promise<BlockRef> {
  if (head.timestamp <= timestampS) return head;
  let low = 0;
  let high = head.number;
  let best: BlockRef | null = null;
  while (low <= high) {
    const middle = Math.floor((low + high) / 2);
    const [block] = await rpc.blocksByNumber([middle]);
    if (!block) throw new Error(`node has no block ${middle}`);
    if (block.timestamp <= timestampS) {
      best = block;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  if (best) return best;
  const [genesis] = await rpc.blocksByNumber([0]);
  if (!genesis) throw new Error('node has no genesis block');
  return genesis;
}
