import type { BlockRef } from '../domain/chain.ts';
import type { RpcLog } from './rpc.ts';
import type { ScanContext } from './scan-context.ts';

/** Headers of the blocks the logs are in, keyed by hash; a log whose block is not canonical is a miss. */
export async function blocksOfLogs(
  ctx: Pick<ScanContext, 'rpc'>,
  logs: RpcLog[],
): Promise<Map<string, BlockRef>> {
  const numbers = [...new Set(logs.map((rpcLog) => Number(BigInt(rpcLog.blockNumber))))];
  const blocks = await ctx.rpc.blocksByNumber(numbers);
  return new Map(
    blocks.filter((block): block is BlockRef => block !== null).map((block) => [block.hash, block]),
  );
}
