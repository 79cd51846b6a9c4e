import { describe, expect, it } from 'vitest';
import type { BlockClock } from './block-clock.ts';
import { createStaleHead, staleAfterMs } from './stale-head.ts';

const clockOf = (blockTimeMs: number | null): BlockClock => ({
  observe: () => undefined,
  blockTimeMs: () => blockTimeMs,
});

describe('staleAfterMs', () => {
  it.each<[string, number | undefined, number | null, number | null]>([
    ['configured', 30_000, 12_000, 30_000],
    ['configured, on a chain without a clock', 30_000, null, 30_000],
    ['ten block times of a learnt or configured clock', undefined, 2000, 20_000],
    ['no alarm without a clock (automine)', undefined, null, null],
  ])('%s', (_name, configured, blockTimeMs, expected) => {
    expect(staleAfterMs({ staleAfterMs: configured }, clockOf(blockTimeMs))).toBe(expected);
  });
});

describe('createStaleHead', () => {
  it('turns stale once past the limit, says so once, and recovers when the head advances', () => {
    const staleHead = createStaleHead();
    staleHead.observe(100, 0);
    expect(staleHead.check(5_000, 10_000)).toEqual({
      head: 100,
      ageMs: 5_000,
      staleAfterMs: 10_000,
      stale: false,
      change: null,
    });
    // The same head again, or a lower one (a lagging node): no advance.
    staleHead.observe(100, 6_000);
    staleHead.observe(99, 7_000);
    expect(staleHead.check(10_001, 10_000)).toMatchObject({ stale: true, change: 'stale', ageMs: 10_001 });
    expect(staleHead.check(20_000, 10_000)).toMatchObject({ stale: true, change: null });
    staleHead.observe(101, 21_000);
    expect(staleHead.check(21_000, 10_000)).toMatchObject({
      head: 101,
      ageMs: 0,
      stale: false,
      change: 'recovered',
    });
  });

  it('raises nothing without a limit, however long the head stands still', () => {
    const staleHead = createStaleHead();
    staleHead.observe(7, 0);
    expect(staleHead.check(3_600_000, null)).toMatchObject({ stale: false, change: null, ageMs: 3_600_000 });
  });

  it('counts a stall from when the saved head last advanced, across a restart', () => {
    const staleHead = createStaleHead();
    staleHead.restore({ head: 100, at: 0 });
    staleHead.observe(100, 60_000);
    expect(staleHead.check(60_000, 10_000)).toMatchObject({ stale: true, change: 'stale', ageMs: 60_000 });
  });

  it('takes the saved head as seen first, whether it is restored before or after a head', () => {
    const same = createStaleHead();
    same.observe(100, 60_000);
    same.restore({ head: 100, at: 0 });
    expect(same.check(60_000, 10_000)).toMatchObject({ head: 100, ageMs: 60_000, stale: true });
    const advanced = createStaleHead();
    advanced.observe(101, 60_000);
    advanced.restore({ head: 100, at: 0 });
    expect(advanced.check(60_000, 10_000)).toMatchObject({ head: 101, ageMs: 0, stale: false });
  });

  it('knows no age before the first head', () => {
    expect(createStaleHead().check(1_000, 10_000)).toEqual({
      head: null,
      ageMs: null,
      staleAfterMs: 10_000,
      stale: false,
      change: null,
    });
  });
});
