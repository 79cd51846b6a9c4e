import { describe, expect, it } from 'vitest';
import { createWalletChainResolver } from './wallet-chain.ts';

describe('createWalletChainResolver', () => {
  const resolve = createWalletChainResolver();

  it('offers a devnet its loopback RPC', async () => {
    expect(await resolve({ chainId: 31337, name: 'Devnet', rpcUrls: ['http://127.0.0.1:54321'] })).toEqual({
      chainId: '0x7a69',
      chainName: 'Devnet',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: ['http://127.0.0.1:54321'],
    });
  });

  it('never publishes the operator RPC of a real chain, using the public one instead', async () => {
    const polygon = await resolve({
      chainId: 137,
      name: 'Polygon',
      rpcUrls: ['https://polygon-mainnet.g.alchemy.com/v2/secret-key', 'https://polygon.example/?key=other'],
    });
    expect(JSON.stringify(polygon)).not.toContain('secret-key');
    expect(JSON.stringify(polygon)).not.toContain('other');
    expect(polygon).toMatchObject({ chainId: '0x89', nativeCurrency: { symbol: 'POL' } });
    expect(polygon?.rpcUrls.length).toBeGreaterThan(0);
  });

  it('offers only the loopback one of several providers', async () => {
    const chain = await resolve({
      chainId: 31337,
      name: 'Devnet',
      rpcUrls: ['https://rpc.example/v2/secret-key', 'http://127.0.0.1:54321'],
    });
    expect(chain?.rpcUrls).toEqual(['http://127.0.0.1:54321']);
  });

  it('offers nothing for an unknown chain behind a private RPC', async () => {
    expect(
      await resolve({ chainId: 987_654_321, name: 'Private', rpcUrls: ['http://10.0.0.5:8545'] }),
    ).toBeNull();
  });
});
