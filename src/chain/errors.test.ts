import { describe, expect, it } from 'vitest';
import {
  BlockChangedDuringScanError,
  CursorMissingError,
  FinalityTagUnsupportedError,
  LogRangeExhaustedError,
  MalformedDepositAddressError,
  NodeMissingBlockError,
} from './errors.ts';

describe('chain errors', () => {
  it.each([
    {
      error: new BlockChangedDuringScanError('backfill'),
      code: 'chain_unavailable',
      retryable: true,
      message: 'a block changed during the backfill scan; retrying',
    },
    {
      error: new BlockChangedDuringScanError('near-head'),
      code: 'chain_unavailable',
      retryable: true,
      message: 'a log named a block outside the scanned headers',
    },
    {
      error: new NodeMissingBlockError('latest'),
      code: 'chain_unavailable',
      retryable: true,
      message: 'node returned no latest block',
    },
    {
      error: new NodeMissingBlockError(41, 'while resolving a reorg'),
      code: 'chain_unavailable',
      retryable: true,
      message: 'node has no block 41 while resolving a reorg',
    },
    {
      error: new CursorMissingError(8453),
      code: 'internal_error',
      retryable: false,
      message: 'cursor of chain 8453 missing after initialisation',
    },
    {
      error: new MalformedDepositAddressError(7),
      code: 'internal_error',
      retryable: false,
      message: 'invoice rowid 7 has a malformed deposit address',
    },
    {
      error: new LogRangeExhaustedError(10, 9),
      code: 'internal_error',
      retryable: false,
      message: 'no range to read from 10 up to 9',
    },
    {
      error: new FinalityTagUnsupportedError(10, 'safe', 'it answered null'),
      code: 'chain_unavailable',
      retryable: false,
      message:
        'chain 10 confirms by the "safe" block, and its node gave none (it answered null): no payment can be ' +
        'confirmed. Use a node that serves the "safe" tag, or set confirmations to a number of blocks',
    },
  ])('$error.name: $code, retryable $retryable', ({ error, code, retryable, message }) => {
    expect(error).toMatchObject({ code, retryable, message, name: error.constructor.name });
  });
});
