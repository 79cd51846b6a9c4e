import { resolve } from 'node:path';
import { type Address, erc20Abi, getAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { type ChainConfig, RPC_DEFAULTS } from '../../config/chains.ts';
import type { DatabaseLocation } from '../../config/env.ts';
import { ANVIL_DEFAULT_MNEMONIC, getAnvilAccounts } from '../../devnet/anvil-accounts.ts';
import { devnetChains, readDevnetFile } from '../../devnet/devnet-file.ts';
import { BaseError } from '../../domain/errors.ts';
import { formatAmount } from '../../domain/money.ts';
import { tokenLookup, toSweepResource } from '../../domain/sweep.ts';
import { createLogger } from '../../observability/logger.ts';
import { openStore } from '../../store/open-store.ts';
import { listSweeps } from '../../store/sweep-reads.ts';
import { createSweepClient } from '../../sweep/create-sweep-client.ts';
import { createUnsignedSweeps } from '../../sweep/create-unsigned-sweeps.ts';
import type { FollowDeps } from '../../sweep/follow-sweeps.ts';
import { runSweeps, settleSweeps } from '../../sweep/run-sweeps.ts';
import { CliError } from '../cli-error.ts';
import { loadConfigOrExit } from '../load-config.ts';
import { parseCommandArgs, parseIntegerFlag } from '../parse-command-args.ts';

export const SWEEP_USAGE = `Usage: stablegate sweep [options]

Moves what paid forwarder deposit addresses hold to their payout, in as few ForwarderFactory.sweep
transactions as the block gas limit allows. The gas wallet (SWEEPER_PRIVATE_KEY_<chainId>, else
SWEEPER_PRIVATE_KEY) pays the fees only: the money can go nowhere but the payout.

Options:
  --chain <id>       only this configured chain (default: every chain)
  --merchant <id>    only this merchant's deposit addresses
  --min <amount>     skip addresses holding less than this of every token (token units)
  --dry-run          print what would be swept, send nothing
  --unsigned         record and print (JSON) unsigned sweeps, each with the transaction
                     ({ to, data, gas }) for the merchant's own wallet to send; once sent they
                     are recognised on chain and followed by \`stablegate work\`
  --data-dir <dir>   a running devnet's data dir: its database, chain and a funded gas wallet
                     (default without STABLEGATE_CONFIG: ./data when a devnet runs there)
  -h, --help         this help`;

/** Anvil's account 9: funded on every default anvil, and no devnet payer (those are 1-4). */
const DEVNET_GAS_WALLET_INDEX = 9;
const CONFIRM_TIMEOUT_MS = 120_000;
const DEFAULT_DEVNET_DIR = './data';

type Target = {
  database: DatabaseLocation;
  chains: ChainConfig[];
  keyOf: (chainId: number) => `0x${string}` | undefined;
};

function devnetTarget(dataDir: string): Target {
  const devnet = readDevnetFile(dataDir);
  if (!devnet)
    throw new CliError(`no devnet in ${dataDir}: start one with "npx stablegate dev" (or pass --data-dir)`);
  const [wallet] = getAnvilAccounts({
    count: 1,
    from: DEVNET_GAS_WALLET_INDEX,
    mnemonic: ANVIL_DEFAULT_MNEMONIC,
  });
  const chains = devnetChains(devnet).map(
    (chain): ChainConfig => ({
      chainId: chain.chainId,
      name: 'devnet',
      rpcUrls: [chain.rpcUrl],
      wsUrls: [],
      ...RPC_DEFAULTS,
      confirmations: 1,
      pollIntervalMs: 250,
      tokens: chain.tokens.map((token) => ({ ...token, address: getAddress(token.address) })),
    }),
  );
  // The gas wallet is the same anvil account on every devnet chain.
  return {
    database: { databasePath: devnet.databasePath, databaseUrl: undefined },
    chains,
    keyOf: () => wallet?.privateKey,
  };
}

/**
 * The environment's configuration; when there is none (no STABLEGATE_CONFIG) but a devnet runs
 * from this folder, its default data dir, as `stablegate pay` does.
 */
function envTarget(): Target {
  let config: ReturnType<typeof loadConfigOrExit>;
  try {
    config = loadConfigOrExit();
  } catch (error) {
    const devnetDir = resolve(DEFAULT_DEVNET_DIR);
    if (error instanceof CliError && readDevnetFile(devnetDir)) return devnetTarget(devnetDir);
    throw error;
  }
  return {
    database: { databasePath: config.databasePath, databaseUrl: config.databaseUrl },
    chains: config.chains,
    keyOf: config.sweeperPrivateKey,
  };
}

/** `stablegate sweep`: one pass per chain, waiting for its sweeps to be confirmed. */
export async function sweepCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(SWEEP_USAGE, args, {
    options: {
      chain: { type: 'string' },
      merchant: { type: 'string' },
      min: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      unsigned: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
    },
  });
  const chainId =
    values.chain === undefined
      ? undefined
      : parseIntegerFlag(SWEEP_USAGE, '--chain', values.chain, { min: 1, max: 2 ** 53 - 1, fallback: 0 });
  const target = values['data-dir'] ? devnetTarget(resolve(values['data-dir'])) : envTarget();
  const chains = target.chains.filter((chain) => chainId === undefined || chain.chainId === chainId);
  if (chains.length === 0) throw new CliError(`--chain: no configured chain ${chainId}`);
  const store = await openStore(target.database);
  const logger = createLogger({ level: 'warn', name: 'stablegate-sweep' });
  try {
    let exit = 0;
    for (const chain of chains) {
      const key = target.keyOf(chain.chainId);
      const unsigned = values.unsigned || (!key && !values['dry-run']);
      if (unsigned && !values.unsigned)
        throw new CliError(
          `chain ${chain.chainId}: no gas wallet (set SWEEPER_PRIVATE_KEY_${chain.chainId} or SWEEPER_PRIVATE_KEY), or pass --unsigned`,
        );
      const deps: FollowDeps = {
        store,
        client: createSweepClient(chain, { logger }),
        chain,
        wallet: key && !values.unsigned ? privateKeyToAccount(key) : undefined,
        logger,
        now: () => new Date(),
      };
      exit = Math.max(
        exit,
        await sweepChain(deps, {
          merchantId: values.merchant,
          min: values.min,
          dryRun: values['dry-run'],
          unsigned: values.unsigned,
        }),
      );
    }
    return exit;
  } finally {
    await store.close();
  }
}

