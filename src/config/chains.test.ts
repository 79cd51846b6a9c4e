import { describe, expect, it } from 'vitest';
import { ChainConfigSchema } from './chains.ts';

const chain = {
  chainId: 31337,
  name: 'Anvil',
  rpcUrl: 'http://127.0.0.1:8545',
  confirmations: 1,
  tokens: [{ symbol: 'USDC', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', decimals: 6 }],
};

describe('chain explorerUrl and testnet', () => {
  it.each([
    ['https://explorer.example/', true, 'https://explorer.example'],
    ['http://127.0.0.1:5100', true, 'http://127.0.0.1:5100'],
    ['http://localhost:5100/', true, 'http://localhost:5100'],
    ['http://explorer.example', false, undefined],
    ['javascript:alert(1)', false, undefined],
  ])('%s → accepted: %s', (explorerUrl, ok, stored) => {
    const parsed = ChainConfigSchema.safeParse({ ...chain, explorerUrl });
    expect(parsed.success).toBe(ok);
    if (parsed.success) expect(parsed.data.explorerUrl).toBe(stored);
  });

  it('takes an optional boolean testnet flag', () => {
    expect(ChainConfigSchema.parse({ ...chain, testnet: true }).testnet).toBe(true);
    expect(ChainConfigSchema.parse(chain).testnet).toBeUndefined();
    expect(ChainConfigSchema.safeParse({ ...chain, testnet: 'yes' }).success).toBe(false);
  });
});
