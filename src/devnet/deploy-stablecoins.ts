import {
  type Address,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hash,
  http,
  type PublicClient,
} from 'viem';
import { testStablecoinAbi, testStablecoinBytecode } from '../../contracts-abi/index.ts';
import { ANVIL_DEPLOYER } from './anvil-accounts.ts';

export type DeployedToken = { symbol: string; address: Address; decimals: number };

/** What the devnet deploys: USDC and USDT with 6 decimals, DAI with 18, as on mainnet (config/chains.example.json). */
export const DEVNET_STABLECOINS = [
  { name: 'USD Coin', symbol: 'USDC', decimals: 6 },
  { name: 'Tether USD', symbol: 'USDT', decimals: 6 },
  { name: 'Dai Stablecoin', symbol: 'DAI', decimals: 18 },
] as const;

/** Whole tokens minted to each payer of each stablecoin unless the caller says otherwise. */
export const DEFAULT_MINT_WHOLE_TOKENS = 1_000_000n;
const RECEIPT_POLL_MS = 100;

export type DeployStablecoinsOptions = {
  rpcUrl: string;
  payers: readonly Address[];
  /** Whole tokens per payer per stablecoin; scaled by each token's decimals. */
  mintAmount?: bigint;
  /** An account the node has unlocked (anvil signs); defaults to anvil's account 0. */
  deployer?: Address;
};

function createClients(rpcUrl: string, deployer: Address) {
  const transport = http(rpcUrl);
  return {
    publicClient: createPublicClient({ transport, pollingInterval: RECEIPT_POLL_MS, cacheTime: 0 }),
    // A bare address is a JSON-RPC account: viem sends eth_sendTransaction and anvil signs.
    walletClient: createWalletClient({ account: deployer, transport, pollingInterval: RECEIPT_POLL_MS }),
  };
}

async function waitForSuccess(publicClient: PublicClient, hashes: readonly Hash[], what: string) {
  return Promise.all(
    hashes.map(async (hash) => {
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new Error(`${what} reverted in transaction ${hash}`);
      return receipt;
    }),
  );
}

/**
 * Deploys the devnet stablecoins and mints `mintAmount` whole tokens of each to every payer.
 * Transactions carry explicit nonces so they can be sent without waiting one by one, which keeps
 * this quick on a chain with a block time too; each round then waits for all its receipts.
 */
export async function deployStablecoins(options: DeployStablecoinsOptions): Promise<DeployedToken[]> {
  const deployer = options.deployer ?? ANVIL_DEPLOYER;
  const wholeTokens = options.mintAmount ?? DEFAULT_MINT_WHOLE_TOKENS;
  const { publicClient, walletClient } = createClients(options.rpcUrl, deployer);
  let nonce = await publicClient.getTransactionCount({ address: deployer, blockTag: 'pending' });

  const deployHashes: Hash[] = [];
  for (const token of DEVNET_STABLECOINS) {
    deployHashes.push(
      await walletClient.deployContract({
        abi: testStablecoinAbi,
        bytecode: testStablecoinBytecode,
        args: [token.name, token.symbol, token.decimals],
        chain: null,
        nonce: nonce++,
      }),
    );
  }
  const receipts = await waitForSuccess(publicClient, deployHashes, 'stablecoin deployment');
  const tokens = DEVNET_STABLECOINS.map((token, index) => {
    const address = receipts[index]?.contractAddress;
    if (!address) throw new Error(`deploying ${token.symbol} created no contract`);
    return { symbol: token.symbol, address: getAddress(address), decimals: token.decimals };
  });

  const mintHashes: Hash[] = [];
  for (const token of tokens) {
    for (const payer of options.payers) {
      mintHashes.push(
        await walletClient.writeContract({
          address: token.address,
          abi: testStablecoinAbi,
          functionName: 'mint',
          args: [getAddress(payer), wholeTokens * 10n ** BigInt(token.decimals)],
          chain: null,
          nonce: nonce++,
        }),
      );
    }
  }
  await waitForSuccess(publicClient, mintHashes, 'minting');
  return tokens;
}

/**
 * True when every recorded token still has code on the chain at `rpcUrl` and reports the recorded
 * decimals: a restarted devnet then reuses its deployment instead of deploying new addresses.
 */
export async function findDeployedStablecoins(
  rpcUrl: string,
  tokens: readonly DeployedToken[],
): Promise<boolean> {
  const publicClient = createPublicClient({ transport: http(rpcUrl), cacheTime: 0 });
  const found = await Promise.all(
    tokens.map(async (token) => {
      const code = await publicClient.getCode({ address: token.address });
      if (code === undefined || code === '0x') return false;
      // Code that is not our token (another chain reusing the port, say) makes this call revert.
      const decimals = await publicClient
        .readContract({ address: token.address, abi: testStablecoinAbi, functionName: 'decimals' })
        .catch(() => undefined);
      return decimals === token.decimals;
    }),
  );
  return found.every(Boolean);
}
