import type { FinalityTag } from '../domain/chain.ts';
import { BaseError } from '../domain/errors.ts';

/**
 * The chain path's failures, one class per failure the watcher's loop (or a reader of its logs)
 * tells apart. None reaches an HTTP client, so they reuse existing codes rather than add public
 * ones (api/docs/render-errors.ts documents every code a client can see): `chain_unavailable`
 * when the node did not give what a step needs, `internal_error` when our own state is wrong;
 * `reason` tells them apart in the logs. The loop retries every failed step. It logs a retryable
 * one, or a transport error from viem, as a warning; the others as errors, since retrying alone
 * will not cure them.
 */
export type ChainErrorReason =
  | 'block_changed_during_scan'
  | 'node_missing_block'
  | 'cursor_missing'
  | 'malformed_deposit_address'
  | 'log_range_exhausted'
  | 'finality_tag_unsupported';

/**
 * A block the scan relied on is no longer the node's (a reorg between two calls): nothing was
 * committed, and the next step scans again from the cursor.
 */
export class BlockChangedDuringScanError extends BaseError {
  readonly reason = 'block_changed_during_scan' satisfies ChainErrorReason;

  constructor(readonly scan: 'catch-up' | 'backfill' | 'near-head') {
    super(
      'chain_unavailable',
      scan === 'near-head'
        ? 'a log named a block outside the scanned headers'
        : `a block changed during the ${scan} scan; retrying`,
      { retryable: true },
    );
  }
}

/**
 * The node has no block it should have (below the head it reported, or its latest): a lagging
 * node behind a load balancer, so retryable. Never skipped, or its payments would be missed.
 */
export class NodeMissingBlockError extends BaseError {
  readonly reason = 'node_missing_block' satisfies ChainErrorReason;

  constructor(
    readonly block: number | 'latest',
    context?: string,
  ) {
    super(
      'chain_unavailable',
      block === 'latest'
        ? 'node returned no latest block'
        : `node has no block ${block}${context ? ` ${context}` : ''}`,
      { retryable: true },
    );
  }
}

/** The cursor just committed cannot be read back: the database is not what the watcher wrote. */
export class CursorMissingError extends BaseError {
  readonly reason = 'cursor_missing' satisfies ChainErrorReason;

  constructor(readonly chainId: number) {
    super('internal_error', `cursor of chain ${chainId} missing after initialisation`);
  }
}

/** An invoice's stored deposit address is not 40 hex characters: the index cannot hold it. */
export class MalformedDepositAddressError extends BaseError {
  readonly reason = 'malformed_deposit_address' satisfies ChainErrorReason;

  constructor(readonly rowid: number) {
    super('internal_error', `invoice rowid ${rowid} has a malformed deposit address`);
  }
}

/** A backfill read asked for a range past its own limit: a caller's bug, not the node's. */
export class LogRangeExhaustedError extends BaseError {
  readonly reason = 'log_range_exhausted' satisfies ChainErrorReason;

  constructor(
    readonly from: number,
    readonly limit: number,
  ) {
    super('internal_error', `no range to read from ${from} up to ${limit}`);
  }
}

/**
 * The chain's `confirmations` names a block tag the node does not serve (an error, or null): no
 * payment could ever be confirmed, so the step fails loudly instead of detecting payments that
 * stay `processing` for good. Not retryable: another node, or a count of blocks, cures it.
 */
export class FinalityTagUnsupportedError extends BaseError {
  readonly reason = 'finality_tag_unsupported' satisfies ChainErrorReason;

  constructor(
    readonly chainId: number,
    readonly tag: FinalityTag,
    answer: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      'chain_unavailable',
      `chain ${chainId} confirms by the "${tag}" block, and its node gave none (${answer}): ` +
        `no payment can be confirmed. Use a node that serves the "${tag}" tag, or set confirmations to a number of blocks`,
      options,
    );
  }
}
