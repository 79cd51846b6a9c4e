import type { LocalAccount } from 'viem';
import { listOpenSweeps } from '../store/sweep-reads.ts';
import type { OpenSweep } from '../store/sweep-rows.ts';
import { type FollowDeps, followSweeps } from './follow-sweeps.ts';
import { planChainSweeps, type SweepPlanRequest } from './plan-chain-sweeps.ts';
import type { SweepBatch } from './plan-sweeps.ts';
import { submitSweep } from './submit-sweep.ts';

export type RunSweepsRequest = SweepPlanRequest & { dryRun?: boolean; maxBlockGasPercent?: number };

/**
 * One sweep pass on a chain: settle the sweeps in flight first (so their addresses are either
 * done or free again), then plan and, with a gas wallet and not a dry run, submit each batch.
 * Stops at the first batch the wallet cannot pay (GasWalletUnfundedError, rethrown).
 */
export async function runSweeps(
  deps: FollowDeps,
  request: RunSweepsRequest = {},
): Promise<{ batches: SweepBatch[]; submitted: OpenSweep[] }> {
  await followSweeps(deps);
  const batches = await planChainSweeps({
    store: deps.store,
    client: deps.client,
    chain: deps.chain,
    request,
    ...(request.maxBlockGasPercent ? { maxBlockGasPercent: request.maxBlockGasPercent } : {}),
  });
  const submitted: OpenSweep[] = [];
  if (request.dryRun || !deps.wallet) return { batches, submitted };
  const wallet: LocalAccount = deps.wallet;
  for (const batch of batches) submitted.push(await submitSweep({ ...deps, wallet }, batch));
  return { batches, submitted };
}

/**
 * Follows the chain's sweeps in flight until none is left or the deadline passes (the CLI waits
 * for its sweeps to be confirmed). The pause is the poll interval inside a deadline.
 */
export async function settleSweeps(deps: FollowDeps, options: { timeoutMs: number; pollMs?: number }) {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    await followSweeps(deps);
    const open = await deps.store.read(listOpenSweeps, deps.chain.chainId);
    if (open.length === 0) return;
    if (Date.now() >= deadline)
      throw new Error(
        `${open.length} sweep(s) still unconfirmed after ${options.timeoutMs} ms: ${open.map((s) => s.txHash).join(', ')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
}
