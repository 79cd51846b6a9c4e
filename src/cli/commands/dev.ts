import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createPublicClient, createWalletClient, http } from 'viem';
import { devConfigEnv, devRedisUrl } from '../../config/dev-env.ts';
import { ANVIL_DEFAULT_MNEMONIC, ANVIL_DEPLOYER, getAnvilAccounts } from '../../devnet/anvil-accounts.ts';
import { acquireDataDirLock, DataDirInUseError } from '../../devnet/data-dir-lock.ts';
import { deployForwarderFactory } from '../../devnet/deploy-forwarder-factory.ts';
import { deployStablecoins, findDeployedStablecoins } from '../../devnet/deploy-stablecoins.ts';
import { readDevnetFile, writeDevnetFile } from '../../devnet/devnet-file.ts';
import { devnetPayoutAddress } from '../../devnet/devnet-payout.ts';
import { type Anvil, AnvilNotInstalledError, startAnvil } from '../../devnet/start-anvil.ts';
import {
  type RedisServer,
  RedisServerNotFoundError,
  startRedisServer,
} from '../../devnet/start-redis-server.ts';
import type { AppContext } from '../../runtime/context.ts';
import { createContext } from '../../runtime/create-context.ts';
import { type ShutdownPlan, shutdown } from '../../runtime/shutdown.ts';
import { type Gateway, startGateway } from '../../runtime/start-gateway.ts';
import { createMerchant, findMerchantByApiKey, getMerchant } from '../../store/merchants.ts';
import { CliError } from '../cli-error.ts';
import { loadConfigOrExit } from '../load-config.ts';
import {
  parseCommandArgs,
  parseConfirmationsFlag,
  parseIntegerFlag,
  parsePortFlag,
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
  --confirmations <n>      confirmations before an invoice is paid (default 1), or "safe" /
                           "finalized" (anvil's lag its head by 32 / 64 blocks: add --block-time)
  --block-time <seconds>   anvil mines every n seconds (default: a block per transaction)
  -h, --help               this help`;

/**
 * `stablegate dev`: everything on one machine (README "Quickstart"; docs/architecture.md, "Processes, start and shutdown"). Restarted on the same data dir it
 * reuses the chain state, the deployment, the merchant, its key and the database.
 */
export async function devCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(DEV_USAGE, args, {
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string', default: './data' },
      'rpc-url': { type: 'string' },
      confirmations: { type: 'string' },
      'block-time': { type: 'string' },
    },
  });
  const port = parsePortFlag(DEV_USAGE, '--port', values.port, 3000);
  const confirmations = parseConfirmationsFlag(DEV_USAGE, '--confirmations', values.confirmations, 1);
  const blockTime =
    parseIntegerFlag(DEV_USAGE, '--block-time', values['block-time'], { min: 0, max: 3_600, fallback: 0 }) ||
    undefined;
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

  let redis: RedisServer | null = null;
  let anvil: Anvil | null = null;
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
    let rpcUrl = values['rpc-url'];
    let wsUrl: string | undefined;
    if (!rpcUrl) {
      anvil = await startAnvil({ stateDir: join(dataDir, 'anvil'), ...(blockTime ? { blockTime } : {}) });
      rpcUrl = anvil.rpcUrl;
      wsUrl = anvil.wsUrl;
    }
    const chainId = await createPublicClient({ transport: http(rpcUrl) }).getChainId();
    const payers = getAnvilAccounts({ count: PAYER_COUNT, from: 1 });
    const tokens =
      previous &&
      previous.chainId === chainId &&
      (await findDeployedStablecoins(rpcUrl, previous.tokens as never))
        ? (previous.tokens as Awaited<ReturnType<typeof deployStablecoins>>)
        : await deployStablecoins({ rpcUrl, payers: payers.map((payer) => payer.address) });
    // Idempotent: the factory has one address on every chain (domain/forwarder-address.ts).
    await deployForwarderFactory({
      publicClient: createPublicClient({ transport: http(rpcUrl) }),
      walletClient: createWalletClient({ account: ANVIL_DEPLOYER, transport: http(rpcUrl) }),
    });
    const payoutAddress = devnetPayoutAddress(ANVIL_DEFAULT_MNEMONIC);

    const config = loadConfigOrExit({
      env: devConfigEnv({ port, databasePath: join(dataDir, 'stablegate.db'), redisUrl }),
      chains: [
        {
          chainId,
          name: anvil ? 'Anvil devnet' : `Chain ${chainId}`,
          rpcUrl,
          ...(wsUrl ? { wsUrl } : {}),
          confirmations,
          // The checkout's "test network" badge: nothing paid on this chain is real money.
          testnet: true,
          pollIntervalMs: blockTime ? Math.min(1000, blockTime * 250) : 200,
          tokens,
        },
      ],
    });
    ctx = createContext(config, { name: 'stablegate-dev' });
    let apiKey = previous?.apiKey;
    let merchantId = previous?.merchantId;
    if (!apiKey || !merchantId || !findMerchantByApiKey(ctx.db, apiKey) || !getMerchant(ctx.db, merchantId)) {
      // Forwarder mode: what invoices receive can be swept to the payout (stablegate sweep).
      const created = createMerchant(ctx.db, { name: 'Demo Shop', payout: payoutAddress });
      apiKey = created.apiKey;
      merchantId = created.merchant.id;
    }
    gateway = await startGateway(ctx, { redisUrl });
    const devnet = {
      apiUrl: `http://localhost:${gateway.server.port}`,
      apiKey,
      merchantId,
      rpcUrl,
      chainId,
      databasePath: config.databasePath,
      tokens,
      payers,
      payoutAddress,
    };
    writeDevnetFile(dataDir, devnet);
    printDevnetSummary(devnet, { dataDir, publicUrl: config.publicUrl, confirmations });
  } catch (error) {
    // A failed start (port taken, a deployment that reverts) must not leave anvil and redis-server
    // running behind an error message, nor hang on a client a half-started part left open.
    const owned = devOwned(redis, ctx);
    await (gateway ? gateway.stop(owned) : shutdown(owned));
    await anvil?.stop();
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
  await anvil?.stop();
  ctx.logger.info('stopped');
  // Everything that holds state is closed above. A client its owner leaves open (the watcher's
  // newHeads WebSocket keeps viem's 30 s keep-alive interval after unwatching) would hold the event
  // loop, and a stopped devnet must not hang until the 25 s guard exits 1: exit now.
  process.exit(0);
}

/**
 * What dev owns beside the gateway, in the gateway's shutdown phases: its redis-server after the
 * workers, the database last. Anvil is stopped after all of it: the watchers read from it until then.
 */
function devOwned(redis: RedisServer | null, ctx: AppContext | undefined): ShutdownPlan {
  return { redis: [() => redis?.stop()], database: [() => ctx?.db.close()] };
}
