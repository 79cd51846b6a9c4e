import {
  type Address,
  createPublicClient,
  createWalletClient,
  defineChain,
  erc20Abi,
  type Hash,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  stringToHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { anvil as anvilChain } from 'viem/chains';
import { forwarderFactoryAbi } from '../../contracts-abi/index.ts';
import { getAnvilAccounts } from '../../src/devnet/anvil-accounts.ts';
import { deployForwarderFactory } from '../../src/devnet/deploy-forwarder-factory.ts';
import { deployStablecoins } from '../../src/devnet/deploy-stablecoins.ts';
import {
  FORWARDER_FACTORY_ADDRESS,
  forwarderAddress,
  forwarderSalt,
} from '../../src/domain/forwarder-address.ts';
import { hex, pendingNonce, receipts, rpc, sendTransaction, transferData } from './chain.ts';

/** The block gas limit the sweeps are fitted into (anvil's default; Ethereum mainnet's until 2025). */
export const BLOCK_GAS_LIMIT = 30_000_000n;
/**
 * EIP-7825 (Osaka; on Ethereum mainnet since Fusaka, December 2025) caps one transaction at 2^24
 * gas whatever the block holds. Anvil enforces it only with --enable-tx-gas-limit.
 */
export const EIP7825_TX_GAS_CAP = 16_777_216n;
/** One payment: 25 USDC in base units (6 decimals). */
export const PAYMENT = 25_000_000n;
const SEND_CHUNK = 200;
const TRANSFER_GAS = 100_000;

export type SweepChain = {
  rpcUrl: string;
  chainId: number;
  publicClient: PublicClient;
  usdc: Address;
  usdt: Address;
  /** Holds the stablecoins and makes every payment. */
  payer: Address;
  /** Sends the sweeps: anyone may, it needs only ETH for gas. */
  sweeper: Address;
  /** Tops up xpub child addresses with ETH. */
  gasWallet: Address;
  /** The merchant's payout address; it already holds USDC, as a payout in use does. */
  payout: Address;
  nextSalts(count: number): Hex[];
};

/**
 * Fixed keys and addresses, so a rerun sends the same calldata (zero bytes cost 4 gas, others 16:
 * a random address would move the figures by a few gas).
 */
export const benchKey = (label: string): Hex => keccak256(stringToHex(`stablegate bench ${label}`));
export const benchAddress = (label: string): Address => privateKeyToAccount(benchKey(label)).address;

/** TestStablecoins (USDC, USDT: 6 decimals), the ForwarderFactory and a 30M block gas limit. */
export async function setupSweepChain(rpcUrl: string, chainId: number): Promise<SweepChain> {
  const [deployer, payer, sweeper, gasWallet] = getAnvilAccounts({ count: 4 }).map((a) => a.address);
  if (!deployer || !payer || !sweeper || !gasWallet) throw new Error('anvil accounts missing');
  const tokens = await deployStablecoins({ rpcUrl, payers: [payer] });
  const usdc = tokens.find((token) => token.symbol === 'USDC')?.address;
  const usdt = tokens.find((token) => token.symbol === 'USDT')?.address;
  if (!usdc || !usdt) throw new Error('stablecoins missing');
  const transport = http(rpcUrl);
  const publicClient = createPublicClient({ transport, pollingInterval: 20, cacheTime: 0 });
  await deployForwarderFactory({
    publicClient,
    walletClient: createWalletClient({ account: deployer, transport, pollingInterval: 20 }),
  });
  await rpc(rpcUrl, 'evm_setBlockGasLimit', [hex(BLOCK_GAS_LIMIT)]);
  let index = 0;
  const chain: SweepChain = {
    rpcUrl,
    chainId,
    publicClient,
    usdc,
    usdt,
    payer,
    sweeper,
    gasWallet,
    payout: benchAddress('payout'),
    nextSalts: (count) => Array.from({ length: count }, () => forwarderSalt('mch_bench_sweep', index++)),
  };
  await pay(chain, [chain.payout]);
  return chain;
}

export const depositAddresses = (chain: SweepChain, salts: readonly Hex[]): Address[] =>
  salts.map((salt) => forwarderAddress(chain.payout, salt));

/**
 * One USDC payment to each recipient from the payer. Sent one after another (explicit nonces,
 * receipts awaited per chunk): concurrent sends with nonce gaps left some queued in anvil's pool.
 */
export async function pay(chain: SweepChain, recipients: readonly Address[], amount = PAYMENT) {
  let nonce = await pendingNonce(chain.rpcUrl, chain.payer);
  for (let i = 0; i < recipients.length; i += SEND_CHUNK) {
    const hashes: Hash[] = [];
    for (const to of recipients.slice(i, i + SEND_CHUNK)) {
      const data = transferData(to, amount);
      const tx = { from: chain.payer, to: chain.usdc, data, nonce: nonce++, gas: TRANSFER_GAS };
      hashes.push(await sendTransaction(chain.rpcUrl, tx));
    }
    await receipts(chain.rpcUrl, hashes);
  }
}

export async function balanceOf(chain: SweepChain, token: Address, owner: Address): Promise<bigint> {
  return chain.publicClient.readContract({
    address: token,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [owner],
  });
}

const sweepRequest = (chain: SweepChain, salts: readonly Hex[], tokens: readonly Address[]) =>
  ({
    address: FORWARDER_FACTORY_ADDRESS,
    abi: forwarderFactoryAbi,
    functionName: 'sweep',
    args: [chain.payout, salts, tokens],
    account: chain.sweeper,
  }) as const;

/**
 * Sends `ForwarderFactory.sweep(payout, salts, tokens)` and returns its receipt's gasUsed. Checks
 * that the payout received `expected` USDC, so a sweep that did nothing cannot pass for a cheap one.
 */
export async function sweep(
  chain: SweepChain,
  salts: readonly Hex[],
  tokens: readonly Address[],
  options: { expected: bigint; gas?: bigint },
): Promise<{ gasUsed: bigint; blockGasUsed: bigint }> {
  const before = await balanceOf(chain, chain.usdc, chain.payout);
  const walletClient = createWalletClient({ transport: http(chain.rpcUrl) });
  const hash = await walletClient.writeContract({
    ...sweepRequest(chain, salts, tokens),
    chain: null,
    ...(options.gas === undefined ? {} : { gas: options.gas }),
  });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error(`sweep ${hash} reverted`);
  const received = (await balanceOf(chain, chain.usdc, chain.payout)) - before;
  if (received !== options.expected)
    throw new Error(`sweep of ${salts.length} moved ${received}, expected ${options.expected}`);
  const block = await chain.publicClient.getBlock({ blockHash: receipt.blockHash });
  return { gasUsed: receipt.gasUsed, blockGasUsed: block.gasUsed };
}

/** The gas limit a sweep needs (eth_estimateGas), or null when it needs more than `cap`. */
export async function sweepGasLimit(
  chain: SweepChain,
  salts: readonly Hex[],
  tokens: readonly Address[],
  cap = BLOCK_GAS_LIMIT,
): Promise<bigint | null> {
  try {
    const gas = await chain.publicClient.estimateContractGas(sweepRequest(chain, salts, tokens));
    return gas <= cap ? gas : null;
  } catch {
    return null;
  }
}

/**
 * The largest prefix of `salts` whose sweep needs a gas limit within `cap`, by bisection on
 * eth_estimateGas. The limit, not gasUsed, is what must fit: gasUsed is net of refunds (EIP-3529:
 * a balance cleared to zero refunds 4,800, at most a fifth of the gas used).
 */
export async function largestFittingSweep(
  chain: SweepChain,
  salts: readonly Hex[],
  tokens: readonly Address[],
  cap: bigint,
): Promise<{ count: number; gasLimit: bigint; atUpperBound: boolean }> {
  let low = 1;
  let lowGas = await sweepGasLimit(chain, salts.slice(0, 1), tokens, cap);
  if (lowGas === null) throw new Error('a sweep of one address does not fit');
  let high = salts.length + 1;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    const gas = await sweepGasLimit(chain, salts.slice(0, middle), tokens, cap);
    if (gas === null) high = middle;
    else [low, lowGas] = [middle, gas];
  }
  return { count: low, gasLimit: lowGas, atUpperBound: low === salts.length };
}

