/**
 * Expiry may be decided once the deadline has passed and the chain's watcher has been level with
 * its node's head since then (`syncedAt`, null while it has never been): any on-time payment
 * (block timestamp ≤ expiresAt) is recorded by then.
 */
export function isExpiryReached(input: { expiresAt: Date; syncedAt: Date | null; now: Date }): boolean {
  if (input.now <= input.expiresAt) return false;
  return input.syncedAt !== null && input.syncedAt > input.expiresAt;
}
