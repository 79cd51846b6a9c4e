/**
 * A chain's block clock: how often it makes a block, learnt from the timestamps of its recent
 * headers, or configured (`blockTimeMs` in the chains file). Pure: it sees headers, never a node.
 *
 * Timestamps have a resolution of one second, so the clock is learnt in whole seconds: the median
 * of the intervals between consecutive blocks, which a missed slot (an Ethereum interval of 24 s
 * among 12 s ones) does not move. A chain has a clock only when its intervals are regular:
 * - anvil's automine makes a block per transaction, on demand. Its intervals are whatever the
 *   traffic was (0, 3, 1, 7 s…), and `anvil_mine` makes many blocks in one second: no clock, so
 *   neither an early poll nor a stale-head alarm is derived from it;
 * - a chain faster than a block per second (Arbitrum, BNB Chain) shows intervals of 0 and 1 s,
 *   which automine under load shows as well: its clock must be configured.
 */

/** Consecutive intervals the clock keeps; the median of 32 ignores a few missed slots. */
const INTERVALS_KEPT = 32;
/** Fewer intervals than this tell nothing yet (a watcher seeds itself with recent headers). */
const MIN_INTERVALS = 8;
/** The share of intervals that must fit the median for the chain to have a clock. */
const REGULAR_SHARE = 0.8;

export type BlockClock = {
  /** Headers the watcher has read, in any order; a number seen again (a reorg) replaces the old. */
  observe(blocks: readonly { number: number; timestamp: number }[]): void;
  /** The expected time between blocks, or null when the chain has no block clock. */
  blockTimeMs(): number | null;
};

export function createBlockClock(options: { blockTimeMs?: number | undefined } = {}): BlockClock {
  const configured = options.blockTimeMs ?? null;
  // number → timestamp (s) of the newest headers seen, at most INTERVALS_KEPT + 1 of them.
  const timestamps = new Map<number, number>();
  let learnt: number | null = null;

  return {
    observe(blocks) {
      if (configured !== null || blocks.length === 0) return;
      for (const block of blocks) timestamps.set(block.number, block.timestamp);
      const numbers = [...timestamps.keys()].sort((a, b) => a - b);
      for (const number of numbers.slice(0, Math.max(0, numbers.length - INTERVALS_KEPT - 1)))
        timestamps.delete(number);
      learnt = learnBlockTimeMs(timestamps);
    },
    blockTimeMs: () => configured ?? learnt,
  };
}

/** The clock of these headers (number → timestamp in seconds), or null when they show none. */
function learnBlockTimeMs(timestamps: ReadonlyMap<number, number>): number | null {
  const intervals: number[] = [];
  for (const [number, timestamp] of timestamps) {
    const next = timestamps.get(number + 1);
    if (next !== undefined) intervals.push(next - timestamp);
  }
  if (intervals.length < MIN_INTERVALS) return null;
  const sorted = [...intervals].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  if (median < 1) return null;
  const fits = intervals.filter((interval) => fitsClock(interval, median)).length;
  return fits >= REGULAR_SHARE * intervals.length ? median * 1000 : null;
}

/**
 * An interval fits a clock of `median` seconds when it is the median, or a whole multiple of it
 * (missed slots) on a clock of two seconds or more. On a 1 s clock every interval is a multiple,
 * so only the exact value counts: automine at about one transaction a second is not a clock.
 */
function fitsClock(interval: number, median: number): boolean {
  if (interval === median) return true;
  return median >= 2 && interval > 0 && interval % median === 0;
}
