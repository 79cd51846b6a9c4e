import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_SCHEDULE_S,
  MAX_RETRY_AFTER_MS,
  MAX_RETRY_STEP_S,
  nextAttemptDelayMs,
  parseRetrySchedule,
} from './retry-schedule.ts';

const HOUR_S = 3600;
const scheduleArb = fc.array(fc.integer({ min: 0, max: MAX_RETRY_STEP_S }), { minLength: 1, maxLength: 20 });
const randomArb = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('DEFAULT_RETRY_SCHEDULE_S', () => {
  it('is the documented schedule (README "Configuration", WEBHOOK_RETRY_SCHEDULE): now, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h', () => {
    expect(DEFAULT_RETRY_SCHEDULE_S).toEqual([
      0,
      5,
      300,
      1800,
      2 * HOUR_S,
      5 * HOUR_S,
      10 * HOUR_S,
      14 * HOUR_S,
      20 * HOUR_S,
      24 * HOUR_S,
    ]);
    const total = DEFAULT_RETRY_SCHEDULE_S.reduce((sum, step) => sum + step, 0);
    expect(total / 86_400).toBeCloseTo(3.15, 1);
  });
});

describe('parseRetrySchedule', () => {
  it('parses comma-separated whole seconds, spaces allowed', () => {
    expect(parseRetrySchedule('0,5,300')).toEqual({ ok: true, schedule: [0, 5, 300] });
    expect(parseRetrySchedule(' 0 , 1 ,2 ')).toEqual({ ok: true, schedule: [0, 1, 2] });
  });

  it.each([
    ['', 'entry 1 ("")'],
    ['0,5,,300', 'entry 3 ("")'],
    ['0,-5', 'entry 2 ("-5")'],
    ['0,1.5', 'entry 2 ("1.5")'],
    ['1e3', 'entry 1 ("1e3")'],
    ['0,5m', 'entry 2 ("5m")'],
    ['0,604801', 'entry 2 ("604801")'],
  ])('refuses %j, naming %s', (text, named) => {
    const result = parseRetrySchedule(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(named);
  });

  it('round-trips any valid schedule', () => {
    fc.assert(
      fc.property(scheduleArb, (schedule) => {
        expect(parseRetrySchedule(schedule.join(','))).toEqual({ ok: true, schedule });
      }),
    );
  });
});

describe('nextAttemptDelayMs', () => {
  const schedule = DEFAULT_RETRY_SCHEDULE_S;

  it('attempts first at once, without jitter', () => {
    for (const random of [() => 0, () => 0.5, () => 0.999]) {
      expect(nextAttemptDelayMs({ schedule, attemptsMade: 0, random })).toBe(0);
    }
  });

  it('spreads a step by ±20%', () => {
    expect(nextAttemptDelayMs({ schedule, attemptsMade: 1, random: () => 0 })).toBe(4000);
    expect(nextAttemptDelayMs({ schedule, attemptsMade: 1, random: () => 0.5 })).toBe(5000);
    expect(nextAttemptDelayMs({ schedule, attemptsMade: 2, random: () => 0.75 })).toBe(330_000);
  });

  it('gives up once every step is used', () => {
    expect(nextAttemptDelayMs({ schedule, attemptsMade: 9, random: () => 0.5 })).toBe(86_400_000);
    expect(nextAttemptDelayMs({ schedule, attemptsMade: 10 })).toBeNull();
    expect(nextAttemptDelayMs({ schedule, attemptsMade: 10, retryAfterMs: 1000 })).toBeNull();
  });

  it('waits for Retry-After when it is longer than the step, up to 24 h', () => {
    const base = { schedule, attemptsMade: 1, random: () => 0.5 };
    expect(nextAttemptDelayMs({ ...base, retryAfterMs: 120_000 })).toBe(120_000);
    expect(nextAttemptDelayMs({ ...base, retryAfterMs: 1000 })).toBe(5000);
    expect(nextAttemptDelayMs({ ...base, retryAfterMs: 10 ** 12 })).toBe(MAX_RETRY_AFTER_MS);
    expect(nextAttemptDelayMs({ ...base, retryAfterMs: -5 })).toBe(5000);
  });

  it('refuses a negative or fractional attempt count', () => {
    expect(() => nextAttemptDelayMs({ schedule, attemptsMade: -1 })).toThrow(RangeError);
    expect(() => nextAttemptDelayMs({ schedule, attemptsMade: 1.5 })).toThrow(RangeError);
  });

  it('stays within ±20% of the step, never negative, and null exactly past the end', () => {
    fc.assert(
      fc.property(scheduleArb, fc.nat({ max: 25 }), randomArb, (steps, attemptsMade, r) => {
        const delay = nextAttemptDelayMs({ schedule: steps, attemptsMade, random: () => r });
        const step = steps[attemptsMade];
        if (step === undefined) {
          expect(delay).toBeNull();
          return;
        }
        expect(delay).toBeGreaterThanOrEqual(Math.floor(step * 1000 * 0.8));
        expect(delay).toBeLessThanOrEqual(Math.ceil(step * 1000 * 1.2));
        expect(Number.isInteger(delay)).toBe(true);
      }),
    );
  });

  it('never comes back sooner than a Retry-After within the cap, whatever the jitter', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 9 }),
        fc.integer({ min: 0, max: MAX_RETRY_AFTER_MS }),
        randomArb,
        (attemptsMade, retryAfterMs, r) => {
          const delay = nextAttemptDelayMs({ schedule, attemptsMade, retryAfterMs, random: () => r });
          expect(delay).toBeGreaterThanOrEqual(retryAfterMs);
        },
      ),
    );
  });

  it('keeps a misbehaving random source inside the jitter bounds', () => {
    for (const value of [-1, 1, 2, Number.NaN]) {
      const delay = nextAttemptDelayMs({ schedule, attemptsMade: 1, random: () => value });
      expect(delay).toBeGreaterThanOrEqual(4000);
      expect(delay).toBeLessThanOrEqual(6000);
    }
  });
});
