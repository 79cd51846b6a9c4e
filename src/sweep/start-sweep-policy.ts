import { privateKeyToAccount } from 'viem/accounts';
import type { AppContext } from '../runtime/context.ts';
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
 * (store/sweeps.ts recordSweep) before anything is broadcast.
 */
export function startSweepPolicy(
  ctx: AppContext,
  options: { onEvents?: () => void } = {},
): { stop(): Promise<void> } {
  const loops = ctx.config.chains.map((chain) => {
    const key = ctx.config.sweeperPrivateKey(chain.chainId);
    const policy = key ? chain.sweep : undefined;
    const deps: FollowDeps = {
      db: ctx.db,
      client: createSweepClient(chain.rpcUrl),
      chain,
      wallet: key ? privateKeyToAccount(key) : undefined,
      logger: ctx.logger.child({ chainId: chain.chainId, part: 'sweeper' }),
      now: () => ctx.clock.now(),
    };
    let running: Promise<void> | null = null;
    const pass = (kind: 'sweep' | 'follow') => {
      if (running) return;
      const work =
        kind === 'sweep' && policy
          ? runSweeps(deps, { min: policy.minAmount, maxBlockGasPercent: policy.maxBlockGasPercent })
          : // Without the key, leave the gas wallet's sweeps (fee bumps) to the workers that hold it.
            followSweeps(deps, key ? {} : { signedHere: false });
      running = work
        .then(
          () => options.onEvents?.(),
          (error: unknown) => deps.logger.warn({ err: error }, `sweep ${kind} pass failed`),
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
