import type { BlockClock } from './block-clock.ts';

/**
 * When a polling watcher asks the node for its head next, placed by the chain's block clock
 * (block-clock.ts). Pure: it hears of each poll and answers with a time.
 *
 * A fixed timer samples one phase of the block clock: at a 1 s interval on 1 s blocks every block
 * waits for the same part of a second, up to the whole of it (docs/benchmarks.md §1). This
 * schedule learns when blocks appear at the node, as seen from here, and polls there instead:
 * - every poll bounds the next block's arrival: the block was not there when a poll that missed
 *   it was sent, and it was there when a poll that saw it was answered. Shifted by the block time,
 *   the bounds of one block are the belief for the next, narrowed by each block that agrees. Block
 *   timestamps (whole seconds on anvil) cannot place a block within its second; sightings can;
 * - a block's poll goes just after the end of its window, where the block should be by then;
 *   while the budget has polls to spare, it probes the middle instead and halves the window, so
 *   the window shrinks to a few milliseconds and the poll lands just after each block. Without
 *   polls to spare (an interval as long as the block time) a late block costs a whole block, so
 *   the poll waits as long after the window as recent blocks came late;
 * - a block later than its window gets a burst of polls, spaced wider each time, up to the
 *   configured interval: a chain that stalled is polled as before, never faster;
 * - the budget: polls are paid from a bucket that refills one poll per `pollIntervalMs`, so on
 *   average a node is never polled faster than configured. Polls not needed between blocks are
 *   saved for probes and bursts. Polls of steps that are still catching up are work, not head
 *   polls, and are not charged;
 * - blocks whose arrivals do not agree on one phase (a node behind a load balancer, a chain whose
 *   blocks reach the node unevenly) leave the watcher on its fixed interval, as before.
 */

/** One answered head poll, on the watcher's clock (ms). */
export type HeadPoll = { sentAt: number; receivedAt: number; head: number };

export type PollSchedule = {
  /** A head poll was answered; `charged: false` for a step that is still catching up. */
  polled(poll: HeadPoll, options?: { charged?: boolean }): void;
  /** When to poll next (ms), or null to poll every `pollIntervalMs` (no clock, no phase). */
  nextPollAt(now: number): number | null;
};

/**
 * The bucket holds at least this many polls, at most a block's worth plus the reserve: enough to
 * learn a phase to a few milliseconds on a 1 s interval (each probe halves the window, and only
 * the probes that miss cost a poll).
 */
const MIN_BUCKET_POLLS = 16;
const MAX_BUCKET_POLLS = 32;
/** A probe leaves this many polls in the bucket: the poll at the window's end and two bursts. */
const PROBE_RESERVE_POLLS = 3;
/** Arrivals compared for one phase, and the blocks a chain without one stays on the timer, at least. */
const ARRIVALS_KEPT = 16;
/** Blocks whose lateness sets the margin of a poll that cannot afford a burst. */
const LATE_BLOCKS_KEPT = 32;
const MAX_IRREGULAR_BLOCKS = 1024;

/** The spacing of a burst, and the margin after a window's end: half a percent of a block. */
const burstMs = (blockTimeMs: number) => Math.max(5, blockTimeMs / 200);

/** When a block appears at the node: after `lo`, by `hi` (ms). */
type Window = { lo: number; hi: number };
/** The window believed for the next block, and how many blocks in a row came after theirs. */
type Belief = Window & { late: number };

