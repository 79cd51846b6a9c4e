import { createPublicClient, http, type PublicClient } from 'viem';

/**
 * A client for sweeps: its transport joins the calls of one tick into JSON-RPC batches of 100
 * (balances of many deposit addresses in a few round trips, read-balances.ts), and it never
 * answers from a cache (a receipt check must see the chain as it is after a reorg).
 */
export function createSweepClient(rpcUrl: string): PublicClient {
  return createPublicClient({
    transport: http(rpcUrl, { batch: { batchSize: 100 }, retryCount: 2, timeout: 15_000 }),
    cacheTime: 0,
  });
}
