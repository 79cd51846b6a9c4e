import type { Hex } from 'viem';
import type { BlockRef } from '../domain/chain.ts';
import { LogRangeExhaustedError, NodeMissingBlockError } from './errors.ts';
import type { RangeSizer } from './log-range.ts';
import type { ChainRpc, RpcLog } from './rpc.ts';

/** One eth_getLogs range with the headers the watcher needs to commit it. */
export type LogRange = {
  from: number;
  to: number;
  logs: RpcLog[];
  /** The range's last block: the cursor once the range is committed. */
  end: BlockRef;
  /** Headers by hash: `end` and the blocks of the logs `wantedBlocks` picked when they arrived. */
  blocks: Map<string, BlockRef>;
};

export type RangeRead =
  | { kind: 'range'; range: LogRange }
  /** The node refused the range or its response as too large; the sizer has shrunk, read again. */
  | { kind: 'narrowed'; from: number; to: number; error: unknown };

type Settled = { ok: true; range: LogRange } | { ok: false; error: unknown };

/** Ranges in flight at once: the one the caller waits for and the next, read while it commits. */
const RANGES_IN_FLIGHT = 2;

/**
 * Reads a backfill's eth_getLogs ranges ahead of the watcher, so the node serves the next range
 * while the current one is matched and committed: one request at a time, the watcher sat ~88 %
 * idle, and the node idled while the watcher parsed. Reading ahead commits nothing; the caller
 * still commits each range's transfers and cursor in one transaction, in order.
 *
 * Invariant: `ahead` holds contiguous ranges, the first starting where the caller reads next. A
 * read from anywhere else (a rewind, a step that failed before its commit, a restart) or with a
 * lower limit discards them, and so does `discard()`, so blocks read before a rewind are never used.
 */
export function createLogRangeReader(args: {
  /** Without JSON-RPC batching: each eth_getLogs must travel, and be answered, on its own. */
  logsRpc: ChainRpc;
  /** For headers, batched. */
  rpc: ChainRpc;
  tokens: readonly Hex[];
  topic0: Hex;
  sizer: RangeSizer;
  /** Block numbers whose headers to fetch with the range: those of the logs that look like ours. */
  wantedBlocks: (logs: readonly RpcLog[]) => number[];
}) {
  const { logsRpc, rpc, sizer } = args;
  let ahead: { from: number; to: number; settled: Promise<Settled> }[] = [];

  async function fetchRange(from: number, to: number): Promise<LogRange> {
    const logs = await logsRpc.logsInRange({ tokens: args.tokens, topic0: args.topic0, from, to });
    const numbers = [to, ...new Set(args.wantedBlocks(logs))];
    const headers = await rpc.blocksByNumber(numbers);
    const end = headers[0];
    if (!end) throw new NodeMissingBlockError(to, 'below the head it reported');
    const blocks = new Map<string, BlockRef>();
    for (const header of headers) if (header) blocks.set(header.hash, header);
    return { from, to, logs, end, blocks };
  }

  function fill(from: number, limit: number): void {
    let start = (ahead.at(-1)?.to ?? from - 1) + 1;
    while (ahead.length < RANGES_IN_FLIGHT && start <= limit) {
      const to = Math.min(limit, start + sizer.size - 1);
      // Settled, never rejected: a discarded range's failure must not surface as unhandled.
      const settled = fetchRange(start, to).then(
        (range): Settled => ({ ok: true, range }),
        (error: unknown): Settled => ({ ok: false, error }),
      );
      ahead.push({ from: start, to, settled });
      start = to + 1;
    }
  }

  return {
    /** The range from `from` (to at most `limit`), reading the next one ahead; `from` ≤ `limit`. */
    async read(from: number, limit: number): Promise<RangeRead> {
      if (ahead[0]?.from !== from || ahead.some((range) => range.to > limit)) ahead = [];
      fill(from, limit);
      const next = ahead.shift();
      if (!next) throw new LogRangeExhaustedError(from, limit);
      const settled = await next.settled;
      if (!settled.ok) {
        // Later ranges were sized like this one and start after it: read them again once narrowed.
        ahead = [];
        if (sizer.failed(settled.error, next.to - next.from + 1))
          return { kind: 'narrowed', from: next.from, to: next.to, error: settled.error };
        throw settled.error;
      }
      sizer.succeeded(next.to - next.from + 1, settled.range.logs.length);
      fill(next.to + 1, limit);
      return { kind: 'range', range: settled.range };
    },
    /** Drops the ranges read ahead (their requests finish unobserved). */
    discard(): void {
      ahead = [];
    },
  };
}

export type LogRangeReader = ReturnType<typeof createLogRangeReader>;
