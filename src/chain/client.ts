import { createPublicClient, webSocket } from 'viem';
import type { ChainConfig } from '../config/chains.ts';
import type { Logger } from '../observability/logger.ts';
import { createProviderPool, type ProviderMetrics } from '../rpc/provider-pool.ts';
import { createProvidersClient } from '../rpc/providers-transport.ts';
import { type ChainRpc, createChainRpc } from './rpc.ts';

/**
 * The one place the chain path builds viem clients. The watcher receives them (as ponder's
 * realtime sync receives its `rpc`), so how a node is reached, batched and retried is decided
 * here and nowhere else.
 */

/**
 * A newHeads client on one WebSocket URL. viem's own reconnection is off: when the socket fails,
 * watch-heads.ts moves to the chain's next wsUrl instead of retrying this one for ten seconds.
 */
export function createWsClient(wsUrl: string) {
  return createPublicClient({
    transport: webSocket(wsUrl, { retryCount: 0, reconnect: false, keepAlive: true }),
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
  /** The chain's wsUrls for newHeads (watch-heads.ts), or null to poll only. */
  heads: readonly string[] | null;
  /** Ends every HTTP request in flight and any later one, retries included. */
  abort(): void;
};

/**
 * Both HTTP clients send through one pool of the chain's providers (src/rpc/: failover, back-off,
 * lagging providers kept from heads, per-provider metrics), so what one learns of a provider the
 * other uses.
 *
 * `mode: 'single'` for eth_getLogs ranges: viem joins the requests of one tick into a single
 * JSON-RPC batch, whose response arrives only when all of them are done and counts against one
 * response size limit (two pipelined eth_getLogs of 10,000 logs would exceed it).
 *
 * `retryCount` (4): after every provider failed, the request is tried again. A step makes several
 * calls and fails whole on any one of them, so under packet loss every call needs to get through:
 * with 30 % of connections dropped and 15 % reset mid-response (test/chaos/rpc-faults), 2 retries
 * left a call failing one time in five and the watcher's steps failing in a row. Small calls
 * only: large eth_getLogs ranges retry less, since their range is narrowed instead.
 *
 * `signal`: aborting it ends every request in flight at once, retries included. Retries against a
 * hung node add up to minutes (5 attempts × the request timeout), and a watcher told to stop must
 * not wait them out: its cursor is already saved with every commit.
 */
export function createWatcherClient(
  chain: Pick<ChainConfig, 'chainId' | 'rpcUrls' | 'wsUrls' | 'rpcTimeoutMs' | 'maxProviderLagBlocks'>,
  deps: { logger: Logger; metrics?: ProviderMetrics | undefined },
): WatcherClient {
  // Aborted when the watcher stops: a step waiting on a hung node ends at once, not after its retries.
  const stopping = new AbortController();
  const pool = createProviderPool({
    chainId: chain.chainId,
    urls: chain.rpcUrls,
    timeoutMs: chain.rpcTimeoutMs,
    maxLagBlocks: chain.maxProviderLagBlocks,
    logger: deps.logger,
    metrics: deps.metrics,
    signal: stopping.signal,
  });
  return {
    rpc: createChainRpc(createProvidersClient(pool, { mode: 'batched', retryCount: 4 })),
    logsRpc: createChainRpc(createProvidersClient(pool, { mode: 'single', retryCount: 2 })),
    heads: chain.wsUrls.length > 0 ? chain.wsUrls : null,
    abort: () => stopping.abort(),
  };
}
