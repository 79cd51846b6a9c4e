import { describe, expect, it } from 'vitest';
import { createBlockClock } from './block-clock.ts';

/** Headers 100, 101, … whose timestamps (s) are 1,700,000,000 plus the running sum of `intervals`. */
function headers(intervals: readonly number[], first = 100) {
  const blocks = [{ number: first, timestamp: 1_700_000_000 }];
  for (const interval of intervals) {
    const last = blocks.at(-1) as { number: number; timestamp: number };
    blocks.push({ number: last.number + 1, timestamp: last.timestamp + interval });
  }
  return blocks;
}

const repeat = (interval: number, times: number) => Array.from({ length: times }, () => interval);

describe('createBlockClock', () => {
  it.each<[string, number[], number | null]>([
    ['a 1 s chain (anvil --block-time 1)', repeat(1, 16), 1000],
    ['a 2 s chain (Base)', repeat(2, 16), 2000],
    ['a 12 s chain with a missed slot', [...repeat(12, 10), 24, ...repeat(12, 5)], 12_000],
    ['too few intervals to tell', repeat(1, 7), null],
    ['automine: one block per transaction, whenever', [0, 3, 1, 7, 0, 2, 5, 1, 0, 9, 4], null],
    ['automine at about one transaction a second', [1, 1, 3, 1, 2, 1, 1, 2, 1, 4, 1, 2], null],
    ['anvil_mine: many blocks in one second', repeat(0, 20), null],
    [
      'faster than a block a second (Arbitrum): whole seconds cannot tell',
      [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1],
      null,
    ],
    ['a 12 s median with intervals off the slot grid', [12, 7, 12, 5, 12, 9, 12, 3, 12, 15, 12], null],
  ])('%s → %s ms', (_name, intervals, expected) => {
    const clock = createBlockClock();
    clock.observe(headers(intervals));
    expect(clock.blockTimeMs()).toBe(expected);
  });

  it('takes a configured block time and learns nothing over it', () => {
    const clock = createBlockClock({ blockTimeMs: 250 });
    expect(clock.blockTimeMs()).toBe(250);
    clock.observe(headers(repeat(12, 16)));
    expect(clock.blockTimeMs()).toBe(250);
  });

  it('learns from headers seen in any order and across calls, a reorg replacing a block', () => {
    const clock = createBlockClock();
    const all = headers(repeat(1, 12));
    clock.observe(all.slice(6).reverse());
    clock.observe(all.slice(0, 6));
    expect(clock.blockTimeMs()).toBe(1000);
    // Block 105 replaced by one two seconds later: a different chain of intervals, still one clock.
    clock.observe([{ number: 105, timestamp: (all[5]?.timestamp ?? 0) + 2 }]);
    expect(clock.blockTimeMs()).toBe(1000);
  });

  it('follows the newest 32 intervals: an automine devnet switched to interval mining gains a clock', () => {
    const clock = createBlockClock();
    clock.observe(headers([0, 3, 1, 7, 0, 2, 5, 1, 0, 9, 4, 0, 6]));
    expect(clock.blockTimeMs()).toBeNull();
    const last = 113;
    let timestamp = 1_700_000_100;
    for (let n = last + 1; n <= last + 32; n++) clock.observe([{ number: n, timestamp: timestamp++ }]);
    expect(clock.blockTimeMs()).toBe(1000);
  });
});
