import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createPublicClient, createWalletClient, http } from 'viem';
import type { TestProject } from 'vitest/node';
import { ANVIL_DEPLOYER, getAnvilAccounts } from '../src/devnet/anvil-accounts.ts';
import { deployForwarderFactory } from '../src/devnet/deploy-forwarder-factory.ts';
import { deployStablecoins } from '../src/devnet/deploy-stablecoins.ts';
import { type Anvil, startAnvil } from '../src/devnet/start-anvil.ts';
import {
  type RedisServer,
  RedisServerNotFoundError,
  startRedisServer,
} from '../src/devnet/start-redis-server.ts';

/** Anvil accounts 1..4: unlocked, funded with ETH by anvil and with every stablecoin by us. */
const PAYER_COUNT = 4;

async function startPrivateRedis(): Promise<RedisServer> {
  try {
    return await startRedisServer();
  } catch (error) {
    // REDIS_URL is deliberately not a way out here: tests flush and fill queues, and must never do
    // that to a developer's Redis.
    if (error instanceof RedisServerNotFoundError) {
      throw new Error(
        'The tests start their own redis-server and never use REDIS_URL. Install it: ' +
          '`sudo apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS).',
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Vitest global setup: a fresh build of dist/, one anvil (a block per transaction, chain 31337) and one private
 * redis-server on free ports for the whole run, with the stablecoins deployed once. Test files
 * isolate themselves with evm_snapshot/evm_revert and unique queue prefixes.
 */
export default async function setup(project: TestProject) {
  // Tests that run the CLI as a process run what ships, dist/: rebuilt from src/ on every run so
  // it is never stale (about a second; bin/build.js).
  execFileSync(process.execPath, [fileURLToPath(new URL('../bin/build.js', import.meta.url))], {
    stdio: 'inherit',
  });
  let anvil: Anvil | undefined;
  let redis: RedisServer | undefined;
  const teardown = async () => {
    await Promise.all([anvil?.stop(), redis?.stop()]);
  };
  try {
    [anvil, redis] = await Promise.all([startAnvil(), startPrivateRedis()]);
    const payers = getAnvilAccounts({ count: PAYER_COUNT, from: 1 });
    const tokens = await deployStablecoins({ rpcUrl: anvil.rpcUrl, payers: payers.map((p) => p.address) });
    // After the stablecoins, so their addresses (the deployer's first nonces) stay as they were.
    const transport = http(anvil.rpcUrl);
    await deployForwarderFactory({
      publicClient: createPublicClient({ transport, pollingInterval: 50 }),
      walletClient: createWalletClient({ account: ANVIL_DEPLOYER, transport, pollingInterval: 50 }),
    });

    // Code under test that reads REDIS_URL from the environment (workers inherit it) gets ours too.
    process.env.REDIS_URL = redis.url;
    project.provide('rpcUrl', anvil.rpcUrl);
    project.provide('wsUrl', anvil.wsUrl);
    project.provide('chainId', anvil.chainId);
    project.provide('redisUrl', redis.url);
    project.provide('tokens', tokens);
    project.provide('payers', payers);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
