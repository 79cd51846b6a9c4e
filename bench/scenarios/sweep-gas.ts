import { readFileSync } from 'node:fs';
import type { Address, Hex } from 'viem';
import { startAnvil } from '../../src/devnet/start-anvil.ts';
import { rpc } from '../lib/chain.ts';
import { writeResult } from '../lib/results.ts';
import type { Scenario, ScenarioOptions } from '../lib/scenario.ts';
import {
  BLOCK_GAS_LIMIT,
  benchAddress,
  depositAddresses,
  EIP7825_TX_GAS_CAP,
  largestFittingSweep,
  PAYMENT,
  pay,
  type SweepChain,
  setupSweepChain,
  sweep,
  sweepGasLimit,
  xpubSweep,
} from '../lib/sweep-chain.ts';
import {
  type Batch,
  type BlockFit,
  type BlockFits,
  type Fit,
  printSweepReport,
} from '../lib/sweep-report.ts';

/** The compiler line contracts-abi/index.ts was generated with (its second line). */
const SOLC = readFileSync(new URL('../../contracts-abi/index.ts', import.meta.url), 'utf8')
  .split('\n')[1]
  ?.replace(/^\/\/ /, '');
type GasKey = 'first' | 'later' | 'firstLimit' | 'laterLimit';
const FIT_KEYS: [number, GasKey][] = [1, 2].flatMap((tokens) =>
  (['first', 'later', 'firstLimit', 'laterLimit'] as const).map((key): [number, GasKey] => [tokens, key]),
);

/** First sweep (deploys the forwarders) and a later sweep (after a new payment to each). */
async function measureBatch(chain: SweepChain, size: number, tokens: readonly Address[]) {
  const salts = chain.nextSalts(size);
  const addresses = depositAddresses(chain, salts);
  const expected = PAYMENT * BigInt(size);
  await pay(chain, addresses);
  const firstLimit = await sweepGasLimit(chain, salts, tokens);
  const first = await sweep(chain, salts, tokens, { expected });
  await pay(chain, addresses);
  const laterLimit = await sweepGasLimit(chain, salts, tokens);
  const later = await sweep(chain, salts, tokens, { expected });
  if (firstLimit === null || laterLimit === null) throw new Error(`no gas estimate for ${size}`);
  const gas = { first: first.gasUsed, later: later.gasUsed, firstLimit, laterLimit };
  return { tokens: tokens.length, size, ...gas };
}

/** Least squares gas = fixed + perAddress × n (gas is an integer count, not money). */
function linearFit(points: readonly { size: number; gas: bigint }[]): Fit {
  const n = points.length;
  const xs = points.map((point) => point.size);
  const ys = points.map((point) => Number(point.gas));
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (let i = 0; i < n; i++) {
    covariance += ((xs[i] as number) - meanX) * ((ys[i] as number) - meanY);
    variance += ((xs[i] as number) - meanX) ** 2;
  }
  const perAddress = covariance / variance;
  return { fixed: meanY - perAddress * meanX, perAddress };
}

const predictedFit = (fit: Fit, cap: bigint) => Math.floor((Number(cap) - fit.fixed) / fit.perAddress);

/** The largest sweep within `cap` among `salts` (all funded), found by bisection, then sent. */
async function sendLargest(chain: SweepChain, salts: readonly Hex[], cap: bigint, predicted: number) {
  const tokens = [chain.usdc];
  const found = await largestFittingSweep(chain, salts, tokens, cap);
  const sent = await sweep(chain, salts.slice(0, found.count), tokens, {
    expected: PAYMENT * BigInt(found.count),
    gas: cap,
  });
  const fit: BlockFit = { predicted, confirmed: found.count, ...found, gasUsed: sent.gasUsed };
  return fit;
}

/**
 * Sends the largest sweeps whose gas limit is within `cap`, first (deploying) and later. The
 * candidates are 10 % above the linear prediction; forwarders the first sweep did not reach are
 * swept (deployed) separately, more are deployed empty, then all get a payment for the later one.
 */
