import { type Address, getAddress, type Hex, pad, toHex } from 'viem';
import { describe, expect, test } from 'vitest';
import { addressGas, GAS, planSweeps, type SweepCandidate } from './plan-sweeps.ts';

const USDC = getAddress('0x5fbdb2315678afecb367f032d93f642f64180aa3');
const DAI = getAddress('0xe7f1725e7734ce288f8367e1bb143e90bb3f0512');
const PAYOUT_A = getAddress(pad('0xa1', { size: 20 }));
const PAYOUT_B = getAddress(pad('0xb2', { size: 20 }));

function candidate(
  n: number,
  balances: [Address, bigint][],
  overrides: Partial<SweepCandidate> = {},
): SweepCandidate {
  return {
    merchantId: 'mch_a',
    payout: PAYOUT_A,
    depositAddress: getAddress(pad(toHex(n), { size: 20 })),
    salt: pad(toHex(n)) as Hex,
    deployed: false,
    balances: new Map(balances),
    ...overrides,
  };
}

const options = (overrides: { min?: bigint; maxGas?: bigint } = {}) => ({
  tokens: [USDC, DAI],
  minimum: () => overrides.min ?? 1n,
  maxGasPerTransaction: overrides.maxGas ?? 15_000_000n,
});

describe('planSweeps', () => {
  test.each([
    ['nothing to sweep', [], 0, []],
    ['an empty address is skipped', [candidate(1, [[USDC, 0n]])], 0, []],
    ['one address, one token', [candidate(1, [[USDC, 5n]])], 1, [1]],
    [
      'two payouts never share a transaction',
      [candidate(1, [[USDC, 5n]]), candidate(2, [[USDC, 5n]], { payout: PAYOUT_B })],
      2,
      [1, 1],
    ],
    [
      'two merchants with one payout never share a transaction (events are per merchant)',
      [candidate(1, [[USDC, 5n]]), candidate(2, [[USDC, 5n]], { merchantId: 'mch_b' })],
      2,
      [1, 1],
    ],
  ] as const)('%s', (_name, candidates, count, sizes) => {
    const batches = planSweeps(candidates, options());
    expect(batches).toHaveLength(count);
    expect(batches.map((b) => b.depositAddresses.length)).toEqual(sizes);
  });

  test('the minimum applies per address and token: an address below it everywhere waits', () => {
    const batches = planSweeps(
      [
        candidate(1, [[USDC, 9n]]),
        candidate(2, [[USDC, 10n]]),
        candidate(3, [
          [DAI, 3n],
          [USDC, 10n],
        ]),
      ],
      options({ min: 10n }),
    );
    expect(batches).toHaveLength(1);
    expect(batches[0]?.depositAddresses).toHaveLength(2);
    // Once an address is swept, all its balances go, also the one under the minimum.
    expect(batches[0]?.amounts).toEqual(
      new Map([
        [USDC, 20n],
        [DAI, 3n],
      ]),
    );
    expect(batches[0]?.tokens).toEqual([USDC, DAI]);
  });

  test('a batch lists only the tokens its addresses hold, in the configured order', () => {
    const [batch] = planSweeps([candidate(1, [[DAI, 1n]])], options());
    expect(batch?.tokens).toEqual([DAI]);
  });

  test('fills transactions up to the gas cap and no further, in as few as fit', () => {
    const candidates = Array.from({ length: 200 }, (_, i) => candidate(i + 1, [[USDC, 1n]]));
    const perAddress = addressGas(candidates[0] as SweepCandidate, 1);
    const maxGas = GAS.base + perAddress * 64n;
    const batches = planSweeps(candidates, options({ maxGas }));
    expect(batches.map((b) => b.depositAddresses.length)).toEqual([64, 64, 64, 8]);
    for (const batch of batches) expect(batch.gasEstimate).toBeLessThanOrEqual(maxGas);
    expect(new Set(batches.flatMap((b) => b.depositAddresses)).size).toBe(200);
  });

  test('a deployed forwarder costs less than one still to deploy', () => {
    const fresh = candidate(1, [[USDC, 1n]]);
    expect(addressGas({ ...fresh, deployed: true }, 1)).toBe(addressGas(fresh, 1) - GAS.deploy);
  });
});
