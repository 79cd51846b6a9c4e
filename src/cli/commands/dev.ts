import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getAddress } from 'viem';
import { type ChainConfig, RPC_DEFAULTS } from '../../config/chains.ts';
import { devConfigEnv, devRedisUrl } from '../../config/dev-env.ts';
import { ANVIL_DEFAULT_MNEMONIC, getAnvilAccounts } from '../../devnet/anvil-accounts.ts';
import { acquireDataDirLock, DataDirInUseError } from '../../devnet/data-dir-lock.ts';
import {
  type DevnetChain,
  devnetChains,
  readDevnetFile,
  writeDevnetChainsFile,
  writeDevnetFile,
} from '../../devnet/devnet-file.ts';
import { devnetPayoutAddress } from '../../devnet/devnet-payout.ts';
import { AnvilNotInstalledError } from '../../devnet/start-anvil.ts';
import { type DevnetChains, MAX_DEVNET_CHAINS, startDevnetChains } from '../../devnet/start-devnet-chains.ts';
import {
  type RedisServer,
  RedisServerNotFoundError,
  startRedisServer,
} from '../../devnet/start-redis-server.ts';
import type { Confirmations } from '../../domain/chain.ts';
import type { AppContext } from '../../runtime/context.ts';
import { createContext } from '../../runtime/create-context.ts';
import { type ShutdownPlan, shutdown } from '../../runtime/shutdown.ts';
import { type Gateway, startGateway } from '../../runtime/start-gateway.ts';
import { createMerchant, findMerchantByApiKey, getMerchant } from '../../store/merchants.ts';
import type { Sql } from '../../store/sql.ts';
import { CliError } from '../cli-error.ts';
import { loadConfigOrExit } from '../load-config.ts';
import {
  parseCommandArgs,
  parseConfirmationsFlag,
  parseIntegerFlag,
  parsePortFlag,
  UsageExit,
} from '../parse-command-args.ts';
import { printDevnetSummary } from '../print-devnet-summary.ts';
import { onShutdownSignal } from '../shutdown-signal.ts';

const PAYER_COUNT = 4;
/** After a failed start, time for main() to print the error before anything left open is cut. */
const FAILED_START_EXIT_MS = 1_000;

export const DEV_USAGE = `Usage: stablegate dev [options]

API + watcher + workers on a local devnet, in one process (\`npm start\`). Starts anvil unless
--rpc-url is given, and a private redis-server unless REDIS_URL is set.

Options:
  --port <port>            HTTP port (default 3000)
  --data-dir <dir>         chain state, database and devnet.json (default ./data); one dev per dir
  --rpc-url <url>          use this node instead of starting anvil
  --chains <n>             start n anvils, chain ids 31337, 31338, … (1-${MAX_DEVNET_CHAINS}; default 1, or
                           as many as the last run on this data dir); not with --rpc-url
  --confirmations <n>      confirmations before an invoice is paid (default 1), or "safe" /
                           "finalized" (anvil's lag its head by 32 / 64 blocks: add --block-time)
  --block-time <seconds>   anvil mines every n seconds (default: a block per transaction)
  -h, --help               this help`;

/**
 * `stablegate dev`: everything on one machine (README "Quickstart"; docs/architecture.md, "Processes, start and shutdown"). Restarted on the same data dir it
 * reuses the chain state, the deployment, the merchant, its key and the database. With `--chains n`
 * it runs n anvils, one watcher each, in the one process.
 */
