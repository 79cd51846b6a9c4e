/**
 * Relay wake-ups across processes (docs/architecture.md, "The outbox → BullMQ relays"). A process
 * that commits work for a relay running in another process publishes on a Redis pub/sub channel,
 * and that relay runs its next tick at once instead of at its poll interval. SQLite stays the
 * truth: a wake-up carries nothing, and one that is lost only costs the poll interval.
 */

/** `settle`: transfers recorded or changed (the settlement relay); `deliver`: events or deliveries written (the delivery relay). */
export type WakeKind = 'settle' | 'deliver';

/** Under the BullMQ prefix, so tests and benchmarks sharing one Redis wake only their own relays. */
export function wakeChannel(prefix: string, kind: WakeKind): string {
  return `${prefix}:wake:${kind}`;
}
