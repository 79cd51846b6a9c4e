import { describe, expect, it } from 'vitest';
import { createStreamLimits } from './stream-limits.ts';

describe('createStreamLimits', () => {
  it('caps streams per invoice and in total, and frees a slot on release (once)', () => {
    const limits = createStreamLimits({ total: 3, perInvoice: 2 });
    const a1 = limits.acquire('inv_a', '198.51.100.1');
    const a2 = limits.acquire('inv_a', '198.51.100.2');
    expect(a1 && a2).toBeTruthy();
    expect(limits.acquire('inv_a', '198.51.100.3')).toBeNull();
    const b1 = limits.acquire('inv_b', '198.51.100.4');
    expect(b1).toBeTruthy();
    expect(limits.acquire('inv_c', '198.51.100.5')).toBeNull();
    a1?.();
    a1?.();
    expect(limits.open).toBe(2);
    expect(limits.acquire('inv_a', '198.51.100.6')).toBeTruthy();
    expect(limits.acquire('inv_c', '198.51.100.7')).toBeNull();
  });

  it('caps streams per client address across invoices', () => {
    const limits = createStreamLimits({ total: 100, perInvoice: 100, perClient: 2 });
    const first = limits.acquire('inv_a', '198.51.100.1');
    expect(limits.acquire('inv_b', '198.51.100.1')).toBeTruthy();
    expect(limits.acquire('inv_c', '198.51.100.1')).toBeNull();
    // Another client, on the same invoices, is not affected.
    expect(limits.acquire('inv_a', '198.51.100.2')).toBeTruthy();
    first?.();
    expect(limits.acquire('inv_c', '198.51.100.1')).toBeTruthy();
  });
});
