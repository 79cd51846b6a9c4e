import type { Queue } from 'bullmq';
import type { Logger } from '../observability/logger.ts';
import { SETTLE_JOB_SIZE, type SettleJob, settleJob, type TransferChange } from '../queue/jobs.ts';
import { createOutboxRelay, type OutboxRelay, type RelayTick } from '../queue/outbox-relay.ts';
import { listUnsettledTransfers } from '../store/settlement.ts';
import type { Store } from '../store/store.ts';

export const SETTLE_RELAY_INTERVAL_MS = 200;
const BATCH_SIZE = 1000;
const REOFFER_AFTER_MS = 30_000;

export type SettlementTick = RelayTick & { enqueued: number };
export type SettlementRelay = OutboxRelay<SettlementTick>;

/**
 * Moves recorded-but-unsettled transfer changes from the store into the settle queue (outbox relay).
 * Changes go in batches of up to SETTLE_JOB_SIZE per job. Each change is offered again every
 * REOFFER_AFTER_MS until it is settled, so a job Redis lost is added anew; a re-offered batch
 * whose job is still in Redis is a no-op (its id names its changes), and a change offered twice in
 * different batches is settled once (settlement is idempotent per version). Settled rows leave the
 * query, so the set stays small. While Redis is down it keeps retrying, five times less often.
 */
export function createSettlementRelay(deps: {
  store: Store;
  logger: Logger;
  queue: Queue<SettleJob>;
  intervalMs?: number;
}): SettlementRelay {
  const { store, queue } = deps;
  const intervalMs = deps.intervalMs ?? SETTLE_RELAY_INTERVAL_MS;
  const offeredAt = new Map<string, number>();

  return createOutboxRelay<SettlementTick>({
    name: 'settlement relay',
    logger: deps.logger.child({ component: 'settlement-relay' }),
    queue,
    intervalMs,
    downIntervalMs: intervalMs * 5,
    messages: {
      down: 'cannot reach Redis; transfers wait in the database',
      up: 'Redis is back; settlement jobs flow again',
    },
    async tick(redis) {
      const now = Date.now();
      // A read: an idle tick takes no write lock.
      const all = await store.read(listUnsettledTransfers, BATCH_SIZE);
      // Offer each (transfer, version) once per REOFFER_AFTER_MS: the job id dedupes re-adds anyway,
      // but re-adding a thousand waiting jobs every tick while a backlog drains is wasted work.
      // The periodic re-offer is what recovers jobs an emptied Redis lost.
      const live = new Set(all.map(changeKey));
      for (const key of offeredAt.keys()) if (!live.has(key)) offeredAt.delete(key);
      const pending = all.filter((row) => {
        const at = offeredAt.get(changeKey(row));
        return at === undefined || now - at > REOFFER_AFTER_MS;
      });
      if (pending.length === 0) return { enqueued: 0, redisOk: true, more: false };
      const batches: TransferChange[][] = [];
      for (let i = 0; i < pending.length; i += SETTLE_JOB_SIZE) {
        batches.push(
          pending.slice(i, i + SETTLE_JOB_SIZE).map((row) => ({ transferId: row.id, version: row.version })),
        );
      }
      const added = await redis.run(() => queue.addBulk(batches.map(settleJob)));
      if (!added.ok) return { enqueued: 0, redisOk: false, more: false };
      for (const row of pending) offeredAt.set(changeKey(row), now);
      return {
        enqueued: pending.length,
        redisOk: true,
        more: all.length === BATCH_SIZE && pending.length > 0,
      };
    },
  });
}

const changeKey = (row: { id: number; version: number }) => `${row.id}v${row.version}`;
