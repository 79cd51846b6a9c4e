import type { Hex } from 'viem';
import type { ChainConfig } from '../config/chains.ts';
import type { BlockRef } from '../domain/chain.ts';
import type { Clock } from '../domain/clock.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Store } from '../store/store.ts';
import type { BlockClock } from './block-clock.ts';
import type { WatcherClient } from './client.ts';
import { createDepositAddressIndex, type DepositAddressIndex } from './deposit-address-index.ts';
import { createFinality, type Finality } from './finality.ts';
import { createRangeSizer, type RangeSizer } from './log-range.ts';
import { createLogRangeReader, type LogRangeReader } from './log-range-reader.ts';
import type { HeadPoll } from './poll-schedule.ts';
import type { ChainRpc } from './rpc.ts';
import { matchTransferLogs, TRANSFER_TOPIC } from './transfer-logs.ts';

/** The outcome of one step: the watcher either moved, rewound, or is level with the node. */
export type StepOutcome =
  | { kind: 'block'; to: number; recorded: number }
  | { kind: 'reorg'; ancestor: number; depth: number }
  | { kind: 'synced' };

export type WatcherMetrics = Pick<
  Metrics,
  | 'chainHead'
  | 'chainHeadLag'
  | 'chainBlocksProcessed'
  | 'chainLogsProcessed'
  | 'chainReorgs'
  | 'chainTransfersRecorded'
  | 'chainDetectionLatency'
  | 'chainHeadStale'
  | 'chainHeadAge'
  | 'chainBlockTime'
>;

export type WatcherDeps = {
  store: Store;
  logger: Logger;
  clock: Clock;
  metrics: WatcherMetrics;
  chain: ChainConfig;
  /** The watcher's own clients (chain/client.ts): its stop() aborts them. */
  client: WatcherClient;
  /** Called after every commit that recorded or changed transfers (wakes the settlement relay). */
  onTransfers?: (() => void) | undefined;
};

/**
 * What every step of one watcher reads; the leaf module that the step files import (never
 * watcher.ts), so no import cycle appears. The fields never change. What does change between steps
 * lives behind them, each with its invariant written above its own state: the address `index`
 * (deposit-address-index.ts), the ranges read ahead (log-range-reader.ts) and their `sizer`, and
 * what the commits confirm through with the reorg window it asks for (`finality`, finality.ts).
 */
export type ScanContext = {
  store: Store;
  chain: ChainConfig;
  rpc: ChainRpc;
  index: DepositAddressIndex;
  ranges: LogRangeReader;
  sizer: RangeSizer;
  /** The configured token contracts, lowercase, as eth_getLogs takes them. */
  tokens: readonly Hex[];
  tokenSet: ReadonlySet<string>;
  /** Which transfers a commit confirms, the deep-reorg rule, and the window kept below the cursor. */
  finality: Finality;
  log: Logger;
  metrics: WatcherMetrics;
  labels: { chain_id: string };
  clock: Clock;
  onTransfers: (() => void) | undefined;
  /** The chain's block clock: fed every header the steps read, read for the stale-head limit. */
  blockClock: BlockClock;
  /** Told of every head the node reports, with when it was asked and answered (the watcher's loop). */
  onHead: (poll: HeadPoll, head: BlockRef) => void;
};

export function createScanContext(
  deps: WatcherDeps,
  loop: Pick<ScanContext, 'blockClock' | 'onHead'>,
): ScanContext {
  const { store, chain, client } = deps;
  const index = createDepositAddressIndex(store, chain.chainId);
  const tokens = chain.tokens.map((token) => token.address.toLowerCase() as Hex);
  const tokenSet = new Set<string>(tokens);
  // Start narrow and grow (×2 a step while responses are small): one oversized first request can
  // cost a provider timeout, or viem's 10 MiB response limit three times over with its retries.
  const sizer = createRangeSizer({ initial: 10 });
  const ranges = createLogRangeReader({
    logsRpc: client.logsRpc,
    rpc: client.rpc,
    tokens,
    topic0: TRANSFER_TOPIC,
    sizer,
    wantedBlocks: (logs) =>
      matchTransferLogs(logs, index, tokenSet).map((match) => Number(BigInt(match.log.blockNumber))),
  });
  return {
    store,
    chain,
    rpc: client.rpc,
    index,
    ranges,
    sizer,
    tokens,
    tokenSet,
    finality: createFinality({ chainId: chain.chainId, confirmations: chain.confirmations, rpc: client.rpc }),
    log: deps.logger.child({ chainId: chain.chainId }),
    metrics: deps.metrics,
    labels: { chain_id: String(chain.chainId) },
    clock: deps.clock,
    onTransfers: deps.onTransfers,
    ...loop,
  };
}
