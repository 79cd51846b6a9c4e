import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { ChainConfig } from '../config/chains.ts';

const DevnetTokenSchema = z.object({
  symbol: z.string(),
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  decimals: z.number().int(),
});

/** One chain of the devnet: its node and the test stablecoins deployed on it. */
const DevnetChainSchema = z.object({
  chainId: z.number().int(),
  rpcUrl: z.string(),
  wsUrl: z.string().optional(),
  tokens: z.array(DevnetTokenSchema),
});
export type DevnetChain = z.infer<typeof DevnetChainSchema>;

/**
 * `<data dir>/devnet.json`: what `stablegate dev` prints, for scripts and for its own restarts.
 * `rpcUrl`, `chainId` and `tokens` are the first chain's, as before `dev --chains`; `chains` lists
 * every chain, the first included (absent in files written before it).
 */
export const DevnetFileSchema = z.object({
  apiUrl: z.string(),
  apiKey: z.string(),
  merchantId: z.string(),
  rpcUrl: z.string(),
  chainId: z.number().int(),
  databasePath: z.string(),
  tokens: z.array(DevnetTokenSchema),
  chains: z.array(DevnetChainSchema).min(1).optional(),
  payers: z.array(z.object({ address: z.string(), privateKey: z.string() })),
  /** The demo merchant's payout (forwarder mode), where `stablegate sweep` moves its payments. */
  payoutAddress: z.string().optional(),
});
export type DevnetFile = z.infer<typeof DevnetFileSchema>;

export const devnetFilePath = (dataDir: string) => join(dataDir, 'devnet.json');

/** Every chain of a devnet file; a file from before `chains` describes its one chain at the top. */
export function devnetChains(file: DevnetFile): DevnetChain[] {
  return file.chains ?? [{ chainId: file.chainId, rpcUrl: file.rpcUrl, tokens: file.tokens }];
}

export function readDevnetFile(dataDir: string): DevnetFile | null {
  let text: string;
  try {
    text = readFileSync(devnetFilePath(dataDir), 'utf8');
  } catch {
    return null;
  }
  const parsed = DevnetFileSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : null;
}

/** Written to a temporary file and renamed: a reader never sees half a file. */
function writeJsonFile(path: string, value: unknown): void {
  writeFileSync(`${path}.tmp`, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

export function writeDevnetFile(dataDir: string, file: DevnetFile): void {
  writeJsonFile(devnetFilePath(dataDir), file);
}

/**
 * `<data dir>/chains.json`: the chains file `stablegate dev` runs with, every chain in it, for the
 * commands that take `STABLEGATE_CONFIG` (`serve`, `watch`, `work`, `sweep`) pointed at the devnet.
 */
export const devnetChainsFilePath = (dataDir: string) => join(dataDir, 'chains.json');

export function writeDevnetChainsFile(dataDir: string, chains: readonly ChainConfig[]): void {
  writeJsonFile(devnetChainsFilePath(dataDir), { chains });
}
