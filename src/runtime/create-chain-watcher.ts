import { createWatcherClient } from '../chain/client.ts';
import { createWatcher, type Watcher } from '../chain/watcher.ts';
import type { ChainConfig } from '../config/chains.ts';
import type { AppContext } from './context.ts';

/** A watcher for one chain with clients of its own (its stop() aborts them). */
export function createChainWatcher(
  ctx: Pick<AppContext, 'store' | 'logger' | 'clock' | 'metrics'>,
  chain: ChainConfig,
  options: { onTransfers?: () => void } = {},
): Watcher {
  return createWatcher({
    store: ctx.store,
    logger: ctx.logger,
    clock: ctx.clock,
    metrics: ctx.metrics,
    chain,
    client: createWatcherClient(chain, { logger: ctx.logger, metrics: ctx.metrics }),
    onTransfers: options.onTransfers,
  });
}
