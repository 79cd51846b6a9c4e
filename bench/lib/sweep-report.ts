import { formatEther, parseGwei } from 'viem';
import { fmt } from './stats.ts';
import { printTable } from './table.ts';

/** gasUsed (what a sweep costs) and the gas limit it needs (eth_estimateGas: what must fit). */
export type Batch = {
  tokens: number;
  size: number;
  first: bigint;
  later: bigint;
  firstLimit: bigint;
  laterLimit: bigint;
};
/** gas = fixed + perAddress × addresses (gas is a count, not money: a float is fine here). */
export type Fit = { fixed: number; perAddress: number };
export type BlockFit = {
  predicted: number;
  confirmed?: number;
  gasLimit?: bigint;
  gasUsed?: bigint;
  atUpperBound?: boolean;
};
export type BlockFits = { cap: bigint; first: BlockFit; later: BlockFit }[];
export type XpubGas = { topUpGas: bigint; toFunded: bigint; toEmpty: bigint };

/** Example gas prices for the ETH columns: examples, not a forecast of any network's fees. */
const EXAMPLE_PRICES = [parseGwei('1'), parseGwei('20')];

const ratio = (gas: number, base: number) => `${(gas / base).toFixed(2)}×`;
const ethPer1000 = (gasPerAddress: number, price: bigint) =>
  formatEther(BigInt(Math.round(gasPerAddress * 1000)) * price);
const tokensLabel = (tokens: number) => (tokens === 1 ? 'USDC' : 'USDC + USDT (0 balance)');

function printBatches(batches: readonly Batch[], fits: Record<string, Fit>) {
  printTable(
    'Forwarder sweeps: gasUsed of one ForwarderFactory.sweep (each address holds one 25 USDC payment)',
    ['tokens listed', 'addresses', 'first sweep (deploys)', 'per address', 'later sweep', 'per address'],
    batches.map((b) => [
      tokensLabel(b.tokens),
      fmt(b.size),
      fmt(Number(b.first)),
      fmt(Math.round(Number(b.first) / b.size)),
      fmt(Number(b.later)),
      fmt(Math.round(Number(b.later) / b.size)),
    ]),
  );
  printTable(
    'Linear fit over the batches: gas = fixed + marginal × addresses (gasUsed is paid; the gas limit, before refunds, must fit in a block)',
    ['sweep', 'gasUsed: fixed', 'gasUsed: marginal', 'gas limit: fixed', 'gas limit: marginal'],
    (['first', 'later'] as const).flatMap((kind) =>
      ['USDC', 'USDC + USDT'].map((tokens) => {
        const used = fits[`${kind}, ${tokens}`] as Fit;
        const limit = fits[`${kind}Limit, ${tokens}`] as Fit;
        return [
          `${kind}, ${tokens}`,
          ...[used.fixed, used.perAddress, limit.fixed, limit.perAddress].map((gas) => fmt(Math.round(gas))),
        ];
      }),
    ),
  );
}

function printComparison(batches: readonly Batch[], xpub: XpubGas) {
  const xpubPerAddress = Number(xpub.topUpGas + xpub.toFunded);
  printTable(
    'xpub child addresses (EOAs): per address, an ETH top-up from the gas wallet, then the USDC transfer',
    ['transaction', 'gasUsed'],
    [
      ['ETH top-up (gas wallet → child)', fmt(Number(xpub.topUpGas))],
      ['USDC transfer child → payout that holds USDC', fmt(Number(xpub.toFunded))],
      ['USDC transfer child → payout with no USDC yet', fmt(Number(xpub.toEmpty))],
      ['per address (top-up + transfer to a payout that holds USDC), 2 transactions', fmt(xpubPerAddress)],
    ],
  );
  const largest = (tokens: number) => batches.filter((b) => b.tokens === tokens).at(-1) as Batch;
  const n = largest(1).size;
  const paths: [string, number, string][] = [1, 2].flatMap((tokens) => {
    const b = largest(tokens);
    return [
      [`forwarder, first sweep, ${tokensLabel(tokens)}`, Number(b.first) / b.size, '1'],
      [`forwarder, later sweep, ${tokensLabel(tokens)}`, Number(b.later) / b.size, '1'],
    ] as [string, number, string][];
  });
  paths.push(['xpub: ETH top-up + USDC transfer', xpubPerAddress, fmt(2 * n)]);
  printTable(
    `Per address, sweeping ${n} payments (forwarders: one sweep of ${n}); ETH per 1,000 addresses at EXAMPLE gas prices`,
    [
      'path',
      'gas per address',
      `transactions per ${n}`,
      'vs xpub',
      'ETH @ 1 gwei (example)',
      'ETH @ 20 gwei (example)',
    ],
    paths.map(([name, gas, txs]) => [
      name,
      fmt(Math.round(gas)),
      txs,
      ratio(gas, xpubPerAddress),
      ...EXAMPLE_PRICES.map((price) => ethPer1000(gas, price)),
    ]),
  );
}

function printBlockFits(blockFits: BlockFits, quick: boolean) {
  const capLabel = (cap: bigint) =>
    cap === 16_777_216n ? `${fmt(Number(cap))} (EIP-7825 tx cap)` : `${fmt(Number(cap))} (block)`;
  printTable(
    'Addresses per sweep transaction (USDC listed): the largest whose gas limit fits',
    [
      'gas limit',
      'sweep',
      'predicted (fit of gas limits)',
      'largest that fits (sent)',
      'its gas limit',
      'its gasUsed',
    ],
    blockFits.flatMap(({ cap, first, later }) =>
      (
        [
          ['first', first],
          ['later', later],
        ] as const
      ).map(([name, fit]) => [
        capLabel(cap),
        name,
        fmt(fit.predicted),
        fit.confirmed === undefined
          ? quick
            ? 'not sent (quick: extrapolated)'
            : '—'
          : `${fmt(fit.confirmed)}${fit.atUpperBound ? ' (or more)' : ''}`,
        fit.gasLimit === undefined ? '—' : fmt(Number(fit.gasLimit)),
        fit.gasUsed === undefined ? '—' : fmt(Number(fit.gasUsed)),
      ]),
    ),
  );
}

export function printSweepReport(report: {
  batches: readonly Batch[];
  fits: Record<string, Fit>;
  xpub: XpubGas;
  blockFits: BlockFits;
  quick: boolean;
}) {
  printBatches(report.batches, report.fits);
  printComparison(report.batches, report.xpub);
  printBlockFits(report.blockFits, report.quick);
}
