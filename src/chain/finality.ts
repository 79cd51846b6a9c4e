import { RpcError } from 'viem';
import type { BlockRef, Confirmations, Cursor, FinalityTag } from '../domain/chain.ts';
import { FinalityTagUnsupportedError } from './errors.ts';
import type { ChainRpc } from './rpc.ts';

/**
 * When a recorded transfer counts as confirmed, and what that asks of the reorg window and alert
 * (docs/architecture.md "Confirmations and finality"). A chain's `confirmations` is a count N or a
 * block tag; either way each commit confirms the transfers at or below one block number:
 * - N: the cursor − N + 1, the cursor being the last block known canonical (N blocks deep, the
 *   transfer's own included);
 * - a tag: the tag's block, as far as the cursor reaches, once the node has shown that our chain up
 *   to the cursor is its own. Otherwise a tag that moved past a block we still hold from before a
 *   reorg (not yet noticed) would confirm a transfer the chain no longer has.
 */
export type Finality = {
  /**
   * Called once per step, before it commits anything, with the committed cursor (null before the
   * first one). With a tag, reads the tag's block and the node's block at the cursor's height.
   */
  observe(cursor: Cursor | null): Promise<void>;
  /**
   * The block a commit with this cursor confirms through; null: none in this step. Asked once per
   * commit, just before it: with a tag, the answer is remembered as final for the deep-reorg rule.
   */
  confirmedThrough(cursorNumber: number): number | null;
  /** The alert's text when rewinding to `ancestor` undoes confirmed blocks (a deep reorg), else null. */
  deepReorg(reorg: {
    cursor: number;
    ancestor: number;
    beyondWindow: boolean;
    windowLength: number;
  }): string | null;
  /** Blocks kept below the cursor for walking back a reorg: deeper than the confirmation depth. */
  readonly windowSize: number;
};

/**
 * Twice the confirmation depth and a margin, 64 at least: deeper than any reorg we expect to
 * resolve by walking hashes. The depth counts up to 1000, the largest count a chain may set.
 */
export function windowFor(depth: number): number {
  return Math.max(64, Math.min(depth, 1000) * 2 + 16);
}

export function createFinality(args: {
  chainId: number;
  confirmations: Confirmations;
  rpc: ChainRpc;
}): Finality {
  const { confirmations } = args;
  if (typeof confirmations === 'number') return countFinality(confirmations);
  return tagFinality({ ...args, tag: confirmations });
}

function countFinality(confirmations: number): Finality {
  return {
    observe: async () => undefined,
    confirmedThrough: (cursorNumber) => cursorNumber - confirmations + 1,
    // Beyond the window means deeper than it: an alert only when the window was at least as deep
    // as the confirmation count (right after a first start it holds one block, and nothing can be
    // confirmed yet, so a shallow reorg there is no alert).
    deepReorg({ cursor, ancestor, beyondWindow, windowLength }) {
      const depth = cursor - ancestor;
      if (depth < confirmations && !(beyondWindow && windowLength >= confirmations)) return null;
      return `reorg of depth ${depth}${beyondWindow ? '+ (beyond the stored window)' : ''} at block ${cursor}, confirmations ${confirmations}`;
    },
    windowSize: windowFor(confirmations),
  };
}

/**
 * JSON-RPC errors with which a node says it has no such block tag: invalid params (a node that
 * predates it), invalid input (geth before its first finalized block: "finalized block not
 * found"), resource not found. Transport failures and rate limits are not among them: those fail
 * the step, which is retried.
 */
const UNSUPPORTED_CODES: ReadonlySet<number> = new Set([-32602, -32000, -32001]);

function tagFinality(args: { chainId: number; tag: FinalityTag; rpc: ChainRpc }): Finality {
  const { chainId, tag, rpc } = args;
  // What the last observe() learnt, for the commits of its step. `tagged`: the tag's block;
  // `verified`: the node's block at the committed cursor's height is the cursor, so our chain up
  // to the cursor is the node's, and the tag's block (below it or above) is on that same chain.
  let tagged: BlockRef | null = null;
  let verified = false;
  // Across steps, both only growing: `finalThrough`, the highest block of our chain seen at or
  // below the tag's block (a reorg below it undoes what the chain called final, and confirmed
  // payments with it); `deepest`, the largest distance seen from the cursor down to the tag's
  // block, which the window must cover, so it never shrinks under a tag that lags again.
  let finalThrough = -1;
  let deepest = 0;

  async function readTag(): Promise<BlockRef> {
    let block: BlockRef | null;
    try {
      block = await rpc.blockByTag(tag);
    } catch (error) {
      if (error instanceof RpcError && UNSUPPORTED_CODES.has(error.code))
        throw new FinalityTagUnsupportedError(chainId, tag, `error ${error.code}: ${error.details}`, {
          cause: error,
        });
      throw error;
    }
    if (!block) throw new FinalityTagUnsupportedError(chainId, tag, 'it answered null');
    return block;
  }

  return {
    async observe(cursor) {
      tagged = null;
      verified = false;
      const [block, atCursor] = await Promise.all([
        readTag(),
        cursor ? rpc.blocksByNumber([cursor.number]).then(([header]) => header ?? null) : null,
      ]);
      tagged = block;
      if (!cursor || atCursor?.hash !== cursor.hash) return;
      verified = true;
      finalThrough = Math.max(finalThrough, Math.min(block.number, cursor.number));
      deepest = Math.max(deepest, cursor.number - block.number);
    },
    confirmedThrough(cursorNumber) {
      if (!tagged || !verified) return null;
      const through = Math.min(tagged.number, cursorNumber);
      finalThrough = Math.max(finalThrough, through);
      return through;
    },
    // Only a reorg below a block this watcher saw final is an alert: one that the watcher finds
    // late, after the tag moved past the height of blocks it replaced while they were still above
    // the tag, is an ordinary reorg. Beyond the window, the ancestor is only a bound.
    deepReorg({ cursor, ancestor, beyondWindow }) {
      if (ancestor >= finalThrough) return null;
      return `reorg of depth ${cursor - ancestor}${beyondWindow ? '+ (beyond the stored window)' : ''} at block ${cursor}, below block ${finalThrough}, which the "${tag}" block had reached`;
    },
    get windowSize() {
      return windowFor(deepest);
    },
  };
}
