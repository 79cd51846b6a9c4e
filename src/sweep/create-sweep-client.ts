import type { PublicClient } from 'viem';
import type { ChainConfig } from '../config/chains.ts';
import type { Logger } from '../observability/logger.ts';
import { createProviderPool } from '../rpc/provider-pool.ts';
import { createProvidersClient } from '../rpc/providers-transport.ts';

/**
 * A client for sweeps, through the chain's providers with failover (src/rpc/): a signed sweep
 * sent to a provider that times out is sent to the next, which is harmless (one signed
 * transaction, one hash: at most one is mined). Its transport joins the calls of one tick into
 * JSON-RPC batches of 100 (balances of many deposit addresses in a few round trips,
 * read-balances.ts), and it never answers from a cache (a receipt check must see the chain as it
 * is after a reorg). Provider metrics are the watcher's: a second pool reporting under the same
 * labels would overwrite its gauges.
 */
export function createSweepClient(
  chain: Pick<ChainConfig, 'chainId' | 'rpcUrls' | 'rpcTimeoutMs' | 'maxProviderLagBlocks'>,
  deps: { logger: Logger },
): PublicClient {
  const pool = createProviderPool({
    chainId: chain.chainId,
    urls: chain.rpcUrls,
    timeoutMs: chain.rpcTimeoutMs,
    maxLagBlocks: chain.maxProviderLagBlocks,
    logger: deps.logger,
  });
  return createProvidersClient(pool, { mode: 'batched', retryCount: 2 });
}
