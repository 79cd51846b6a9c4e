import { createPublicClient, type Hash, type Hex, http, type PublicClient, webSocket } from 'viem';
import type { BlockRef } from '../store/chain-state.ts';

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

/**
 * `batch: false` for a client whose requests must each travel alone: viem joins the requests of
 * one tick into a single JSON-RPC batch, whose response arrives only when all of them are done and
 * counts against one response size limit (two pipelined eth_getLogs of 10,000 logs would exceed it).
 *
 * `retryCount` (default 4): transport retries absorb flaky connections. A step makes several calls
 * and fails whole on any one of them, so under packet loss every call needs to get through: with
 * 30 % of connections dropped and 15 % reset mid-response (test/chaos/rpc-faults), 2 retries left
 * a call failing one time in five and the watcher's steps failing in a row. Small calls only: a
 * client for large eth_getLogs ranges should retry less, since its range is narrowed instead.
 *
 * `signal`: aborting it ends every request in flight at once, retries included. Retries against a
 * hung node add up to minutes (5 attempts × the 15 s timeout), and a watcher told to stop must not
 * wait them out: its cursor is already saved with every commit.
 */
export function createHttpClient(
  rpcUrl: string,
  options: { batch?: boolean; retryCount?: number; signal?: AbortSignal } = {},
): PublicClient {
  // cacheTime 0: a watcher must never be answered from viem's cache of an older head.
  return createPublicClient({
    transport: http(rpcUrl, {
      batch: options.batch === false ? false : { batchSize: 100 },
      retryCount: options.retryCount ?? 4,
      timeout: 15_000,
      ...(options.signal ? { fetchOptions: { signal: options.signal } } : {}),
    }),
    cacheTime: 0,
  });
}

export function createWsClient(wsUrl: string) {
  return createPublicClient({
    transport: webSocket(wsUrl, { retryCount: 5, reconnect: true, keepAlive: true }),
    cacheTime: 0,
  });
}

/** Closes a WebSocket client's socket (and its keep-alive timer), which viem leaves open. */
export async function closeWsClient(client: ReturnType<typeof createWsClient>): Promise<void> {
  const rpc = await client.transport.getRpcClient().catch(() => null);
  rpc?.close();
}

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
      if (!block) throw new Error('node returned no latest block');
      return toBlockRef(block);
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
