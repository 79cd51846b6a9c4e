import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createPublicClient, http } from 'viem';
import { ANVIL_DEFAULT_MNEMONIC, getAnvilAccounts } from '../../devnet/anvil-accounts.ts';
import { deployStablecoins, findDeployedStablecoins } from '../../devnet/deploy-stablecoins.ts';
import { readDevnetFile, writeDevnetFile } from '../../devnet/devnet-file.ts';
import { devnetMerchantXpub } from '../../devnet/devnet-merchant.ts';
import { type Anvil, startAnvil } from '../../devnet/start-anvil.ts';
import {
  type RedisServer,
  RedisServerNotFoundError,
  startRedisServer,
} from '../../devnet/start-redis-server.ts';
import type { AppContext } from '../../runtime/context.ts';
import { createContext } from '../../runtime/create-context.ts';
import { type Gateway, startGateway } from '../../runtime/start-gateway.ts';
import { createMerchant, findMerchantByApiKey, getMerchant } from '../../store/merchants.ts';
import { CliError } from '../cli-error.ts';
import { loadConfigOrExit } from '../load-config.ts';
import { printDevnetSummary } from '../print-devnet-summary.ts';
import { onShutdownSignal } from '../shutdown-signal.ts';

const PAYER_COUNT = 4;
/** After a failed start, time for main() to print the error before anything left open is cut. */
const FAILED_START_EXIT_MS = 1_000;

function positiveInt(
  flag: string,
  value: string | undefined,
  fallback: number | undefined,
): number | undefined {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0)
    throw new CliError(`${flag}: must be a whole number, got "${value}"`);
  return number;
}

/**
 * `stablegate dev`: everything on one machine (SPEC "Commands"). Restarted on the same data dir it
 * reuses the chain state, the deployment, the merchant, its key and the database.
 */
export async function devCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string', default: './data' },
      'rpc-url': { type: 'string' },
      confirmations: { type: 'string' },
      'block-time': { type: 'string' },
    },
  });
  const port = positiveInt('--port', values.port, 3000) ?? 3000;
  const confirmations = positiveInt('--confirmations', values.confirmations, 1) ?? 1;
  if (confirmations < 1) throw new CliError('--confirmations: must be at least 1');
  const blockTime = positiveInt('--block-time', values['block-time'], undefined);
  const dataDir = resolve(values['data-dir'] ?? './data');
  mkdirSync(dataDir, { recursive: true });
  const previous = readDevnetFile(dataDir);

  let redis: RedisServer | null = null;
  let anvil: Anvil | null = null;
  let ctx: AppContext | undefined;
  let gateway: Gateway | undefined;
  try {
    let redisUrl = process.env.REDIS_URL;
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

    const config = loadConfigOrExit({
      env: {
        ...process.env,
        PORT: String(port),
        DATABASE_PATH: join(dataDir, 'stablegate.db'),
        REDIS_URL: redisUrl,
        ALLOW_PRIVATE_WEBHOOK_URLS: process.env.ALLOW_PRIVATE_WEBHOOK_URLS ?? 'true',
      },
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
      const created = createMerchant(ctx.db, {
        name: 'Demo Shop',
        xpub: devnetMerchantXpub(ANVIL_DEFAULT_MNEMONIC),
      });
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
    };
    writeDevnetFile(dataDir, devnet);
    printDevnetSummary(devnet, { dataDir, publicUrl: config.publicUrl, confirmations });
  } catch (error) {
    // A failed start (port taken, a deployment that reverts) must not leave anvil and redis-server
    // running behind an error message, nor hang on a client a half-started part left open.
    await gateway?.stop();
    await redis?.stop();
    ctx?.db.close();
    await anvil?.stop();
    setTimeout(() => process.exit(1), FAILED_START_EXIT_MS).unref();
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
  await gateway.stop();
  await redis?.stop();
  ctx.db.close();
  await anvil?.stop();
  ctx.logger.info('stopped');
  // Everything that holds state is closed above. A client its owner leaves open (the watcher's
  // newHeads WebSocket keeps viem's 30 s keep-alive interval after unwatching) would hold the event
  // loop, and a stopped devnet must not hang until the 25 s guard exits 1: exit now.
  process.exit(0);
}