/**
 * The xpub path for one payment: the gas wallet tops the child address up with ETH (a plain
 * transfer), then the child, signing itself, transfers its whole USDC balance to `payout`.
 */
export async function xpubSweep(chain: SweepChain, payout: Address, childLabel: string) {
  const child = privateKeyToAccount(benchKey(childLabel));
  await pay(chain, [child.address]);
  const transport = http(chain.rpcUrl);
  const topUpHash = await createWalletClient({ transport }).sendTransaction({
    account: chain.gasWallet,
    to: child.address,
    value: 10n ** 15n,
    chain: null,
  });
  const topUp = await chain.publicClient.waitForTransactionReceipt({ hash: topUpHash });
  const chainDef = defineChain({ ...anvilChain, id: chain.chainId });
  const childWallet = createWalletClient({ account: child, transport, chain: chainDef });
  const transferHash = await childWallet.writeContract({
    address: chain.usdc,
    abi: erc20Abi,
    functionName: 'transfer',
    args: [payout, PAYMENT],
  });
  const transfer = await chain.publicClient.waitForTransactionReceipt({ hash: transferHash });
  if (topUp.status !== 'success' || transfer.status !== 'success') throw new Error('xpub sweep failed');
  if ((await balanceOf(chain, chain.usdc, child.address)) !== 0n) throw new Error('child not emptied');
  return { topUpGas: topUp.gasUsed, transferGas: transfer.gasUsed };
}
