import type { Hex } from 'viem';
import type { ChainConfig } from '../config/chains.ts';
import type { AppContext } from '../runtime/context.ts';
import {
  type BlockRef,
  type Cursor,
  commitScan,
  earliestUnanchoredInvoice,
  getCursor,
  getWindowBlocks,
  markSynced,
  rewindTo,
  type TransferToRecord,
} from '../store/chain-state.ts';
import { findBlockBefore } from './block-by-time.ts';
import { createDepositAddressIndex } from './deposit-address-index.ts';
import { createRangeSizer } from './log-range.ts';
import { createLogRangeReader } from './log-range-reader.ts';
import { findCommonAncestor } from './reorg.ts';
import {
  type ChainRpc,
  closeWsClient,
  createChainRpc,
  createHttpClient,
  createWsClient,
  type RpcLog,
} from './rpc.ts';
import { matchTransferLogs, TRANSFER_TOPIC, toTransferRecord } from './transfer-logs.ts';

export type WatcherOptions = {
  ctx: AppContext;
  chain: ChainConfig;
  /** Called after every commit that recorded or changed transfers (wakes the settlement relay). */
  onTransfers?: () => void;
};

/** The outcome of one step: the watcher either moved, rewound, or is level with the node. */
export type StepOutcome =
  | { kind: 'block'; to: number; recorded: number }
  | { kind: 'reorg'; ancestor: number; depth: number }
  | { kind: 'synced' };

/** How long a node may report a head below our cursor before its chain is believed. */
const NODE_BEHIND_GRACE_MS = 30_000;

/**
 * A deposit address is watched from the block at which its invoice was created: an earlier
 * transfer (the address used before, e.g. by the merchant's own wallet) is not a payment. An
 * invoice made before the watcher ever ran has no such block; the watcher's first cursor was put
 * ten minutes before the earliest of those invoices, which bounds what can count for them. (Block
 * timestamps are not compared with ours: node clocks drift, and devnets rewind theirs.)
 */
function isAfterCreation(invoice: { watch_from_block: number | null }, block: BlockRef): boolean {
  return invoice.watch_from_block === null || block.number > invoice.watch_from_block;
}

/** How far before the earliest invoice a first-ever watcher starts scanning. */
const UNANCHORED_MARGIN_S = 600;

/** How often an idle watcher refreshes `synced_at` (expiry and /readyz read it). */
const SYNCED_WRITE_INTERVAL_MS = 2000;
/**
 * After a failed step the watcher waits 500 ms, then 1 s, 2 s, 4 s, then this at most. A step is
 * many calls and fails whole, so on a lossy link (30 % of connections dropped) several fail in a
 * row; a 15 s cap then put 30 s of waiting between the node coming back and the next payment
 * seen. One step per 5 s is still gentle on a node or provider that is down.
 */
const STEP_RETRY_CAP_MS = 5_000;

/** Addresses per catch-up eth_getLogs: providers cap topic OR-lists (commonly near 1,000). */
const CATCH_UP_TOPICS = 500;
/** Blocks per catch-up eth_getLogs. */
const CATCH_UP_RANGE = 10_000;

/**
 * Follows one chain (SPEC "The flow", step 2). Invariants, kept across crashes because each is
 * committed in the same SQLite transaction as the transfers it covers:
 * - every block up to the cursor has been scanned against every address in the index up to
 *   `indexedRowId`; newer addresses get a catch-up scan from their `watch_from_block`;
 * - the window holds the recent blocks' (number, hash, parentHash), so a reorg is found by
 *   comparing hashes, walking back to the common ancestor, never by trusting `removed` logs.
 */
