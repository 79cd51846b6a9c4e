import { describe, expect, it } from 'vitest';
import { isAfterCreation } from './is-after-creation.ts';

describe('isAfterCreation', () => {
  it.each([
    { watchFromBlock: null, block: 0, expected: true, why: 'an invoice from before the watcher: any block' },
    { watchFromBlock: null, block: 1_000, expected: true, why: 'unanchored, a late block' },
    { watchFromBlock: 100, block: 99, expected: false, why: 'a block before the invoice was created' },
    { watchFromBlock: 100, block: 100, expected: false, why: 'the creation block itself' },
    { watchFromBlock: 100, block: 101, expected: true, why: 'the first block after creation' },
    { watchFromBlock: 0, block: 0, expected: false, why: 'genesis as the creation block' },
    { watchFromBlock: 0, block: 1, expected: true, why: 'the block after genesis' },
  ])(
    '$why: watched from $watchFromBlock, block $block → $expected',
    ({ watchFromBlock, block, expected }) => {
      expect(isAfterCreation({ watchFromBlock }, { number: block })).toBe(expected);
    },
  );
});
