import { createPublicClient, http } from 'viem';
import { describe, expect, it } from 'vitest';
import { createFinality, windowFor } from './finality.ts';
import { createChainRpc } from './rpc.ts';

// A count of blocks never asks the node (test/chain/finality.test.ts covers the tags on anvil).
const counted = (confirmations: number) =>
  createFinality({
    chainId: 1,
    confirmations,
    rpc: createChainRpc(createPublicClient({ transport: http('http://127.0.0.1:9') })),
  });

describe('windowFor', () => {
  it.each([
    [0, 64],
    [24, 64],
    [25, 66],
    [32, 80],
    [64, 144],
    [1000, 2016],
    [50_000, 2016],
  ])('keeps %i blocks of depth in a window of %i', (depth, size) => {
    expect(windowFor(depth)).toBe(size);
  });
});

describe('a count of confirmations', () => {
  it('confirms through the cursor − N + 1, and sizes its window from N', async () => {
    const finality = counted(3);
    await finality.observe(null);
    expect(finality.confirmedThrough(100)).toBe(98);
    expect(finality.windowSize).toBe(64);
    expect(counted(100).windowSize).toBe(216);
  });

  it.each([
    [{ cursor: 100, ancestor: 98, beyondWindow: false, windowLength: 64 }, null],
    [
      { cursor: 100, ancestor: 97, beyondWindow: false, windowLength: 64 },
      'reorg of depth 3 at block 100, confirmations 3',
    ],
    // Right after a first start the window is too short to have confirmed anything.
    [{ cursor: 100, ancestor: 98, beyondWindow: true, windowLength: 2 }, null],
    [
      { cursor: 100, ancestor: 98, beyondWindow: true, windowLength: 3 },
      'reorg of depth 2+ (beyond the stored window) at block 100, confirmations 3',
    ],
  ])('alerts on a reorg as deep as N: %j → %s', (reorg, alert) => {
    expect(counted(3).deepReorg(reorg)).toBe(alert);
  });
});
