import { join } from 'node:path';
import { type Address, createPublicClient, createWalletClient, getAddress, http } from 'viem';
import { ANVIL_DEPLOYER } from './anvil-accounts.ts';
import { deployForwarderFactory } from './deploy-forwarder-factory.ts';
import { deployStablecoins, findDeployedStablecoins } from './deploy-stablecoins.ts';
import type { DevnetChain } from './devnet-file.ts';
import { type Anvil, DEFAULT_CHAIN_ID, startAnvil } from './start-anvil.ts';

/** `dev --chains` at most: each chain is an anvil and a watcher on a machine that also runs the rest. */
export const MAX_DEVNET_CHAINS = 4;

export type DevnetChains = {
  /** In order: the first is the one devnet.json describes at its top level. */
  chains: DevnetChain[];
  /** Stops the anvils started here (none for `rpcUrl`). */
  stop(): Promise<void>;
};

export type StartDevnetChainsOptions = {
  dataDir: string;
  /** How many anvils to start, with chain ids 31337, 31338, …; ignored with `rpcUrl`. */
  count: number;
  /** One node of the caller's instead of anvils. */
  rpcUrl?: string;
  blockTime?: number;
  /** The chains of the last run on this data dir: their deployments are reused where still there. */
  previous: readonly DevnetChain[];
  payers: readonly Address[];
};

/**
 * Where chain `index` keeps its state: the first chain in `anvil/`, as before there were several,
 * so a data dir of an older devnet keeps its chain; the others in `anvil-<chainId>/`.
 */
export const anvilStateDir = (dataDir: string, index: number, chainId: number) =>
  join(dataDir, index === 0 ? 'anvil' : `anvil-${chainId}`);

/**
 * The devnet's chains: `count` anvils with their state in the data dir (or the node at `rpcUrl`),
 * each with the test stablecoins (the last run's when they are still deployed there) and the
 * forwarder factory. Started side by side; if one fails, the others are stopped before the error.
 */
export async function startDevnetChains(options: StartDevnetChainsOptions): Promise<DevnetChains> {
  const anvils: Anvil[] = [];
  const stop = async () => {
    await Promise.all(anvils.map((anvil) => anvil.stop()));
  };
  try {
    const nodes = options.rpcUrl ? [await describeNode(options.rpcUrl)] : await startAnvils(options, anvils);
    const chains = await Promise.all(nodes.map((node) => prepareChain(node, options)));
    return { chains, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

type Node = { chainId: number; rpcUrl: string; wsUrl?: string };

async function describeNode(rpcUrl: string): Promise<Node> {
  return { chainId: await createPublicClient({ transport: http(rpcUrl) }).getChainId(), rpcUrl };
}

/** Every anvil that started is in `started` when this returns or throws, for the caller to stop. */
async function startAnvils(options: StartDevnetChainsOptions, started: Anvil[]): Promise<Node[]> {
  const outcomes = await Promise.allSettled(
    Array.from({ length: options.count }, (_, index) => {
      const chainId = DEFAULT_CHAIN_ID + index;
      return startAnvil({
        chainId,
        stateDir: anvilStateDir(options.dataDir, index, chainId),
        ...(options.blockTime ? { blockTime: options.blockTime } : {}),
      });
    }),
  );
  for (const outcome of outcomes) if (outcome.status === 'fulfilled') started.push(outcome.value);
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return started.map(({ chainId, rpcUrl, wsUrl }) => ({ chainId, rpcUrl, wsUrl }));
}

async function prepareChain(node: Node, options: StartDevnetChainsOptions): Promise<DevnetChain> {
  const last = options.previous.find((chain) => chain.chainId === node.chainId);
  const lastTokens = last?.tokens.map((token) => ({ ...token, address: getAddress(token.address) }));
  const tokens =
    lastTokens && (await findDeployedStablecoins(node.rpcUrl, lastTokens))
      ? lastTokens
      : await deployStablecoins({ rpcUrl: node.rpcUrl, payers: options.payers });
  // Idempotent: the factory has one address on every chain (domain/forwarder-address.ts).
  await deployForwarderFactory({
    publicClient: createPublicClient({ transport: http(node.rpcUrl) }),
    walletClient: createWalletClient({ account: ANVIL_DEPLOYER, transport: http(node.rpcUrl) }),
  });
  return { ...node, tokens };
}
