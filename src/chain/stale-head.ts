import type { ChainConfig } from '../config/chains.ts';
import type { BlockClock } from './block-clock.ts';

/** Without `staleAfterMs` configured, a head is stale after this many expected block times. */
export const STALE_AFTER_BLOCKS = 10;

/**
 * How long the chain's head may stand still before it is stale: the configured `staleAfterMs`, or
 * ten blocks of the chain's clock. Null when neither is known: a chain that makes blocks on demand
 * (anvil's automine) stands still whenever nobody transacts, and that is no alarm.
 */
export function staleAfterMs(
  chain: Pick<ChainConfig, 'staleAfterMs'>,
  blockClock: BlockClock,
): number | null {
  if (chain.staleAfterMs !== undefined) return chain.staleAfterMs;
  const blockTimeMs = blockClock.blockTimeMs();
  return blockTimeMs === null ? null : STALE_AFTER_BLOCKS * blockTimeMs;
}

/** What a check found; `change` is set only by the check that crossed the threshold. */
export type StaleHeadState = {
  head: number | null;
  /** Since the head last advanced (ms), null before any head was seen. */
  ageMs: number | null;
  staleAfterMs: number | null;
  stale: boolean;
  change: 'stale' | 'recovered' | null;
};

export type StaleHead = {
  /** A head the node reported, at `at` (ms). */
  observe(head: number, at: number): void;
  /**
   * What an earlier watcher saved (the cursor's head and when it last advanced), taken as though
   * it had been seen before any head observed here: a stall that began before a restart counts
   * from its start. The watcher reads it from the store after it was created, hence not a parameter.
   */
  restore(saved: { head: number; at: number }): void;
  check(now: number, staleAfterMs: number | null): StaleHeadState;
};

/**
 * Follows when the best head last advanced. Pure: the watcher feeds it every head it reads and
 * logs each change once (watcher.ts).
 */
export function createStaleHead(): StaleHead {
  // Invariant: `advancedAt` is when `head` was first seen above every head before it.
  let head: number | null = null;
  let advancedAt: number | null = null;
  let stale = false;
  return {
    observe(seen, at) {
      if (head !== null && seen <= head) return;
      head = seen;
      advancedAt = at;
    },
    restore(saved) {
      // Seen first, the saved head would have kept every head up to it from counting as an advance.
      if (head !== null && saved.head < head) return;
      head = saved.head;
      advancedAt = saved.at;
    },
    check(now, threshold) {
      const ageMs = advancedAt === null ? null : Math.max(0, now - advancedAt);
      const isStale = threshold !== null && ageMs !== null && ageMs > threshold;
      const change = isStale === stale ? null : isStale ? 'stale' : 'recovered';
      stale = isStale;
      return { head, ageMs, staleAfterMs: threshold, stale, change };
    },
  };
}
