import { createConfig } from 'ponder';
import { erc20Abi } from 'viem';

/**
 * Ponder 0.16.10 indexing the bench token's Transfer events, for a side-by-side comparison with
 * stablegate's watcher. Everything comes from the environment the bench sets (bench/lib/ponder.ts).
 */
const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const ws = process.env.PONDER_WS_URL;
const endBlock = process.env.PONDER_END_BLOCK;

export default createConfig({
  database: { kind: 'pglite', directory: env('PONDER_DB_DIR') },
  chains: {
    devnet: {
      id: Number(env('PONDER_CHAIN_ID')),
      rpc: env('PONDER_RPC_URL'),
      ...(ws ? { ws } : {}),
      pollingInterval: Number(env('PONDER_POLL_MS')),
      disableCache: true,
    },
  },
  contracts: {
    Token: {
      chain: 'devnet',
      abi: erc20Abi,
      address: env('PONDER_TOKEN') as `0x${string}`,
      startBlock: Number(env('PONDER_START_BLOCK')),
      ...(endBlock ? { endBlock: Number(endBlock) } : {}),
    },
  },
});
