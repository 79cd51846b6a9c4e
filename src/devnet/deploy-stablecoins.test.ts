import { createPublicClient, erc20Abi, getAddress, http } from 'viem';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ANVIL_DEPLOYER, getAnvilAccounts } from './anvil-accounts.ts';
import { deployStablecoins, findDeployedStablecoins } from './deploy-stablecoins.ts';
import { type Anvil, startAnvil } from './start-anvil.ts';

// Its own anvil with a block time: deployment must not assume a block per transaction.
let anvil: Anvil;
beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 1 });
});
afterAll(async () => {
  await anvil.stop();
});

describe('deployStablecoins', () => {
  test('deploys the three stablecoins and mints whole tokens to each payer', async () => {
    const payers = getAnvilAccounts({ count: 2, from: 5 }).map((a) => a.address);
    const tokens = await deployStablecoins({ rpcUrl: anvil.rpcUrl, payers, mintAmount: 250n });
    const client = createPublicClient({ transport: http(anvil.rpcUrl), cacheTime: 0 });

    expect(tokens.map((t) => t.symbol)).toEqual(['USDC', 'USDT', 'DAI']);
    for (const token of tokens) {
      expect(token.address).toBe(getAddress(token.address));
      for (const owner of [...payers, ANVIL_DEPLOYER]) {
        const balance = await client.readContract({
          address: token.address,
          abi: erc20Abi,
          functionName: 'balanceOf',
          args: [owner],
        });
        expect(balance).toBe(owner === ANVIL_DEPLOYER ? 0n : 250n * 10n ** BigInt(token.decimals));
      }
    }
    expect(await findDeployedStablecoins(anvil.rpcUrl, tokens)).toBe(true);
  });
});

describe('findDeployedStablecoins', () => {
  test('is false when an address has no code or other decimals', async () => {
    const nowhere = getAddress('0x000000000000000000000000000000000000dEaD');
    expect(
      await findDeployedStablecoins(anvil.rpcUrl, [{ symbol: 'USDC', address: nowhere, decimals: 6 }]),
    ).toBe(false);
    const [usdc] = await deployStablecoins({ rpcUrl: anvil.rpcUrl, payers: [] });
    if (!usdc) throw new Error('no USDC');
    expect(await findDeployedStablecoins(anvil.rpcUrl, [{ ...usdc, decimals: 18 }])).toBe(false);
  });
});
