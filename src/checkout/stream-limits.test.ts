import { describe, expect, it } from 'vitest';
import { createStreamLimits } from './stream-limits.ts';

describe('createStreamLimits', () => {
  it('caps streams per invoice and in total, and frees a slot on release (once)', () => {
    const limits = createStreamLimits({ total: 3, perInvoice: 2 });
    const a1 = limits.acquire('inv_a');
    const a2 = limits.acquire('inv_a');
    expect(a1 && a2).toBeTruthy();
    expect(limits.acquire('inv_a')).toBeNull();
    const b1 = limits.acquire('inv_b');
    expect(b1).toBeTruthy();
    expect(limits.acquire('inv_c')).toBeNull();
    a1?.();
    a1?.();
    expect(limits.open).toBe(2);
    expect(limits.acquire('inv_a')).toBeTruthy();
    expect(limits.acquire('inv_c')).toBeNull();
  });
});
