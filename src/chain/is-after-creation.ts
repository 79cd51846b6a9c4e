import type { BlockRef } from '../domain/chain.ts';

/**
 * A deposit address is watched from the block at which its invoice was created: an earlier
 * transfer (the address used before, e.g. by the merchant's own wallet) is not a payment. An
 * invoice made before the watcher ever ran has no such block; the watcher's first cursor was put
 * ten minutes before the earliest of those invoices (initial-cursor.ts), which bounds what can
 * count for them. (Block timestamps are not compared with ours: node clocks drift, and devnets
 * rewind theirs.)
 */
export function isAfterCreation(
  invoice: { watchFromBlock: number | null },
  block: Pick<BlockRef, 'number'>,
): boolean {
  return invoice.watchFromBlock === null || block.number > invoice.watchFromBlock;
}