async function confirmFit(chain: SweepChain, limits: { first: Fit; later: Fit }, cap: bigint) {
  const tokens = [chain.usdc];
  const predicted = { first: predictedFit(limits.first, cap), later: predictedFit(limits.later, cap) };
  const firstSalts = chain.nextSalts(Math.ceil(predicted.first * 1.1));
  await pay(chain, depositAddresses(chain, firstSalts));
  const first = await sendLargest(chain, firstSalts, cap, predicted.first);
  const chunk = first.confirmed as number;
  const laterSalts: Hex[] = [...firstSalts];
  const extra = chain.nextSalts(Math.max(0, Math.ceil(predicted.later * 1.1) - firstSalts.length));
  const undeployed = [...firstSalts.slice(chunk), ...extra];
  for (let i = 0; i < undeployed.length; i += chunk) {
    const part = undeployed.slice(i, i + chunk);
    const paid = part.filter((salt) => !extra.includes(salt)).length;
    await sweep(chain, part, tokens, { expected: PAYMENT * BigInt(paid), gas: cap });
  }
  laterSalts.push(...extra);
  await pay(chain, depositAddresses(chain, laterSalts));
  const later = await sendLargest(chain, laterSalts, cap, predicted.later);
  return { first, later };
}

/**
 * 6. Sweeps: the gas of emptying deposit addresses with ForwarderFactory.sweep (first sweep,
 * which deploys each EIP-1167 forwarder, and later ones), against the xpub path's ETH top-up plus
 * ERC-20 transfer per child address, and how many addresses one transaction in a 30M block sweeps.
 */
async function run(options: ScenarioOptions) {
  const sizes = options.quick ? [1, 5, 20] : [1, 10, 50, 100];
  const anvil = await startAnvil();
  try {
    const chain = await setupSweepChain(anvil.rpcUrl, anvil.chainId);
    const batches: Batch[] = [];
    for (const tokens of [[chain.usdc], [chain.usdc, chain.usdt]])
      for (const size of sizes) batches.push(await measureBatch(chain, size, tokens));
    const points = (tokens: number, key: GasKey) =>
      batches.filter((b) => b.tokens === tokens).map((b) => ({ size: b.size, gas: b[key] }));
    const fits = Object.fromEntries(
      FIT_KEYS.map(([tokens, key]) => [
        `${key}, ${tokens === 1 ? 'USDC' : 'USDC + USDT'}`,
        linearFit(points(tokens, key)),
      ]),
    ) as Record<string, Fit>;
    const funded = await xpubSweep(chain, chain.payout, 'child 0');
    const empty = await xpubSweep(chain, benchAddress('new payout'), 'child 1');
    const xpub = { topUpGas: funded.topUpGas, toFunded: funded.transferGas, toEmpty: empty.transferGas };
    const limits = { first: fits['firstLimit, USDC'] as Fit, later: fits['laterLimit, USDC'] as Fit };
    const caps = [BLOCK_GAS_LIMIT, EIP7825_TX_GAS_CAP];
    const blockFits: BlockFits = [];
    for (const cap of caps) {
      const predicted = (kind: 'first' | 'later') => ({ predicted: predictedFit(limits[kind], cap) });
      const fit = options.quick
        ? { first: predicted('first'), later: predicted('later') }
        : await confirmFit(chain, limits, cap);
      blockFits.push({ cap, ...fit });
    }
    printSweepReport({ batches, fits, xpub, blockFits, quick: options.quick });
    const anvilVersion = await rpc<string>(anvil.rpcUrl, 'web3_clientVersion');
    const { hardFork } = await rpc<{ hardFork?: string }>(anvil.rpcUrl, 'anvil_nodeInfo');
    console.log(`${anvilVersion}, hardfork ${hardFork}; contracts: ${SOLC}`);
    const bigints = (value: unknown) =>
      JSON.parse(JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
    return writeResult(
      'sweep-gas',
      bigints({ anvilVersion, hardFork, solc: SOLC, quick: options.quick, batches, fits, xpub, blockFits }),
    );
  } finally {
    await anvil.stop();
  }
}

export const sweepGas: Scenario = { name: 'sweep-gas', title: 'Sweep gas', run };
