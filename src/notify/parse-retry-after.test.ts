import { describe, expect, it } from 'vitest';
import { parseRetryAfterMs } from './parse-retry-after.ts';

// 1994-11-06T08:49:37Z, the example date of RFC 9110 §5.6.7.
const EXAMPLE_MS = Date.UTC(1994, 10, 6, 8, 49, 37);

describe('parseRetryAfterMs', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfterMs('120', 0)).toBe(120_000);
    expect(parseRetryAfterMs(' 0 ', 0)).toBe(0);
    expect(parseRetryAfterMs('1', 0)).toBe(1000);
  });

  it('reads the three HTTP-date forms of RFC 9110 §5.6.7 as GMT', () => {
    const now = EXAMPLE_MS - 90_000;
    expect(parseRetryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', now)).toBe(90_000);
    expect(parseRetryAfterMs('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(90_000);
    expect(parseRetryAfterMs('Sun Nov  6 08:49:37 1994', now)).toBe(90_000);
  });

  it('answers 0 for a date already past', () => {
    expect(parseRetryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', EXAMPLE_MS + 1000)).toBe(0);
  });

  it.each([['soon'], ['-5'], ['1.5'], ['2025-01-01T00:00:00Z'], ['Sun, 06 Nov 1994'], ['']])(
    'ignores the malformed value %j',
    (value) => {
      expect(parseRetryAfterMs(value, 0)).toBeUndefined();
    },
  );

  it('ignores an absent header', () => {
    expect(parseRetryAfterMs(undefined, 0)).toBeUndefined();
  });
});
