import { privateKeyToAccount } from 'viem/accounts';
import type { Config } from '../config/env.ts';
import type { Clock } from '../domain/clock.ts';
import type { Logger } from '../observability/logger.ts';
import type { Store } from '../store/store.ts';
import { createSweepClient } from './create-sweep-client.ts';
import { type FollowDeps, followSweeps } from './follow-sweeps.ts';
import { runSweeps } from './run-sweeps.ts';

/** How often sweeps in flight are looked at (receipts, confirmations, drops, reorgs). */
export const FOLLOW_INTERVAL_MS = 5_000;

/**
 * The sweep policy of `stablegate work` (README "Sweeps"): on each chain with a `sweep` section and
 * a gas wallet, a sweep pass every `intervalSeconds` for addresses holding at least `minAmount`;
 * on every chain, the sweeps in flight followed in between (the unsigned ones a merchant's wallet
 * sends too, so they are confirmed or expire). One pass at a time per chain; several worker
 * processes may run it, as the store refuses a second sweep of an address in flight
 * (store/sweep-writes.ts recordSweep) before anything is broadcast.
 */
export function startSweepPolicy(
  deps: { store: Store; logger: Logger; clock: Clock; config: Pick<Config, 'chains' | 'sweeperPrivateKey'> },
  options: { onEvents?: () => void } = {},
): { stop(): Promise<void> } {
  const loops = deps.config.chains.map((chain) => {
    const key = deps.config.sweeperPrivateKey(chain.chainId);
    const policy = key ? chain.sweep : undefined;
    const follow: FollowDeps = {
      store: deps.store,
      client: createSweepClient(chain, deps),
      chain,
      wallet: key ? privateKeyToAccount(key) : undefined,
      logger: deps.logger.child({ chainId: chain.chainId, part: 'sweeper' }),
      now: () => deps.clock.now(),
    };
    let running: Promise<void> | null = null;
    const pass = (kind: 'sweep' | 'follow') => {
      if (running) return;
      const work =
        kind === 'sweep' && policy
          ? runSweeps(follow, { min: policy.minAmount, maxBlockGasPercent: policy.maxBlockGasPercent })
          : // Without the key, leave the gas wallet's sweeps (fee bumps) to the workers that hold it.
            followSweeps(follow, key ? {} : { signedHere: false });
      running = work
        .then(
          () => options.onEvents?.(),
          (error: unknown) => follow.logger.warn({ err: error }, `sweep ${kind} pass failed`),
        )
        .finally(() => {
          running = null;
        });
    };
    const timers = [setInterval(() => pass('follow'), FOLLOW_INTERVAL_MS)];
    if (policy) timers.push(setInterval(() => pass('sweep'), policy.intervalSeconds * 1000));
    for (const timer of timers) timer.unref();
    pass('follow');
    return async () => {
      for (const timer of timers) clearInterval(timer);
      await running;
    };
  });
  return {
    async stop() {
      await Promise.all(loops.map((stop) => stop()));
    },
  };
}
