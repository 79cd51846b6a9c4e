import { ResponseBodyTooLargeError } from 'viem';
import { describe, expect, it } from 'vitest';
import { createRangeSizer } from './log-range.ts';

const MIB = 1024 * 1024;

describe('createRangeSizer after a response over the size limit', () => {
  it('scales the range to fit when the body size is known (Content-Length)', () => {
    const sizer = createRangeSizer({ initial: 1000 });
    const error = new ResponseBodyTooLargeError({ maxSize: 10 * MIB, size: 40 * MIB });
    expect(sizer.failed(error, 1000)).toBe(true);
    expect(sizer.size).toBe(187); // 1000 · 10/40 · 3/4
  });

  it('halves when only the bytes read before stopping are known (a streamed body)', () => {
    const sizer = createRangeSizer({ initial: 1000 });
    const error = new ResponseBodyTooLargeError({ maxSize: 10 * MIB, size: 10 * MIB + 16_384 });
    expect(sizer.failed(error, 1000)).toBe(true);
    expect(sizer.size).toBe(500);
  });
});