export async function devCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(DEV_USAGE, args, {
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string', default: './data' },
      'rpc-url': { type: 'string' },
      chains: { type: 'string' },
      confirmations: { type: 'string' },
      'block-time': { type: 'string' },
    },
  });
  const port = parsePortFlag(DEV_USAGE, '--port', values.port, 3000);
  const confirmations = parseConfirmationsFlag(DEV_USAGE, '--confirmations', values.confirmations, 1);
  const blockTime =
    parseIntegerFlag(DEV_USAGE, '--block-time', values['block-time'], { min: 0, max: 3_600, fallback: 0 }) ||
    undefined;
  // 0: not given; the count then comes from the data dir's last run, read below.
  const chainsFlag = parseIntegerFlag(DEV_USAGE, '--chains', values.chains, {
    min: 1,
    max: MAX_DEVNET_CHAINS,
    fallback: 0,
  });
  const rpcUrl = values['rpc-url'];
  if (rpcUrl && chainsFlag > 1)
    throw new UsageExit(DEV_USAGE, "--chains: more than one chain needs dev's own anvils, not --rpc-url");
  const dataDir = resolve(values['data-dir'] ?? './data');
  // Owner-only: it holds the database, its key file and the devnet's API key.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Before anything touches the data dir: a second devnet on the same chain state and database
  // would fight the first over both. The exit handler also covers the process.exit() calls below.
  let lock: ReturnType<typeof acquireDataDirLock>;
  try {
    lock = acquireDataDirLock(dataDir);
  } catch (error) {
    if (error instanceof DataDirInUseError) throw new CliError(error.message);
    throw error;
  }
  process.once('exit', lock.release);
  const previous = readDevnetFile(dataDir);
  const previousChains = previous ? devnetChains(previous) : [];
  const chainCount = chainsFlag || Math.min(previousChains.length, MAX_DEVNET_CHAINS) || 1;

  let redis: RedisServer | null = null;
  let nodes: DevnetChains | null = null;
  let ctx: AppContext | undefined;
  let gateway: Gateway | undefined;
  try {
    let redisUrl = devRedisUrl();
    if (!redisUrl) {
      try {
        redis = await startRedisServer({ dir: join(dataDir, 'redis') });
      } catch (error) {
        if (error instanceof RedisServerNotFoundError) throw new CliError(error.message);
        throw error;
      }
      redisUrl = redis.url;
    }
    const payers = getAnvilAccounts({ count: PAYER_COUNT, from: 1 });
    nodes = await startDevnetChains({
      dataDir,
      count: chainCount,
      ...(rpcUrl ? { rpcUrl } : {}),
      ...(blockTime ? { blockTime } : {}),
      previous: previousChains,
      payers: payers.map((payer) => payer.address),
    });
    const payoutAddress = devnetPayoutAddress(ANVIL_DEFAULT_MNEMONIC);
    const several = nodes.chains.length > 1;
    const chains = nodes.chains.map((chain) =>
      chainConfig(chain, { confirmations, blockTime, anvil: !rpcUrl, several }),
    );
    const config = loadConfigOrExit({
      env: devConfigEnv({ port, databasePath: join(dataDir, 'stablegate.db'), redisUrl }),
      chains,
    });
    ctx = await createContext(config, { name: 'stablegate-dev' });
    let apiKey = previous?.apiKey;
    let merchantId = previous?.merchantId;
    if (!apiKey || !merchantId || !(await ctx.store.read(isDevMerchant, apiKey, merchantId))) {
      // Forwarder mode: what invoices receive can be swept to the payout (stablegate sweep).
      const created = await ctx.store.write(createMerchant, { name: 'Demo Shop', payout: payoutAddress });
      apiKey = created.apiKey;
      merchantId = created.merchant.id;
    }
    gateway = await startGateway(ctx, { redisUrl });
    // startDevnetChains gives at least one chain; devnet.json's top level describes the first.
    const [first] = nodes.chains as [DevnetChain, ...DevnetChain[]];
    const devnet = {
      apiUrl: `http://localhost:${gateway.server.port}`,
      apiKey,
      merchantId,
      rpcUrl: first.rpcUrl,
      chainId: first.chainId,
      databasePath: config.databasePath,
      tokens: first.tokens,
      chains: nodes.chains,
      payers,
      payoutAddress,
    };
    writeDevnetChainsFile(dataDir, chains);
    writeDevnetFile(dataDir, devnet);
    printDevnetSummary(devnet, { dataDir, publicUrl: config.publicUrl, confirmations });
  } catch (error) {
    // A failed start (port taken, a deployment that reverts) must not leave anvil and redis-server
    // running behind an error message, nor hang on a client a half-started part left open.
    const owned = devOwned(redis, ctx);
    await (gateway ? gateway.stop(owned) : shutdown(owned));
    await nodes?.stop();
    setTimeout(() => process.exit(1), FAILED_START_EXIT_MS).unref();
    if (error instanceof AnvilNotInstalledError) throw new CliError(error.message);
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new CliError(`--port: ${port} is already in use; choose another with --port`);
    throw error;
  }

  await onShutdownSignal(ctx.logger);
  const forceExit = setTimeout(() => {
    ctx.logger.error('shutdown took longer than 25 s; exiting');
    process.exit(1);
  }, 25_000);
  forceExit.unref();
  await gateway.stop(devOwned(redis, ctx));
  await nodes?.stop();
  ctx.logger.info('stopped');
  // Everything that holds state is closed above. A client its owner leaves open (the watcher's
  // newHeads WebSocket keeps viem's 30 s keep-alive interval after unwatching) would hold the event
  // loop, and a stopped devnet must not hang until the 25 s guard exits 1: exit now.
  process.exit(0);
}

/**
 * One devnet chain as the gateway runs it. A block per transaction (anvil's default) is polled
 * every 200 ms; a block time, four times per block (at most every second).
 */
function chainConfig(
  chain: DevnetChain,
  options: { confirmations: Confirmations; blockTime: number | undefined; anvil: boolean; several: boolean },
): ChainConfig {
  const name = options.anvil ? 'Anvil devnet' : 'Chain';
  return {
    chainId: chain.chainId,
    name: options.several || !options.anvil ? `${name} ${chain.chainId}` : name,
    rpcUrls: [chain.rpcUrl],
    wsUrls: chain.wsUrl ? [chain.wsUrl] : [],
    ...RPC_DEFAULTS,
    confirmations: options.confirmations,
    // The checkout's "test network" badge: nothing paid on this chain is real money.
    testnet: true,
    pollIntervalMs: options.blockTime ? Math.min(1000, options.blockTime * 250) : 200,
    tokens: chain.tokens.map((token) => ({ ...token, address: getAddress(token.address) })),
  };
}

/**
 * What dev owns beside the gateway, in the gateway's shutdown phases: its redis-server after the
 * workers, the database last. Anvil is stopped after all of it: the watchers read from it until then.
 */
function devOwned(redis: RedisServer | null, ctx: AppContext | undefined): ShutdownPlan {
  return { redis: [() => redis?.stop()], database: [() => ctx?.store.close()] };
}

/** Whether devnet.json's key still opens its merchant in this database (a reset database has neither). */
function* isDevMerchant(apiKey: string, merchantId: string): Sql<boolean> {
  return (yield* findMerchantByApiKey(apiKey)) !== null && (yield* getMerchant(merchantId)) !== null;
}