export function createWatcher({ ctx, chain, onTransfers }: WatcherOptions) {
  const { db, logger, metrics } = ctx;
  const log = logger.child({ chainId: chain.chainId });
  const labels = { chain_id: String(chain.chainId) };
  // Aborted by stop(): a step waiting on a hung node ends at once instead of after its retries.
  const stopping = new AbortController();
  const rpc = createChainRpc(createHttpClient(chain.rpcUrl, { signal: stopping.signal }));
  const index = createDepositAddressIndex(db, chain.chainId);
  const tokens = chain.tokens.map((token) => token.address.toLowerCase() as Hex);
  const tokenSet = new Set<string>(tokens);
  // Start narrow and grow (×2 a step while responses are small): one oversized first request can
  // cost a provider timeout, or viem's 10 MiB response limit three times over with its retries.
  const sizer = createRangeSizer({ initial: 10 });
  const ranges = createLogRangeReader({
    // A range that keeps failing is narrowed by the sizer rather than sent whole five times.
    logsRpc: createChainRpc(
      createHttpClient(chain.rpcUrl, { batch: false, retryCount: 2, signal: stopping.signal }),
    ),
    rpc,
    tokens,
    topic0: TRANSFER_TOPIC,
    sizer,
    wantedBlocks: (logs) =>
      matchTransferLogs(logs, index, tokenSet).map((match) => Number(BigInt(match.log.blockNumber))),
  });
  // Deeper than any reorg we expect to resolve by walking hashes; beyond it is an alert.
  const windowSize = Math.max(64, chain.confirmations * 2 + 16);
  const invoiceByRowId = db.prepare('SELECT id, watch_from_block FROM invoices WHERE rowid = ?');

  async function initialCursor(head: BlockRef): Promise<Cursor> {
    let start: BlockRef = head;
    if (chain.startBlock !== undefined) {
      const [block] = await rpc.blocksByNumber([Math.max(0, chain.startBlock - 1)]);
      if (!block) throw new Error(`node has no block ${chain.startBlock - 1} (startBlock - 1)`);
      start = block;
    } else {
      // Invoices made before this watcher ever ran: start well before the first of them, since
      // the node's clock and ours may disagree.
      const earliest = earliestUnanchoredInvoice(db, chain.chainId);
      if (earliest)
        start = await findBlockBefore(rpc, head, Math.floor(earliest.getTime() / 1000) - UNANCHORED_MARGIN_S);
    }
    commit({ transfers: [], blocks: [start], cursor: start, head, indexedRowId: 0 });
    log.info({ block: start.number }, 'watcher initialised its cursor');
    const cursor = getCursor(db, chain.chainId);
    if (!cursor) throw new Error('cursor missing after initialisation');
    return cursor;
  }

  function commit(batch: {
    transfers: TransferToRecord[];
    blocks: BlockRef[];
    cursor: BlockRef | Cursor;
    head: BlockRef;
    indexedRowId: number;
  }) {
    const { changed } = commitScan(db, {
      chainId: chain.chainId,
      transfers: batch.transfers,
      blocks: batch.blocks,
      cursor: { number: batch.cursor.number, hash: batch.cursor.hash, timestamp: batch.cursor.timestamp },
      headNumber: batch.head.number,
      indexedRowId: batch.indexedRowId,
      confirmations: chain.confirmations,
      windowSize,
      now: ctx.clock.now(),
    });
    const nowS = ctx.clock.now().getTime() / 1000;
    for (const transfer of batch.transfers)
      metrics.chainDetectionLatency.observe(labels, Math.max(0, nowS - transfer.blockTimestamp));
    metrics.chainTransfersRecorded.inc(labels, batch.transfers.length);
    if (changed > 0) onTransfers?.();
  }

  /** Turns matched logs into records, with their blocks' timestamps; null if a block moved. */
  function toRecords(logs: RpcLog[], blocks: Map<string, BlockRef>): TransferToRecord[] | null {
    const records: TransferToRecord[] = [];
    for (const { log: rpcLog, invoiceRowId } of matchTransferLogs(logs, index, tokenSet)) {
      const block = blocks.get(rpcLog.blockHash);
      if (!block) return null;
      const invoice = invoiceByRowId.get(invoiceRowId) as
        | { id: string; watch_from_block: number | null }
        | undefined;
      if (!invoice || !isAfterCreation(invoice, block)) continue;
      const record = toTransferRecord(rpcLog, invoice.id, block.timestamp);
      if (record) records.push(record);
    }
    return records;
  }

  /** Headers of the blocks the logs are in, keyed by hash; a log whose block is not canonical is a miss. */
  async function blocksOfLogs(logs: RpcLog[]): Promise<Map<string, BlockRef>> {
    const numbers = [...new Set(logs.map((rpcLog) => Number(BigInt(rpcLog.blockNumber))))];
    const blocks = await rpc.blocksByNumber(numbers);
    return new Map(
      blocks.filter((block): block is BlockRef => block !== null).map((block) => [block.hash, block]),
    );
  }

  /** Scans addresses added since the last committed batch over the blocks the cursor already passed. */
  async function catchUp(cursor: Cursor, head: BlockRef): Promise<void> {
    const { added, catchUp: behind } = index.refresh(
      (row) =>
        row.rowid > cursor.indexedRowId && row.watchFromBlock !== null && row.watchFromBlock < cursor.number,
    );
    const transfers: TransferToRecord[] = [];
    for (let i = 0; i < behind.length; i += CATCH_UP_TOPICS) {
      const group = behind.slice(i, i + CATCH_UP_TOPICS);
      const from = Math.min(...group.map((row) => row.watchFromBlock ?? cursor.number)) + 1;
      const toTopics = group.map(
        (row) => `0x000000000000000000000000${row.depositAddress.slice(2).toLowerCase()}` as Hex,
      );
      // Topic-filtered, so results are small; the range is still bounded for providers that cap it.
      for (let start = from; start <= cursor.number; start += CATCH_UP_RANGE) {
        const end = Math.min(cursor.number, start + CATCH_UP_RANGE - 1);
        const logs = await rpc.logsInRange({
          tokens,
          topic0: TRANSFER_TOPIC,
          from: start,
          to: end,
          toTopics,
        });
        const records = toRecords(logs, await blocksOfLogs(logs));
        if (!records) throw new Error('a block changed during the catch-up scan; retrying');
        transfers.push(...records);
      }
    }
    if (added > 0 && index.lastRowId !== cursor.indexedRowId) {
      commit({ transfers, blocks: [], cursor, head, indexedRowId: index.lastRowId });
      if (behind.length > 0)
        log.debug({ addresses: behind.length, found: transfers.length }, 'catch-up scan');
    }
  }

  async function handleReorg(cursor: Cursor): Promise<StepOutcome> {
    const window = getWindowBlocks(db, chain.chainId);
    const ancestor = await findCommonAncestor(rpc, window);
    const depth = cursor.number - ancestor.block.number;
    // Beyond the window means deeper than it: an alert only when the window was at least as deep
    // as the confirmation count (right after a first start it holds one block, and nothing can be
    // confirmed yet, so a shallow reorg there is no alert).
    const deep =
      depth >= chain.confirmations ||
      (ancestor.kind === 'beyond-window' && window.length >= chain.confirmations);
    const detail = deep
      ? `reorg of depth ${depth}${ancestor.kind === 'beyond-window' ? '+ (beyond the stored window)' : ''} at block ${cursor.number}, confirmations ${chain.confirmations}`
      : undefined;
    const result = rewindTo(db, {
      chainId: chain.chainId,
      ancestor: ancestor.block,
      now: ctx.clock.now(),
      ...(detail ? { deepDetail: detail } : {}),
    });
    metrics.chainReorgs.inc(labels);
    if (deep) log.error({ depth, ...result, alert: 'deep_reorg' }, detail);
    else
      log.warn(
        { depth, ancestor: ancestor.block.number, ...result },
        'reorg: rewound to the common ancestor',
      );
    if (result.reverted > 0) onTransfers?.();
    return { kind: 'reorg', ancestor: ancestor.block.number, depth };
  }

  /** Near the head: every block's header, linked by parent hash, and its logs fetched by block hash. */
  async function stepNearHead(cursor: Cursor, head: BlockRef): Promise<StepOutcome> {
    const numbers = Array.from({ length: head.number - cursor.number }, (_, i) => cursor.number + 1 + i);
    const headers = await rpc.blocksByNumber(numbers);
    const blocks: BlockRef[] = [];
    let parent = cursor.hash;
    for (const header of headers) {
      // A missing block means this node is behind the head it reported: stop here, never skip.
      if (!header) break;
      if (header.parentHash !== parent) {
        if (blocks.length === 0) return handleReorg(cursor);
        break; // the chain moved between calls; commit what links and look again next step
      }
      blocks.push(header);
      parent = header.hash;
    }
    if (blocks.length === 0) return { kind: 'synced' };
    const logs = (
      await Promise.all(
        blocks.map((block) => rpc.logsInBlock({ tokens, topic0: TRANSFER_TOPIC, blockHash: block.hash })),
      )
    ).flat();
    const records = toRecords(logs, new Map(blocks.map((block) => [block.hash, block])));
    if (!records) throw new Error('a log named a block outside the scanned headers');
    const last = blocks.at(-1) as BlockRef;
    commit({ transfers: records, blocks, cursor: last, head, indexedRowId: index.lastRowId });
    metrics.chainBlocksProcessed.inc(labels, blocks.length);
    metrics.chainLogsProcessed.inc(labels, logs.length);
    return { kind: 'block', to: last.number, recorded: records.length };
  }

  /** Far behind: ranges of eth_getLogs sized by the provider's limits, the next read while one commits. */
  async function stepBackfill(cursor: Cursor, head: BlockRef): Promise<StepOutcome> {
    const read = await ranges.read(cursor.number + 1, head.number - windowSize);
    if (read.kind === 'narrowed') {
      log.info(
        { from: read.from, to: read.to, nextRange: sizer.size, err: read.error },
        'eth_getLogs range refused, too large or too slow; narrowing',
      );
      return { kind: 'block', to: cursor.number, recorded: 0 };
    }
    const { to, logs, end, blocks } = read.range;
    // Matched with the index as it is now, not as it was when the range arrived: addresses indexed
    // since (by this step's catch-up) count, and their blocks' headers are fetched here.
    const matchedLogs = matchTransferLogs(logs, index, tokenSet).map((match) => match.log);
    const unfetched = matchedLogs.filter((rpcLog) => !blocks.has(rpcLog.blockHash));
    for (const [hash, block] of await blocksOfLogs(unfetched)) blocks.set(hash, block);
    const records = toRecords(matchedLogs, blocks);
    if (!records) throw new Error('a block changed during the backfill scan; retrying');
    commit({ transfers: records, blocks: [end], cursor: end, head, indexedRowId: index.lastRowId });
    metrics.chainBlocksProcessed.inc(labels, to - cursor.number);
    metrics.chainLogsProcessed.inc(labels, logs.length);
    return { kind: 'block', to, recorded: records.length };
  }

  let behindSince: number | null = null;
  let lastSyncedWrite = 0;
  let lastSyncedHead = -1;

  /**
   * The node reports a head below our cursor: a lagging node behind a load balancer (wait), or a
   * chain that lost blocks, e.g. a devnet restarted from an older state (a reorg). Only a node that
   * stays behind for NODE_BEHIND_GRACE_MS is treated as the latter, so lag never reverts payments.
   */
  async function nodeBehind(cursor: Cursor, head: BlockRef): Promise<StepOutcome> {
    const now = ctx.clock.now().getTime();
    behindSince ??= now;
    if (now - behindSince < NODE_BEHIND_GRACE_MS) {
      log.warn({ head: head.number, cursor: cursor.number }, 'node is behind the cursor; waiting');
      return { kind: 'synced' };
    }
    behindSince = null;
    return handleReorg(cursor);
  }

  /** One step: follow the head by at most one range, or rewind on a reorg. */
  async function step(): Promise<StepOutcome> {
    const head = await rpc.latestBlock();
    metrics.chainHead.set(labels, head.number);
    const cursor = getCursor(db, chain.chainId) ?? (await initialCursor(head));
    await catchUp(cursor, head);
    metrics.chainHeadLag.set(labels, Math.max(0, head.number - cursor.number));
    const backfill = head.number - cursor.number > windowSize;
    // Ranges read ahead serve one continuous backfill: a later one must not use blocks read
    // before the rewinds that steps near the head may make.
    if (!backfill) ranges.discard();
    if (head.number < cursor.number) return nodeBehind(cursor, head);
    behindSince = null;
    if (head.number === cursor.number) {
      // Same height (anvil_reorg keeps it): the head must still be our cursor block.
      if (head.hash !== cursor.hash) return handleReorg(cursor);
      // Each write is an fsync on the loop the workers share: refresh the mark every few seconds.
      const now = ctx.clock.now();
      if (now.getTime() - lastSyncedWrite >= SYNCED_WRITE_INTERVAL_MS || head.number !== lastSyncedHead) {
        markSynced(db, chain.chainId, head.number, now);
        lastSyncedWrite = now.getTime();
        lastSyncedHead = head.number;
      }
      return { kind: 'synced' };
    }
    return backfill ? stepBackfill(cursor, head) : stepNearHead(cursor, head);
  }

  let running = false;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let unwatchHeads: (() => void) | null = null;
  let wsClient: ReturnType<typeof createWsClient> | null = null;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });

  async function run(): Promise<void> {
    let failures = 0;
    while (running) {
      let outcome: StepOutcome | null = null;
      try {
        outcome = await step();
        failures = 0;
      } catch (error) {
        if (!running) break; // stop() aborted the step's requests
        failures++;
        if (failures === 1 || failures % 10 === 0)
          log.warn({ err: error, failures }, 'watcher step failed; retrying');
      }
      if (!running) break;
      if (outcome && outcome.kind !== 'synced') continue;
      await pause(failures > 0 ? Math.min(250 * 2 ** failures, STEP_RETRY_CAP_MS) : chain.pollIntervalMs);
    }
  }

  return {
    step,
    start(): void {
      if (running) return;
      running = true;
      if (chain.wsUrl) {
        // newHeads over WebSocket only wakes the loop; the loop still reads everything over HTTP.
        const ws = createWsClient(chain.wsUrl);
        wsClient = ws;
        unwatchHeads = ws.watchBlockNumber({
          emitMissed: false,
          onBlockNumber: () => wakeUp?.(),
          onError: (error) => log.warn({ err: error }, 'newHeads subscription error'),
        });
      }
      loop = run();
    },
    wake(): void {
      wakeUp?.();
    },
    /**
     * Stops for good (a watcher is not started again): the current step's requests are aborted,
     * and what it had not committed is scanned again by the next watcher from the saved cursor.
     */
    async stop(): Promise<void> {
      running = false;
      stopping.abort();
      unwatchHeads?.();
      if (wsClient) await closeWsClient(wsClient);
      wsClient = null;
      wakeUp?.();
      await loop;
    },
    get watchedAddresses(): number {
      return index.size;
    },
    rpc: rpc as ChainRpc,
  };
}

export type Watcher = ReturnType<typeof createWatcher>;
