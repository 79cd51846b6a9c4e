import { describe, expect, it } from 'vitest';
import { isId, newId } from './ids.ts';

describe('newId', () => {
  it('is prefixed, URL-safe and sorts by creation, even within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => newId('evt', 1_700_000_000_000));
    expect(ids.every((id) => isId('evt', id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(newId('inv', 1_700_000_000_001) > (ids.at(-1) ?? '')).toBe(true);
  });
});
