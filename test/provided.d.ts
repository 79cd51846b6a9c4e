import type { DevnetAccount } from '../src/devnet/anvil-accounts.ts';
import type { DeployedToken } from '../src/devnet/deploy-stablecoins.ts';

// What test/global-setup.ts provides; tests read it with `inject('rpcUrl')` and so on.
declare module 'vitest' {
  export interface ProvidedContext {
    rpcUrl: string;
    wsUrl: string;
    chainId: number;
    /** A private redis-server for this run, never the developer's REDIS_URL. */
    redisUrl: string;
    /** USDC, USDT (6 decimals) and DAI (18), deployed once per run. */
    tokens: DeployedToken[];
    /** Anvil accounts 1..4: unlocked, with ETH and 1,000,000 of each stablecoin. */
    payers: DevnetAccount[];
  }
}
