import type { BlockRef, Cursor } from '../domain/chain.ts';
import { getCursor, markSynced } from '../store/chain-state.ts';
import { catchUp } from './catch-up.ts';
import { initialCursor } from './initial-cursor.ts';
import { rewindOnReorg } from './reorg.ts';
import type { ScanContext, StepOutcome } from './scan-context.ts';
import { staleAfterMs } from './stale-head.ts';
import { stepBackfill } from './step-backfill.ts';
import { stepNearHead } from './step-near-head.ts';

/** How long a node may report a head below our cursor before its chain is believed. */
const NODE_BEHIND_GRACE_MS = 30_000;

/** How often an idle watcher refreshes `synced_at` (expiry and /readyz read it). */
const SYNCED_WRITE_INTERVAL_MS = 2000;

/** Headers below the head a watcher reads at its first step, to learn the chain's block clock. */
const CLOCK_SEED_BLOCKS = 16;

/**
 * What one step remembers of the steps before it. None of it is committed: a new watcher starts
 * with a fresh state and loses only a grace period or a refresh of `synced_at`.
 * - `behindSince`: when the node first reported a head below the cursor, null while it does not;
 * - `lastSyncedWrite`, `lastSyncedHead`: the time and head of the last `synced_at` written, so an
 *   idle watcher writes it every SYNCED_WRITE_INTERVAL_MS or on a new head, not every poll;
 * - `clockSeeded`: the block clock has seen the headers below the first head.
 */
type StepState = {
  behindSince: number | null;
  lastSyncedWrite: number;
  lastSyncedHead: number;
  clockSeeded: boolean;
};

/**
 * The headers just below the head, for a block clock that is neither configured nor learnt yet:
 * without them a new watcher would poll on its fixed interval until it had seen a dozen blocks.
 */
async function seedBlockClock(ctx: ScanContext, head: BlockRef): Promise<void> {
  if (ctx.blockClock.blockTimeMs() !== null) return;
  const from = Math.max(0, head.number - CLOCK_SEED_BLOCKS);
  const numbers = Array.from({ length: head.number - from }, (_, i) => from + i);
  const headers = await ctx.rpc.blocksByNumber(numbers);
  ctx.blockClock.observe(headers.filter((header) => header !== null));
}

/** One step: follow the head by at most one range, or rewind on a reorg. */
export function createStep(ctx: ScanContext): () => Promise<StepOutcome> {
  const { store, chain, metrics, labels } = ctx;
  const state: StepState = { behindSince: null, lastSyncedWrite: 0, lastSyncedHead: -1, clockSeeded: false };

  /**
   * The node reports a head below our cursor: a lagging node behind a load balancer (wait), or a
   * chain that lost blocks, e.g. a devnet restarted from an older state (a reorg). Only a node that
   * stays behind for NODE_BEHIND_GRACE_MS is treated as the latter, so lag never reverts payments.
   */
  async function nodeBehind(cursor: Cursor, head: BlockRef): Promise<StepOutcome> {
    const now = ctx.clock.now().getTime();
    state.behindSince ??= now;
    if (now - state.behindSince < NODE_BEHIND_GRACE_MS) {
      ctx.log.warn({ head: head.number, cursor: cursor.number }, 'node is behind the cursor; waiting');
      return { kind: 'synced' };
    }
    state.behindSince = null;
    return rewindOnReorg(ctx, cursor);
  }

  return async function step(): Promise<StepOutcome> {
    const stored = await store.read(getCursor, chain.chainId);
    const sentAt = ctx.clock.now().getTime();
    // One batch: with a block tag, finality reads the tag's block beside the head (finality.ts).
    const [head] = await Promise.all([ctx.rpc.latestBlock(), ctx.finality.observe(stored)]);
    ctx.onHead({ sentAt, receivedAt: ctx.clock.now().getTime(), head: head.number }, head);
    ctx.blockClock.observe([head]);
    if (!state.clockSeeded) {
      await seedBlockClock(ctx, head);
      state.clockSeeded = true;
    }
    metrics.chainHead.set(labels, head.number);
    const cursor = stored ?? (await initialCursor(ctx, head));
    await catchUp(ctx, cursor, head);
    metrics.chainHeadLag.set(labels, Math.max(0, head.number - cursor.number));
    const backfill = head.number - cursor.number > ctx.finality.windowSize;
    // Ranges read ahead serve one continuous backfill: a later one must not use blocks read
    // before the rewinds that steps near the head may make.
    if (!backfill) ctx.ranges.discard();
    if (head.number < cursor.number) return nodeBehind(cursor, head);
    state.behindSince = null;
    if (head.number === cursor.number) {
      // Same height (anvil_reorg keeps it): the head must still be our cursor block.
      if (head.hash !== cursor.hash) return rewindOnReorg(ctx, cursor);
      // Each write is a commit (an fsync) the workers wait behind: refresh the mark every few seconds.
      const now = ctx.clock.now();
      if (
        now.getTime() - state.lastSyncedWrite >= SYNCED_WRITE_INTERVAL_MS ||
        head.number !== state.lastSyncedHead
      ) {
        await store.write(markSynced, chain.chainId, head.number, now, staleAfterMs(chain, ctx.blockClock));
        state.lastSyncedWrite = now.getTime();
        state.lastSyncedHead = head.number;
      }
      return { kind: 'synced' };
    }
    return backfill ? stepBackfill(ctx, cursor, head) : stepNearHead(ctx, cursor, head);
  };
}
