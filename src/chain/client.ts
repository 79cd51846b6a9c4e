import { createPublicClient, http, type PublicClient, webSocket } from 'viem';
import type { ChainConfig } from '../config/chains.ts';
import { type ChainRpc, createChainRpc } from './rpc.ts';

/**
 * The one place the chain path builds viem clients. The watcher receives them (as ponder's
 * realtime sync receives its `rpc`), so how a node is reached, batched and retried is decided
 * here and nowhere else.
 */

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

export type WsClient = ReturnType<typeof createWsClient>;

/** The clients one watcher uses. It is the watcher's own: `abort()` ends it for good. */
export type WatcherClient = {
  /** Headers and small calls: batched, 4 retries. */
  rpc: ChainRpc;
  /**
   * Backfill eth_getLogs ranges: unbatched, 2 retries. A range that keeps failing is narrowed by
   * the sizer rather than sent whole five times.
   */
  logsRpc: ChainRpc;
  /** newHeads over WebSocket when the chain has a `wsUrl`; it connects on its first subscription. */
  heads: WsClient | null;
  /** Ends every HTTP request in flight and any later one, retries included. */
  abort(): void;
};

export function createWatcherClient(chain: Pick<ChainConfig, 'rpcUrl' | 'wsUrl'>): WatcherClient {
  // Aborted when the watcher stops: a step waiting on a hung node ends at once, not after its retries.
  const stopping = new AbortController();
  return {
    rpc: createChainRpc(createHttpClient(chain.rpcUrl, { signal: stopping.signal })),
    logsRpc: createChainRpc(
      createHttpClient(chain.rpcUrl, { batch: false, retryCount: 2, signal: stopping.signal }),
    ),
    heads: chain.wsUrl ? createWsClient(chain.wsUrl) : null,
    abort: () => stopping.abort(),
  };
}