export function createPollSchedule(args: { pollIntervalMs: number; blockClock: BlockClock }): PollSchedule {
  const { pollIntervalMs, blockClock } = args;

  // The head last seen and the send time of the last poll.
  let head: number | null = null;
  let lastSentAt = 0;
  // The belief about block head + 1; null without a clock or before a block was seen arriving.
  let belief: Belief | null = null;
  // Polls since the head last moved (each missed the next block), and the polls sent after the
  // belief's end that did not see its block (the last poll may have seen the block before it):
  // they space the burst.
  let missed = 0;
  let overdue = 0;
  // The last blocks' arrivals as seen, shifted to block 0: they agree on one phase, or the chain
  // is irregular and stays on the timer until `irregularUntil` (a head), longer each time.
  const arrivals: Window[] = [];
  let irregularUntil = 0;
  let irregularSpells = 0;
  // How late blocks came after their window's end (ms), by head, for the last LATE_BLOCKS_KEPT
  // blocks: the margin of a poll that cannot afford a burst.
  const lateBlocks: { head: number; ms: number }[] = [];
  // The budget: `tokens` polls in the bucket at time `tokensAt`; full at the start.
  let tokens = Number.POSITIVE_INFINITY;
  let tokensAt = 0;

  const capacity = (blockTimeMs: number | null) =>
    Math.min(
      MAX_BUCKET_POLLS,
      Math.max(MIN_BUCKET_POLLS, Math.ceil((blockTimeMs ?? 0) / pollIntervalMs) + PROBE_RESERVE_POLLS),
    );
  const tokensBy = (at: number, blockTimeMs: number | null) =>
    Math.min(capacity(blockTimeMs), tokens + (at - tokensAt) / pollIntervalMs);

  /** The belief for the block after a new head: what was seen, narrowed by what was believed. */
  function nextBelief(poll: HeadPoll, previous: number, blockTimeMs: number): Belief {
    const burst = burstMs(blockTimeMs);
    // Several new blocks at once: jitter could have put them anywhere since the last poll, so the
    // newest one's window starts there (a wide window: it narrows nothing).
    const seen = { lo: lastSentAt, hi: poll.receivedAt };
    const between = (poll.head - previous - 1) * blockTimeMs;
    const believed = belief && { lo: belief.lo + between, hi: belief.hi + between, late: belief.late };
    let arrival: Window = seen;
    let late = 0;
    if (believed) {
      const wide = seen.hi - seen.lo > 2 * burst;
      const agreed = { lo: Math.max(seen.lo, believed.lo), hi: Math.min(seen.hi, believed.hi) };
      if (seen.lo >= believed.hi + blockTimeMs / 2 || seen.hi <= believed.lo - blockTimeMs / 2) {
        // Half a block off: the chain stalled or restarted, with a new phase if any.
        arrivals.length = 0;
      } else if (seen.lo >= believed.hi) {
        // Later than believed: a poll after the window missed it. One such block is jitter and
        // the belief stands; more in a row move it: to what a burst saw, or, when the block was
        // seen only a block later (the bucket was empty), later each time, twice as far.
        late = believed.late + 1;
        if (late === 1) arrival = believed;
        else if (wide) arrival = { lo: believed.hi, hi: believed.hi + 4 * burst * 2 ** (late - 2) };
      } else if (agreed.lo < agreed.hi) {
        // Seen by the first poll after the last head, the block may have come earlier than
        // believed: the window reaches twice as far back, so that probes follow a phase that
        // moved earlier.
        arrival = missed > 0 ? agreed : { lo: Math.max(seen.lo, 2 * agreed.lo - agreed.hi), hi: agreed.hi };
      }
      // Otherwise the block came earlier than believed: what was seen replaces the belief.
    }
    arrivals.push({ lo: seen.lo - poll.head * blockTimeMs, hi: seen.hi - poll.head * blockTimeMs });
    if (arrivals.length > ARRIVALS_KEPT) arrivals.shift();
    // The phase may drift: the window widens by half a percent of a block at each block.
    return { lo: arrival.lo + blockTimeMs - blockTimeMs / 200, hi: arrival.hi + blockTimeMs, late };
  }

  /**
   * Whether the chain keeps a phase: the arrivals kept agree within a tenth of a block or half the
   * interval (beyond that the timer does as well), but for two. A chain that does not stays on the timer for
   * 16 blocks, then 32, 64…: its windows on the timer are too wide to show the disagreement.
   */
  function keepsPhase(blockTimeMs: number, current: number): boolean {
    if (current < irregularUntil) return false;
    // The third latest and third earliest: two blocks of a rare jitter do not make a chain irregular.
    const los = arrivals.map((arrival) => arrival.lo).sort((a, b) => b - a);
    const his = arrivals.map((arrival) => arrival.hi).sort((a, b) => a - b);
    const spread = (los[Math.min(2, los.length - 1)] ?? 0) - (his[Math.min(2, his.length - 1)] ?? 0);
    if (spread <= Math.min(blockTimeMs / 10, pollIntervalMs / 2)) return true;
    irregularUntil = current + Math.min(MAX_IRREGULAR_BLOCKS, ARRIVALS_KEPT * 2 ** irregularSpells++);
    arrivals.length = 0;
    return false;
  }

  /**
   * The first time from `at` at which the bucket holds a poll and, by the next block's poll, holds
   * one for that too; else the poll moves to a later block's time. Waiting for a poll mid-block
   * would put every later poll as late, when the bucket refills at one poll a block.
   */
  function withinBudget(at: number, next: number, blockTimeMs: number): number {
    const missing = 1 - tokensBy(at, blockTimeMs);
    const paid = missing > 0 ? at + missing * pollIntervalMs : at;
    if (paid <= next && tokensBy(next, blockTimeMs) >= 2) return paid;
    let later = next;
    while (tokensBy(later, blockTimeMs) < 1) later += blockTimeMs;
    return Math.max(paid, later);
  }

  return {
    polled(poll, options = {}) {
      const blockTimeMs = blockClock.blockTimeMs();
      if (options.charged !== false) {
        tokens = Math.max(0, tokensBy(poll.sentAt, blockTimeMs) - 1);
        tokensAt = poll.sentAt;
      }
      if (blockTimeMs === null || head === null || poll.head < head) {
        // No clock, a first poll, or a node that went back (a reorg, a lagging node): start over.
        belief = null;
        arrivals.length = 0;
      } else if (poll.head > head) {
        // Late, and caught by a burst: how late is known (a block seen only a block later is not).
        if (belief && overdue > 0 && poll.receivedAt - lastSentAt <= 4 * burstMs(blockTimeMs))
          lateBlocks.push({ head: poll.head, ms: Math.min(blockTimeMs / 10, poll.receivedAt - belief.hi) });
        while ((lateBlocks[0]?.head ?? poll.head) <= poll.head - LATE_BLOCKS_KEPT) lateBlocks.shift();
        belief = nextBelief(poll, head, blockTimeMs);
      }
      if (poll.head !== head) missed = overdue = 0;
      // A poll after the window's end that did not see the next block: it is late (this poll
      // may also be the one that saw a late block before it, a block late itself).
      if (poll.head === head) missed++;
      if (belief && poll.sentAt >= belief.hi) overdue++;
      head = poll.head;
      lastSentAt = poll.sentAt;
    },

    nextPollAt(now) {
      const blockTimeMs = blockClock.blockTimeMs();
      if (blockTimeMs === null || belief === null || head === null || !keepsPhase(blockTimeMs, head))
        return null;
      const burst = burstMs(blockTimeMs);
      // The last poll saw no block after the head, so it bounds the belief from below.
      const lo = Math.max(belief.lo, lastSentAt);
      const { hi } = belief;
      const middle = (lo + hi) / 2;
      // With polls to spare a late block costs a burst poll; without, it costs a whole block (the
      // next poll sees it), so the poll waits as long after the window as recent blocks came late.
      const spare = tokensBy(hi, blockTimeMs) >= PROBE_RESERVE_POLLS + 1;
      let at = hi + (spare ? burst : Math.max(burst, ...lateBlocks.map((late) => late.ms)));
      if (overdue > 0) at = lastSentAt + Math.min(pollIntervalMs, burst * 2 ** (overdue - 1));
      else if (hi - lo > burst && tokensBy(middle, blockTimeMs) >= PROBE_RESERVE_POLLS + 1)
        at = Math.max(middle, lastSentAt + burst);
      return Math.max(now, withinBudget(at, hi + burst + blockTimeMs, blockTimeMs));
    },
  };
}
