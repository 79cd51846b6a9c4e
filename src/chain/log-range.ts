import { BaseError, ResponseBodyTooLargeError } from 'viem';

/**
 * The eth_getLogs block range adapts to the provider: it grows while responses are small and
 * shrinks on the errors providers give for too many results, too large a response or too wide a
 * range — using the range the error message suggests when there is one (Alchemy and Infura print
 * "this block range should work: [0x..., 0x...]" / "Try with this block range [0x…, 0x…]").
 */
export const TARGET_LOGS_PER_REQUEST = 10_000;

export function createRangeSizer(options: { initial?: number; min?: number; max?: number } = {}) {
  const min = options.min ?? 1;
  const max = options.max ?? 10_000;
  let size = options.initial ?? 1000;
  return {
    get size(): number {
      return size;
    },
    succeeded(blocks: number, logs: number): void {
      const byLogs = logs > 0 ? Math.floor((blocks * TARGET_LOGS_PER_REQUEST) / logs) : blocks * 2;
      size = Math.max(min, Math.min(max, size * 2, Math.max(byLogs, min)));
    },
    /** Returns true when the error is a range complaint and the size was reduced. */
    failed(error: unknown, attemptedBlocks: number): boolean {
      const tooLarge = responseTooLarge(error);
      if (tooLarge) {
        // One block's logs over the limit cannot be narrowed: the caller's step fails, visibly.
        if (attemptedBlocks <= min) return false;
        // viem read the size and refused the body: scale the range to fit, with room for denser
        // blocks, instead of halving and paying for the node's oversized answer again and again.
        // Without a Content-Length (a chunked or compressed answer) the size is only what viem
        // read before it stopped, just over the limit: that says nothing of the body, so halve.
        const sizeKnown = tooLarge.size > tooLarge.maxSize * 1.1;
        const fitting = sizeKnown
          ? Math.floor((attemptedBlocks * tooLarge.maxSize * 3) / (tooLarge.size * 4))
          : Math.floor(attemptedBlocks / 2);
        size = Math.max(min, Math.min(max, attemptedBlocks - 1, fitting));
        return true;
      }
      const message = errorText(error);
      const suggested = suggestedRange(message);
      if (suggested !== null) {
        size = Math.max(min, Math.min(max, suggested));
        return true;
      }
      if (!isRangeError(message) && attemptedBlocks <= min) return false;
      size = Math.max(min, Math.floor(attemptedBlocks / 2));
      return true;
    },
  };
}

export type RangeSizer = ReturnType<typeof createRangeSizer>;

function responseTooLarge(error: unknown): ResponseBodyTooLargeError | null {
  if (!(error instanceof BaseError)) return null;
  const found = error.walk((cause) => cause instanceof ResponseBodyTooLargeError);
  return found instanceof ResponseBodyTooLargeError ? found : null;
}

function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const value = current as { message?: unknown; details?: unknown; cause?: unknown };
    if (typeof value.message === 'string') parts.push(value.message);
    if (typeof value.details === 'string') parts.push(value.details);
    current = value.cause;
  }
  return parts.join(' | ');
}

export function isRangeError(message: string): boolean {
  return /(block range|range (is )?too (large|wide)|too many (results|logs)|more than \d+ (results|logs)|response size|limit exceeded|exceed(s|ed) .*(limit|max)|query timeout|returned more than)/i.test(
    message,
  );
}

/** The number of blocks in a range the provider suggests, e.g. "[0x1a, 0x2b]" or "10000 block range". */
export function suggestedRange(message: string): number | null {
  const pair = /\[\s*(0x[0-9a-f]+)\s*,\s*(0x[0-9a-f]+)\s*\]/i.exec(message);
  if (pair?.[1] && pair[2]) {
    const blocks = Number(BigInt(pair[2]) - BigInt(pair[1])) + 1;
    return blocks > 0 ? blocks : null;
  }
  const limit =
    /(?:up to|maximum|max(?:imum)? of|limited to|at most)\s+(?:a\s+)?(\d+)\s*(?:-\s*)?block/i.exec(message);
  if (limit?.[1]) return Number(limit[1]);
  return null;
}
