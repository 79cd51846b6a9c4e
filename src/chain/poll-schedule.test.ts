import { describe, expect, it } from 'vitest';
import type { BlockClock } from './block-clock.ts';
import { createPollSchedule } from './poll-schedule.ts';

/** The bucket a schedule starts with on these intervals (MIN_BUCKET_POLLS). */
const BUCKET_POLLS = 16;

const clockOf = (blockTimeMs: number | null): BlockClock => ({
  observe: () => undefined,
  blockTimeMs: () => blockTimeMs,
});

/** A few milliseconds of jitter, the same in every run: anvil's interval mining wobbles by as much. */
const jitter = (n: number) => ((n * 7919) % 9) - 4;

/**
 * A node and a watcher on a time that the test moves (no timers): block `n` appears at
 * `arrival(n)` (Infinity: never), a poll is answered 2 ms after it is sent, and a poll that finds
 * a new block is followed by 15 ms of work before the watcher asks the schedule again. Returns
 * the polls' send times and, per block, the delay from its arrival to the answer that showed it.
 */
function simulate(args: {
  blockTimeMs: number | null;
  pollIntervalMs: number;
  arrival: (n: number) => number;
  untilMs: number;
}) {
  const schedule = createPollSchedule({
    pollIntervalMs: args.pollIntervalMs,
    blockClock: clockOf(args.blockTimeMs),
  });
  const headAt = (t: number) => {
    let n = -1;
    while (args.arrival(n + 1) <= t) n++;
    return n;
  };
  const polls: number[] = [];
  const delays = new Map<number, number>();
  const fixed: boolean[] = [];
  let t = 0;
  let head = headAt(t);
  while (t < args.untilMs) {
    const seen = headAt(t + 1);
    polls.push(t);
    schedule.polled({ sentAt: t, receivedAt: t + 2, head: seen });
    let now = t + 2;
    if (seen > head) {
      for (let n = head + 1; n <= seen; n++) delays.set(n, now - args.arrival(n));
      head = seen;
      now += 15;
    }
    const next = schedule.nextPollAt(now);
    fixed.push(next === null);
    t = next ?? now + args.pollIntervalMs;
  }
  return { polls, delays, fixed };
}

/** Delays of the blocks from `from` on (after the schedule has learnt the phase). */
const delaysFrom = (delays: Map<number, number>, from: number) =>
  [...delays].filter(([n]) => n >= from).map(([, delay]) => delay);

/** The budget: from the first poll, never more than the bucket plus one poll per interval. */
function expectWithinBudget(polls: readonly number[], pollIntervalMs: number) {
  const first = polls[0] ?? 0;
  for (const [i, at] of polls.entries())
    expect(i + 1).toBeLessThanOrEqual(BUCKET_POLLS + (at - first) / pollIntervalMs + 1);
}

describe('createPollSchedule', () => {
  it('leaves a chain without a block clock on the fixed interval', () => {
    const { fixed } = simulate({
      blockTimeMs: null,
      pollIntervalMs: 1000,
      arrival: (n) => 300 + n * 1000,
      untilMs: 20_000,
    });
    expect(fixed.every(Boolean)).toBe(true);
  });

  it('polls 1 s blocks at a 1 s interval just after each block, at one poll a block', () => {
    const arrival = (n: number) => 437 + n * 1000 + jitter(n);
    const { polls, delays } = simulate({
      blockTimeMs: 1000,
      pollIntervalMs: 1000,
      arrival,
      untilMs: 120_000,
    });
    // A fixed timer would see every block at one phase of the second: up to 1000 ms late.
    expect(Math.max(...delaysFrom(delays, 20))).toBeLessThanOrEqual(25);
    expectWithinBudget(polls, 1000);
    // Learnt, it makes one poll a block and no more.
    expect(polls.filter((at) => at >= 60_000).length).toBeLessThanOrEqual(60);
  });

  it('at intervals shorter than the block time, sees each block sooner and polls less than allowed', () => {
    for (const pollIntervalMs of [100, 250]) {
      const arrival = (n: number) => 611 + n * 1000 + jitter(n);
      const { polls, delays } = simulate({ blockTimeMs: 1000, pollIntervalMs, arrival, untilMs: 60_000 });
      expect(Math.max(...delaysFrom(delays, 10))).toBeLessThanOrEqual(25);
      expectWithinBudget(polls, pollIntervalMs);
      // Fewer polls than a fixed timer makes: none between blocks.
      expect(polls.length).toBeLessThan((60_000 / pollIntervalMs) * 0.6);
    }
  });

  it('polls a chain that stopped making blocks at the interval, never faster, and finds it again', () => {
    // Blocks every second until block 30, none for a minute, then every second again.
    const arrival = (n: number) => (n <= 30 ? 200 + n * 1000 : 90_500 + (n - 31) * 1000);
    const { polls, delays } = simulate({ blockTimeMs: 1000, pollIntervalMs: 250, arrival, untilMs: 120_000 });
    const stalled = polls.filter((at) => at >= 40_000 && at < 90_000);
    expect(stalled.length).toBeLessThanOrEqual(50_000 / 250 + 1);
    expect(stalled.length).toBeGreaterThanOrEqual(50_000 / 250 / 2);
    expectWithinBudget(polls, 250);
    expect(Math.max(...delaysFrom(delays, 45))).toBeLessThanOrEqual(25);
  });

  it('falls back to the fixed interval when blocks arrive with no phase to learn', () => {
    // Each block anywhere in the first 600 ms of its second, as from an uneven load balancer.
    const arrival = (n: number) => n * 1000 + ((n * 7919) % 600);
    const { fixed } = simulate({ blockTimeMs: 1000, pollIntervalMs: 200, arrival, untilMs: 120_000 });
    const late = fixed.slice(fixed.length / 2);
    expect(late.filter(Boolean).length).toBeGreaterThan(late.length * 0.8);
  });
});
