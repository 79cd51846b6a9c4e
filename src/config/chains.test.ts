import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainConfigSchema, readChainsFile } from './chains.ts';

const chain = {
  chainId: 31337,
  name: 'Anvil',
  rpcUrl: 'http://127.0.0.1:8545',
  confirmations: 1,
  tokens: [{ symbol: 'USDC', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', decimals: 6 }],
};

describe('chain providers', () => {
  it('takes several providers as rpcUrls and wsUrls, and one as rpcUrl and wsUrl', () => {
    const { rpcUrl: _, ...rest } = chain;
    const listed = ChainConfigSchema.parse({
      ...rest,
      rpcUrls: ['https://a.example/v2/key', 'http://127.0.0.1:8545'],
      wsUrls: ['wss://a.example/ws'],
    });
    expect(listed).toMatchObject({ rpcUrls: ['https://a.example/v2/key', 'http://127.0.0.1:8545'] });
    expect(listed.wsUrls).toEqual(['wss://a.example/ws']);
    const single = ChainConfigSchema.parse({ ...chain, wsUrl: 'ws://127.0.0.1:8545' });
    expect(single).toMatchObject({ rpcUrls: [chain.rpcUrl], wsUrls: ['ws://127.0.0.1:8545'] });
    expect(single).not.toHaveProperty('rpcUrl');
  });
});

describe('chain confirmations', () => {
  it.each([12, 'safe', 'finalized'])('takes %j: a count of blocks or a block tag', (confirmations) => {
    expect(ChainConfigSchema.parse({ ...chain, confirmations }).confirmations).toBe(confirmations);
  });
});

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

describe('chain blockTimeMs and staleAfterMs', () => {
  it('takes an optional block time and stale-head limit, learnt or derived when absent', () => {
    expect(ChainConfigSchema.parse({ ...chain, blockTimeMs: 250, staleAfterMs: 5000 })).toMatchObject({
      blockTimeMs: 250,
      staleAfterMs: 5000,
    });
    const parsed = ChainConfigSchema.parse(chain);
    expect([parsed.blockTimeMs, parsed.staleAfterMs]).toEqual([undefined, undefined]);
  });
});

/**
 * One row per bad value of every field the README's chains file documents (README
 * "Configuration", `STABLEGATE_CONFIG`): the file is read as `stablegate serve` reads it, and the
 * one line it gives names the field and says what is wrong.
 */
describe('readChainsFile: one line per bad value', () => {
  const USDC = chain.tokens[0];
  const DAI = { symbol: 'DAI', address: '0x6B175474E89094C44Da98b954EedeAC495271d0F', decimals: 18 };
  const good = { ...chain, tokens: [USDC, DAI] };
  const token = (patch: Record<string, unknown>) => ({ ...good, tokens: [{ ...USDC, ...patch }, DAI] });
  const without = (key: string) => Object.fromEntries(Object.entries(good).filter(([k]) => k !== key));

  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'stablegate-chains-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function read(file: unknown): string[] {
    const path = join(dir, 'chains.json');
    writeFileSync(path, typeof file === 'string' ? file : JSON.stringify(file));
    const result = readChainsFile(path);
    if (result.ok) return [];
    return result.errors.map((line) => line.replace(`STABLEGATE_CONFIG ${path}: `, ''));
  }

  it('reads a good file: addresses in their EIP-55 form (lowercase accepted), defaults filled in', () => {
    const lower = { ...good, tokens: [{ ...USDC, address: USDC?.address.toLowerCase() }, DAI] };
    const path = join(dir, 'good.json');
    writeFileSync(path, JSON.stringify({ chains: [{ ...lower, sweep: { minAmount: '0.5' } }] }));
    const result = readChainsFile(path);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.chains[0]).toMatchObject({
      rpcUrls: [good.rpcUrl],
      wsUrls: [],
      maxProviderLagBlocks: 5,
      rpcTimeoutMs: 10_000,
      pollIntervalMs: 1000,
      tokens: [{ address: USDC?.address }, DAI],
      sweep: { minAmount: '0.5', intervalSeconds: 3600, maxBlockGasPercent: 50 },
    });
  });

  it.each<[string, unknown, string]>([
    ['not JSON', '{ "chains": [', 'cannot read'],
    ['no chains', { chains: [] }, 'chains: must list at least one chain'],
    ['chains not a list', { chains: good }, 'chains: must be a list of chains'],
    ['two chains with one chainId', { chains: [good, good] }, 'chains.1.chainId: duplicate chainId'],
    ['chainId 0', { chains: [{ ...good, chainId: 0 }] }, 'chains.0.chainId: must be at least 1'],
    ['chainId 1.5', { chains: [{ ...good, chainId: 1.5 }] }, 'chains.0.chainId: must be a whole number'],
    ['chainId as a string', { chains: [{ ...good, chainId: '1' }] }, 'chains.0.chainId: must be a number'],
    ['chainId missing', { chains: [without('chainId')] }, 'chains.0.chainId: required'],
    ['name empty', { chains: [{ ...good, name: ' ' }] }, 'chains.0.name: must not be empty'],
    ['name missing', { chains: [without('name')] }, 'chains.0.name: required'],
    [
      'rpcUrl not a URL',
      { chains: [{ ...good, rpcUrl: 'rpc.example' }] },
      'chains.0.rpcUrl: must be an http:// or https:// URL',
    ],
    [
      'rpcUrl a WebSocket',
      { chains: [{ ...good, rpcUrl: 'wss://rpc.example' }] },
      'chains.0.rpcUrl: must be an http:// or https:// URL',
    ],
    [
      'rpcUrl and rpcUrls missing',
      { chains: [without('rpcUrl')] },
      'chains.0.rpcUrls: required (or one URL as rpcUrl)',
    ],
    [
      'rpcUrl and rpcUrls both given',
      { chains: [{ ...good, rpcUrls: ['http://127.0.0.1:8546'] }] },
      'chains.0.rpcUrls: give rpcUrl or rpcUrls, not both',
    ],
    [
      'rpcUrls empty',
      { chains: [{ ...without('rpcUrl'), rpcUrls: [] }] },
      'chains.0.rpcUrls: must list at least one URL',
    ],
    [
      'rpcUrls a single string',
      { chains: [{ ...without('rpcUrl'), rpcUrls: 'http://127.0.0.1:8545' }] },
      'chains.0.rpcUrls: must be a list of http:// or https:// URLs',
    ],
    [
      'rpcUrls with a WebSocket',
      { chains: [{ ...without('rpcUrl'), rpcUrls: ['http://127.0.0.1:8545', 'ws://127.0.0.1:8545'] }] },
      'chains.0.rpcUrls.1: must be an http:// or https:// URL',
    ],
    [
      'rpcUrls with one URL twice',
      { chains: [{ ...without('rpcUrl'), rpcUrls: ['http://127.0.0.1:8545', 'http://127.0.0.1:8545'] }] },
      'chains.0.rpcUrls.1: duplicate URL',
    ],
    [
      'wsUrl over HTTP',
      { chains: [{ ...good, wsUrl: 'https://rpc.example' }] },
      'chains.0.wsUrl: must be a ws:// or wss:// URL',
    ],
    [
      'wsUrls with an HTTP URL',
      { chains: [{ ...good, wsUrls: ['wss://rpc.example', 'https://rpc.example'] }] },
      'chains.0.wsUrls.1: must be a ws:// or wss:// URL',
    ],
    [
      'wsUrl and wsUrls both given',
      { chains: [{ ...good, wsUrl: 'wss://a.example', wsUrls: ['wss://b.example'] }] },
      'chains.0.wsUrls: give wsUrl or wsUrls, not both',
    ],
    [
      'maxProviderLagBlocks 0',
      { chains: [{ ...good, maxProviderLagBlocks: 0 }] },
      'chains.0.maxProviderLagBlocks: must be at least 1',
    ],
    [
      'maxProviderLagBlocks 2.5',
      { chains: [{ ...good, maxProviderLagBlocks: 2.5 }] },
      'chains.0.maxProviderLagBlocks: must be a whole number',
    ],
    [
      'rpcTimeoutMs 99',
      { chains: [{ ...good, rpcTimeoutMs: 99 }] },
      'chains.0.rpcTimeoutMs: must be at least 100',
    ],
    [
      'rpcTimeoutMs as a string',
      { chains: [{ ...good, rpcTimeoutMs: '5s' }] },
      'chains.0.rpcTimeoutMs: must be a number',
    ],
    [
      'confirmations 0',
      { chains: [{ ...good, confirmations: 0 }] },
      'chains.0.confirmations: must be at least 1',
    ],
    [
      'confirmations 1001',
      { chains: [{ ...good, confirmations: 1001 }] },
      'chains.0.confirmations: must be at most 1000',
    ],
    [
      'confirmations -1',
      { chains: [{ ...good, confirmations: -1 }] },
      'chains.0.confirmations: must be at least 1',
    ],
    ['confirmations missing', { chains: [without('confirmations')] }, 'chains.0.confirmations: required'],
    [
      'confirmations another block tag',
      { chains: [{ ...good, confirmations: 'latest' }] },
      'chains.0.confirmations: must be a whole number of blocks (1-1000), "safe" or "finalized"',
    ],
    [
      'confirmations a tag in capitals',
      { chains: [{ ...good, confirmations: 'Finalized' }] },
      'chains.0.confirmations: must be a whole number of blocks (1-1000), "safe" or "finalized"',
    ],
    [
      'confirmations a count as a string',
      { chains: [{ ...good, confirmations: '12' }] },
      'chains.0.confirmations: must be a whole number of blocks (1-1000), "safe" or "finalized"',
    ],
    [
      'confirmations 1.5',
      { chains: [{ ...good, confirmations: 1.5 }] },
      'chains.0.confirmations: must be a whole number of blocks (1-1000), "safe" or "finalized"',
    ],
    [
      'confirmations null',
      { chains: [{ ...good, confirmations: null }] },
      'chains.0.confirmations: must be a whole number of blocks (1-1000), "safe" or "finalized"',
    ],
    [
      'pollIntervalMs 49',
      { chains: [{ ...good, pollIntervalMs: 49 }] },
      'chains.0.pollIntervalMs: must be at least 50',
    ],
    [
      'pollIntervalMs 60001',
      { chains: [{ ...good, pollIntervalMs: 60_001 }] },
      'chains.0.pollIntervalMs: must be at most 60000',
    ],
    ['blockTimeMs 9', { chains: [{ ...good, blockTimeMs: 9 }] }, 'chains.0.blockTimeMs: must be at least 10'],
    [
      'blockTimeMs 250.5',
      { chains: [{ ...good, blockTimeMs: 250.5 }] },
      'chains.0.blockTimeMs: must be a whole number',
    ],
    [
      'blockTimeMs as a string',
      { chains: [{ ...good, blockTimeMs: '2s' }] },
      'chains.0.blockTimeMs: must be a number',
    ],
    [
      'staleAfterMs 999',
      { chains: [{ ...good, staleAfterMs: 999 }] },
      'chains.0.staleAfterMs: must be at least 1000',
    ],
    [
      'staleAfterMs over a day',
      { chains: [{ ...good, staleAfterMs: 86_400_001 }] },
      'chains.0.staleAfterMs: must be at most 86400000',
    ],
    [
      'staleAfterMs not above blockTimeMs',
      { chains: [{ ...good, blockTimeMs: 12_000, staleAfterMs: 12_000 }] },
      'chains.0.staleAfterMs: must be longer than blockTimeMs',
    ],
    ['startBlock -1', { chains: [{ ...good, startBlock: -1 }] }, 'chains.0.startBlock: must be at least 0'],
    [
      'startBlock as a string',
      { chains: [{ ...good, startBlock: '0x10' }] },
      'chains.0.startBlock: must be a number',
    ],
    [
      'explorerUrl over http',
      { chains: [{ ...good, explorerUrl: 'http://explorer.example' }] },
      'chains.0.explorerUrl: must be an https URL (http only for a loopback host)',
    ],
    [
      'explorerUrl not a URL',
      { chains: [{ ...good, explorerUrl: 'explorer' }] },
      'chains.0.explorerUrl: must be an https URL (http only for a loopback host)',
    ],
    [
      'testnet as a string',
      { chains: [{ ...good, testnet: 'yes' }] },
      'chains.0.testnet: must be true or false',
    ],
    [
      'a misspelt key',
      { chains: [{ ...good, pollIntervalMS: 500 }] },
      'chains.0: Unrecognized key: "pollIntervalMS"',
    ],
    ['no tokens', { chains: [{ ...good, tokens: [] }] }, 'chains.0.tokens: must list at least one token'],
    ['tokens missing', { chains: [without('tokens')] }, 'chains.0.tokens: required'],
    [
      'token symbol with a space',
      { chains: [token({ symbol: 'US DC' })] },
      'chains.0.tokens.0.symbol: must be 1-16 letters, digits or dots',
    ],
    [
      'token symbol of 17 letters',
      { chains: [token({ symbol: 'A'.repeat(17) })] },
      'chains.0.tokens.0.symbol: must be 1-16 letters, digits or dots',
    ],
    [
      'token address of 19 bytes',
      { chains: [token({ address: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB' })] },
      'chains.0.tokens.0.address: must be a 0x-prefixed 20-byte hex address',
    ],
    [
      'token address of 21 bytes',
      { chains: [token({ address: `${USDC?.address}00` })] },
      'chains.0.tokens.0.address: must be a 0x-prefixed 20-byte hex address',
    ],
    [
      'token address without 0x',
      { chains: [token({ address: USDC?.address.slice(2) })] },
      'chains.0.tokens.0.address: must be a 0x-prefixed 20-byte hex address',
    ],
    [
      'token address not hex',
      { chains: [token({ address: `0x${'g'.repeat(40)}` })] },
      'chains.0.tokens.0.address: must be a 0x-prefixed 20-byte hex address',
    ],
    [
      'token address with a wrong checksum',
      { chains: [token({ address: '0xA0B86991c6218b36c1d19D4a2e9Eb0cE3606eB48' })] },
      'chains.0.tokens.0.address: fails its EIP-55 checksum: a mistyped character?',
    ],
    [
      'token decimals 37',
      { chains: [token({ decimals: 37 })] },
      'chains.0.tokens.0.decimals: must be at most 36',
    ],
    [
      'token decimals -1',
      { chains: [token({ decimals: -1 })] },
      'chains.0.tokens.0.decimals: must be at least 0',
    ],
    [
      'token decimals 6.5',
      { chains: [token({ decimals: 6.5 })] },
      'chains.0.tokens.0.decimals: must be a whole number',
    ],
    [
      'token decimals missing',
      { chains: [{ ...good, tokens: [{ symbol: 'USDC', address: USDC?.address }] }] },
      'chains.0.tokens.0.decimals: required',
    ],
    [
      'token source over http',
      { chains: [token({ source: 'http://issuer.example/addresses' })] },
      'chains.0.tokens.0.source: must be an https URL',
    ],
    [
      'token source not a URL',
      { chains: [token({ source: 'the issuer' })] },
      'chains.0.tokens.0.source: must be an https URL',
    ],
    [
      'a misspelt token key',
      { chains: [token({ decimal: 6 })] },
      'chains.0.tokens.0: Unrecognized key: "decimal"',
    ],
    [
      'one symbol twice',
      { chains: [{ ...good, tokens: [USDC, { ...DAI, symbol: 'usdc' }] }] },
      'chains.0.tokens.1: duplicate token USDC',
    ],
    [
      'one address twice',
      { chains: [{ ...good, tokens: [USDC, { ...DAI, address: USDC?.address }] }] },
      `chains.0.tokens.1: duplicate token ${USDC?.address}`,
    ],
    [
      'sweep.minAmount not a decimal',
      { chains: [{ ...good, sweep: { minAmount: 'ten' } }] },
      'chains.0.sweep.minAmount: must be a decimal string in token units, e.g. "10" or "0.5"',
    ],
    [
      'sweep.minAmount negative',
      { chains: [{ ...good, sweep: { minAmount: '-1' } }] },
      'chains.0.sweep.minAmount: must be a decimal string in token units, e.g. "10" or "0.5"',
    ],
    [
      'sweep.minAmount with an exponent',
      { chains: [{ ...good, sweep: { minAmount: '1e3' } }] },
      'chains.0.sweep.minAmount: must be a decimal string in token units, e.g. "10" or "0.5"',
    ],
    [
      'sweep.minAmount a JSON number',
      { chains: [{ ...good, sweep: { minAmount: 10 } }] },
      'chains.0.sweep.minAmount: must be a decimal string in token units, e.g. "10" or "0.5"',
    ],
    [
      'sweep.minAmount zero',
      { chains: [{ ...good, sweep: { minAmount: '0.0' } }] },
      'chains.0.sweep.minAmount: must be greater than zero',
    ],
    [
      'sweep.minAmount finer than a token',
      { chains: [{ ...good, sweep: { minAmount: '0.0000001' } }] },
      'chains.0.sweep.minAmount: must have at most 6 decimal places: USDC has 6',
    ],
    [
      'sweep.minAmount with leading zeros',
      { chains: [{ ...good, sweep: { minAmount: '007' } }] },
      'chains.0.sweep.minAmount: must be a plain decimal string such as "25.5" (no sign, exponent, spaces or leading zeros)',
    ],
    [
      'sweep.intervalSeconds 0',
      { chains: [{ ...good, sweep: { intervalSeconds: 0 } }] },
      'chains.0.sweep.intervalSeconds: must be at least 1',
    ],
    [
      'sweep.intervalSeconds over 30 days',
      { chains: [{ ...good, sweep: { intervalSeconds: 2_592_001 } }] },
      'chains.0.sweep.intervalSeconds: must be at most 2592000',
    ],
    [
      'sweep.intervalSeconds 1.5',
      { chains: [{ ...good, sweep: { intervalSeconds: 1.5 } }] },
      'chains.0.sweep.intervalSeconds: must be a whole number',
    ],
    [
      'sweep.maxBlockGasPercent 0',
      { chains: [{ ...good, sweep: { maxBlockGasPercent: 0 } }] },
      'chains.0.sweep.maxBlockGasPercent: must be at least 1',
    ],
    [
      'sweep.maxBlockGasPercent 91',
      { chains: [{ ...good, sweep: { maxBlockGasPercent: 91 } }] },
      'chains.0.sweep.maxBlockGasPercent: must be at most 90',
    ],
    [
      'a misspelt sweep key',
      { chains: [{ ...good, sweep: { minAmmount: '1' } }] },
      'chains.0.sweep: Unrecognized key: "minAmmount"',
    ],
  ])('%s', (_name, file, line) => {
    const errors = read(file);
    if (line === 'cannot read')
      expect(errors).toEqual([expect.stringMatching(/^STABLEGATE_CONFIG: cannot read /)]);
    else expect(errors).toEqual([line]);
  });
});