async function sweepChain(
  deps: FollowDeps,
  options: { merchantId: string | undefined; min: string | undefined; dryRun: boolean; unsigned: boolean },
): Promise<number> {
  const { chain } = deps;
  const request = {
    merchantId: options.merchantId,
    min: options.min,
    dryRun: options.dryRun,
    ...(chain.sweep ? { maxBlockGasPercent: chain.sweep.maxBlockGasPercent } : {}),
  };
  const failed = (error: unknown) => {
    if (error instanceof BaseError) return new CliError(`chain ${chain.chainId}: ${error.message}`);
    return error;
  };
  if (options.unsigned && !options.dryRun) {
    const sweeps = await createUnsignedSweeps(deps, request).catch((error: unknown) => {
      throw failed(error);
    });
    const tokenOf = tokenLookup(chain);
    console.log(
      JSON.stringify(
        sweeps.map((sweep) => toSweepResource(sweep, tokenOf)),
        null,
        2,
      ),
    );
    return 0;
  }
  let result: Awaited<ReturnType<typeof runSweeps>>;
  try {
    result = await runSweeps(deps, request);
  } catch (error) {
    throw failed(error);
  }
  if (result.batches.length === 0) {
    console.log(`chain ${chain.chainId}: nothing to sweep`);
    return 0;
  }
  if (options.dryRun) {
    for (const batch of result.batches)
      console.log(describe(chain, batch.payout, batch.depositAddresses.length, batch.amounts));
    return 0;
  }
  await settleSweeps(deps, { timeoutMs: CONFIRM_TIMEOUT_MS });
  const ids = new Set(result.submitted.map((sweep) => sweep.id));
  const swept = await deps.store.read(listSweeps, { chainId: chain.chainId });
  const done = swept.filter((sweep) => ids.has(sweep.id));
  for (const sweep of done) {
    const amounts = new Map<Address, bigint>();
    for (const flush of sweep.flushes)
      amounts.set(flush.token, (amounts.get(flush.token) ?? 0n) + flush.amount);
    console.log(
      `${describe(chain, sweep.payout, sweep.depositAddresses.length, amounts)}: ${sweep.status} ${sweep.txHash}`,
    );
  }
  await printPayoutBalances(deps, done);
  return done.every((sweep) => sweep.status === 'confirmed') ? 0 : 1;
}

/** What each payout now holds of the tokens swept to it: the end of the devnet loop. */
async function printPayoutBalances(deps: FollowDeps, sweeps: { payout: Address; tokens: Address[] }[]) {
  const tokenOf = tokenLookup(deps.chain);
  const seen = new Set<string>();
  for (const sweep of sweeps) {
    for (const address of sweep.tokens) {
      if (seen.has(`${sweep.payout}:${address}`)) continue;
      seen.add(`${sweep.payout}:${address}`);
      const token = tokenOf(address);
      const balance = await deps.client.readContract({
        address,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [sweep.payout],
      });
      console.log(`payout ${sweep.payout} holds ${formatAmount(balance, token.decimals)} ${token.symbol}`);
    }
  }
}

function describe(chain: ChainConfig, payout: Address, count: number, amounts: Map<Address, bigint>): string {
  const tokenOf = tokenLookup(chain);
  const moved = [...amounts]
    .map(([address, amount]) => {
      const token = tokenOf(address);
      return `${formatAmount(amount, token.decimals)} ${token.symbol}`;
    })
    .join(' + ');
  return `chain ${chain.chainId}: swept ${moved || 'nothing'} from ${count} deposit address(es) to ${payout}`;
}
