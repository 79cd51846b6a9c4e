import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getAddress, isAddress } from 'viem';
import { usdc } from 'viem/tokens';
import { describe, expect, it } from 'vitest';
import { readChainsFile } from './chains.ts';

const PRESETS_DIR = fileURLToPath(new URL('../../config/chains/', import.meta.url));

/**
 * Every preset in config/chains/ with its chain id and, per token, the decimals its issuer
 * documents (config/chains/README.md): Circle's and Tether's tokens have 6, DAI 18, and BNB Smart
 * Chain's Binance-Peg USDT and USDC 18.
 */
const PRESETS: Record<string, { chainId: number; decimals: Record<string, number> }> = {
  'ethereum.json': { chainId: 1, decimals: { USDC: 6, USDT: 6, DAI: 18 } },
  'base.json': { chainId: 8453, decimals: { USDC: 6 } },
  'arbitrum-one.json': { chainId: 42161, decimals: { USDC: 6, DAI: 18 } },
  'optimism.json': { chainId: 10, decimals: { USDC: 6, DAI: 18 } },
  'polygon.json': { chainId: 137, decimals: { USDC: 6, USDT: 6 } },
  'bnb-chain.json': { chainId: 56, decimals: { USDT: 18, USDC: 18 } },
  'avalanche.json': { chainId: 43114, decimals: { USDC: 6, USDT: 6 } },
};

/** Whose page each symbol's `source` must be: the issuer's (BNB Smart Chain's pegged tokens aside). */
const ISSUER_SOURCES: Record<string, RegExp> = {
  USDC: /^https:\/\/developers\.circle\.com\//,
  USDT: /^https:\/\/tether\.to\//,
  DAI: /^https:\/\/github\.com\/makerdao\//,
};

type RawToken = { symbol: string; address: string; decimals: number; source?: string };
type RawChain = { chainId: number; rpcUrls: string[]; tokens: RawToken[] };

/** The file as written, before the schema turns addresses into their EIP-55 form. */
function readRaw(file: string): { chains: RawChain[] } {
  return JSON.parse(readFileSync(join(PRESETS_DIR, file), 'utf8'));
}

const files = Object.keys(PRESETS);

describe('chain presets (config/chains/*.json)', () => {
  it('are exactly the presets listed here, so none goes untested', () => {
    const found = readdirSync(PRESETS_DIR).filter((name) => name.endsWith('.json'));
    expect(found.sort()).toEqual([...files].sort());
  });

  it.each(files)(
    '%s loads through the chains-file parser with its chain id and documented decimals',
    (file) => {
      const result = readChainsFile(join(PRESETS_DIR, file));
      if (!result.ok) throw new Error(result.errors.join('\n'));
      const [chain, ...others] = result.chains;
      expect(others).toEqual([]);
      expect(chain?.chainId).toBe(PRESETS[file]?.chainId);
      const decimals = Object.fromEntries(chain?.tokens.map((token) => [token.symbol, token.decimals]) ?? []);
      expect(decimals).toEqual(PRESETS[file]?.decimals);
    },
  );

  it.each(files)('%s writes every address valid and EIP-55 checksummed', (file) => {
    for (const token of readRaw(file).chains.flatMap((chain) => chain.tokens)) {
      expect(isAddress(token.address, { strict: true }), token.symbol).toBe(true);
      // Mixed case as EIP-55 spells it: an all-lowercase address would skip the checksum.
      expect(token.address, token.symbol).toBe(getAddress(token.address));
    }
  });

  it.each(files)(
    '%s cites a source for every token, the issuer’s where the issuer covers the chain',
    (file) => {
      const [chain] = readRaw(file).chains;
      for (const token of chain?.tokens ?? []) {
        expect(token.source, token.symbol).toMatch(/^https:\/\//);
        if (chain?.chainId !== 56)
          expect(token.source, token.symbol).toMatch(ISSUER_SOURCES[token.symbol] ?? /^$/);
      }
    },
  );

  it.each(files)('%s has only placeholder RPC URLs that can never be called (.invalid, RFC 2606)', (file) => {
    for (const chain of readRaw(file).chains) {
      expect(chain.rpcUrls.length).toBeGreaterThan(0);
      for (const url of chain.rpcUrls) expect(new URL(url).hostname).toMatch(/\.invalid$/);
    }
  });

  it('agree with viem’s table of native USDC addresses, a second source; viem has none for BNB Smart Chain', () => {
    const viemUsdc = usdc.addresses as Partial<Record<number, string>>;
    for (const file of files) {
      const [chain] = readRaw(file).chains;
      const address = chain?.tokens.find((token) => token.symbol === 'USDC')?.address;
      if (chain?.chainId === 56) expect(viemUsdc[56]).toBeUndefined();
      else expect(address && getAddress(address), file).toBe(viemUsdc[chain?.chainId ?? 0]);
    }
  });

  it('have unique chain ids, so any of them combine into one chains file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stablegate-presets-'));
    try {
      // What README "Chain presets" does with jq: every preset's chains in one file.
      const path = join(dir, 'chains.json');
      writeFileSync(path, JSON.stringify({ chains: files.flatMap((file) => readRaw(file).chains) }));
      const result = readChainsFile(path);
      if (!result.ok) throw new Error(result.errors.join('\n'));
      expect(result.chains.map((chain) => chain.chainId).sort((a, b) => a - b)).toEqual([
        1, 10, 56, 137, 8453, 42161, 43114,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
