import type { Hash, Hex, PublicClient } from 'viem';
import type { BlockRef, FinalityTag } from '../domain/chain.ts';
import { NodeMissingBlockError } from './errors.ts';

/**
 * Raw JSON-RPC over viem's transports. The watcher reads hex as the node sends it: formatting a
 * million logs into viem's objects costs more than the scan itself, and we need four fields.
 */

export type RpcLog = {
  address: Hex;
  topics: Hex[];
  data: Hex;
  blockNumber: Hex;
  blockHash: Hash;
  transactionHash: Hash;
  logIndex: Hex;
  removed?: boolean;
};

type RpcBlock = { number: Hex; hash: Hash; parentHash: Hash; timestamp: Hex };

export type ChainRpc = ReturnType<typeof createChainRpc>;

const toBlockRef = (block: RpcBlock): BlockRef => ({
  number: Number(BigInt(block.number)),
  hash: block.hash,
  parentHash: block.parentHash,
  timestamp: Number(BigInt(block.timestamp)),
});

export function createChainRpc(client: PublicClient) {
  const hex = (value: number): Hex => `0x${value.toString(16)}`;
  return {
    client,
    /** The latest block's header, or null if the node has none (it would be a broken node). */
    async latestBlock(): Promise<BlockRef> {
      const block = (await client.request({
        method: 'eth_getBlockByNumber',
        params: ['latest', false],
      })) as RpcBlock | null;
      if (!block) throw new NodeMissingBlockError('latest');
      return toBlockRef(block);
    },
    /** The header a block tag names (`safe`, `finalized`), or null when the node answers none. */
    async blockByTag(tag: FinalityTag): Promise<BlockRef | null> {
      const block = (await client.request({
        method: 'eth_getBlockByNumber',
        params: [tag, false],
      })) as RpcBlock | null;
      return block ? toBlockRef(block) : null;
    },
    /** Headers by number; a missing block (the node is behind) is null, never skipped. */
    async blocksByNumber(numbers: readonly number[]): Promise<(BlockRef | null)[]> {
      // viem batches concurrent requests on the http transport into one JSON-RPC batch.
      const blocks = await Promise.all(
        numbers.map(
          (number) =>
            client.request({
              method: 'eth_getBlockByNumber',
              params: [hex(number), false],
            }) as Promise<RpcBlock | null>,
        ),
      );
      return blocks.map((block) => (block ? toBlockRef(block) : null));
    },
    /** Transfer logs of `tokens` in a block range, optionally only to some `to` topics. */
    async logsInRange(args: {
      tokens: readonly Hex[];
      topic0: Hex;
      from: number;
      to: number;
      toTopics?: Hex[];
    }): Promise<RpcLog[]> {
      const topics: (Hex | Hex[] | null)[] = [args.topic0];
      if (args.toTopics) topics.push(null, args.toTopics);
      return (await client.request({
        method: 'eth_getLogs',
        params: [
          { address: [...args.tokens], topics, fromBlock: hex(args.from), toBlock: hex(args.to) } as never,
        ],
      })) as RpcLog[];
    },
    /**
     * Logs of one block by its hash (EIP-234): a node that does not have the block answers with an
     * error instead of an empty list, so a lagging node behind a load balancer cannot make us skip it.
     */
    async logsInBlock(args: { tokens: readonly Hex[]; topic0: Hex; blockHash: Hash }): Promise<RpcLog[]> {
      return (await client.request({
        method: 'eth_getLogs',
        params: [{ address: [...args.tokens], topics: [args.topic0], blockHash: args.blockHash } as never],
      })) as RpcLog[];
    },
  };
}
