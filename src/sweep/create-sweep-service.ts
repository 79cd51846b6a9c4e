import type { Hex, PublicClient } from 'viem';
import type { ChainConfig } from '../config/chains.ts';
import type { Clock } from '../domain/clock.ts';
import type { Logger } from '../observability/logger.ts';
import type { Store } from '../store/store.ts';
import type { OpenSweep } from '../store/sweep-rows.ts';
import { createSweepClient } from './create-sweep-client.ts';
import { createUnsignedSweeps } from './create-unsigned-sweeps.ts';
import { reportSweepTransaction } from './report-sweep-transaction.ts';

/**
 * The sweep work behind the API's `/v1/sweeps*` routes. It has the shape of api's `SweepService`
 * (api/api-deps.ts) without importing it: runtime/create-api.ts hands one to the other, so neither
 * part imports the other.
 */
export function createSweepService(deps: { store: Store; logger: Logger; clock: Clock }) {
  const now = () => deps.clock.now();
  // One client per chain for the process (planning reads balances; reports read a transaction).
  const clients = new Map<number, PublicClient>();
  const clientOf = (chain: ChainConfig): PublicClient => {
    let client = clients.get(chain.chainId);
    if (!client) {
      client = createSweepClient(chain, deps);
      clients.set(chain.chainId, client);
    }
    return client;
  };
  return {
    createUnsigned: (
      chain: ChainConfig,
      request: { merchantId: string; min?: string | undefined },
    ): Promise<OpenSweep[]> =>
      createUnsignedSweeps(
        { store: deps.store, client: clientOf(chain), chain, logger: deps.logger, now },
        request,
      ),
    reportTransaction: (chain: ChainConfig, sweep: OpenSweep, txHash: Hex): Promise<OpenSweep> =>
      reportSweepTransaction({ store: deps.store, client: clientOf(chain), chain, now }, sweep, txHash),
  };
}
