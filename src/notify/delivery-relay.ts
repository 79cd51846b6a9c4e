import type { Queue } from 'bullmq';
import type { Clock } from '../domain/clock.ts';
import type { Logger } from '../observability/logger.ts';
import { type DeliverJob, deliverJob } from '../queue/jobs.ts';
import {
  createOutboxRelay,
  type OutboxRelay,
  type RedisGate,
  type RelayTick,
} from '../queue/outbox-relay.ts';
import {
  fanOutEvents,
  forgetEnqueued,
  hasEnqueuedDeliveries,
  hasEventsToFanOut,
  listDueDeliveries,
  listOverdueDeliveries,
  markEnqueued,
} from '../store/delivery-outbox.ts';
import type { Store } from '../store/store.ts';

/**
 * The relay between the store (the truth) and BullMQ (the timer): each tick it fans new events out
 * into deliveries, then hands the queue a job for every delivery attempt due within the next
 * minute, delayed to its due time. Job ids are deterministic (delivery id + schedule version), so
 * adding a job twice is a no-op, and whatever Redis loses the relay adds again: the store keeps the
 * schedule, Redis only wakes the notifier at the right moment. Each write is preceded by a read
 * that says whether there is anything to write, so an idle tick takes no write lock.
 */

export const RELAY_INTERVAL_MS = 200;
/** How far ahead attempts are enqueued (as delayed jobs); later ones wait in the store. */
export const RELAY_LOOKAHEAD_MS = 60_000;
export const RELAY_BATCH_SIZE = 500;
/**
 * Backstop for job loss the marker cannot see (a job removed by hand, an attempt whose process
 * died after claiming it, see claimAttempt): everything pending is offered to the queue again this
 * often; ids make the re-adds of surviving jobs no-ops.
 */
export const RELAY_RESWEEP_INTERVAL_MS = 60_000;
/**
 * Deliveries still pending this long past their due time are offered to the queue again (at most
 * once per this interval too): the quick path for an attempt whose process died after claiming
 * it, once its lease has ended, without forgetting and re-adding everything as the resweep does.
 */
export const RELAY_OVERDUE_AFTER_MS = 10_000;

export type DeliveryTick = RelayTick & {
  fannedOutEvents: number;
  createdDeliveries: number;
  enqueued: number;
};

export type DeliveryRelay = OutboxRelay<DeliveryTick>;

export function createDeliveryRelay(deps: {
  store: Store;
  logger: Logger;
  clock: Clock;
  queue: Queue<DeliverJob>;
  intervalMs?: number;
  lookaheadMs?: number;
  batchSize?: number;
  resweepIntervalMs?: number;
  overdueAfterMs?: number;
  redisTimeoutMs?: number;
}): DeliveryRelay {
  const { store, clock, queue } = deps;
  const lookaheadMs = deps.lookaheadMs ?? RELAY_LOOKAHEAD_MS;
  const batchSize = deps.batchSize ?? RELAY_BATCH_SIZE;
  const resweepIntervalMs = deps.resweepIntervalMs ?? RELAY_RESWEEP_INTERVAL_MS;
  const overdueAfterMs = deps.overdueAfterMs ?? RELAY_OVERDUE_AFTER_MS;
  const logger = deps.logger.child({ component: 'delivery-relay' });
  /**
   * A key that lives beside the queue's jobs: if it is missing, Redis was emptied (FLUSHALL, a
   * restart without persistence, a new server) and took our jobs with it, so everything pending
   * is enqueued again.
   */
  const markerKey = queue.toKey('stablegate-relay-marker');
  const redisClient = () => queue.getBackend().client;

  // Invariant: when `resweep` is false, every pending delivery with enqueued_version equal to its
  // schedule_version has its job in Redis (or had it run). Anything that may break that sets it.
  let resweep = true;
  let lastSweepAt = 0;
  let lastOverdueAt = 0;

  /** Hands the queue what is due; the number enqueued, or null if Redis failed on the way. */
  async function enqueueDue(redis: RedisGate, now: Date): Promise<number | null> {
    let sweep = resweep || now.getTime() - lastSweepAt >= resweepIntervalMs;
    if (!sweep) {
      const marker = await redis.run(async () => (await redisClient()).get(markerKey));
      if (!marker.ok) return null;
      sweep = !marker.value;
    }
    if (sweep) {
      // Marker first: if Redis is emptied after this line, the marker goes too and we sweep again.
      const marked = await redis.run(async () => (await redisClient()).set(markerKey, now.toISOString()));
      if (!marked.ok) return null;
      const forgotten = (await store.read(hasEnqueuedDeliveries)) ? await store.write(forgetEnqueued) : 0;
      if (forgotten > 0)
        logger.info({ deliveries: forgotten }, 'offering pending deliveries to the queue again');
      resweep = false;
      lastSweepAt = now.getTime();
    }
    if (now.getTime() - lastOverdueAt >= overdueAfterMs) {
      lastOverdueAt = now.getTime();
      const overdue = await store.read(
        listOverdueDeliveries,
        new Date(now.getTime() - overdueAfterMs),
        batchSize,
      );
      if (overdue.length > 0) {
        const added = await redis.run(() =>
          queue.addBulk(overdue.map((delivery) => deliverJob(delivery, now))),
        );
        if (!added.ok) return null;
      }
    }
    const due = await store.read(listDueDeliveries, new Date(now.getTime() + lookaheadMs), batchSize, {
      notEnqueuedOnly: true,
    });
    if (due.length === 0) return 0;
    const added = await redis.run(() => queue.addBulk(due.map((delivery) => deliverJob(delivery, now))));
    if (!added.ok) return null;
    await store.write(markEnqueued, due);
    return due.length;
  }

  return createOutboxRelay<DeliveryTick>({
    name: 'delivery relay',
    logger,
    queue,
    intervalMs: deps.intervalMs ?? RELAY_INTERVAL_MS,
    ...(deps.redisTimeoutMs === undefined ? {} : { redisTimeoutMs: deps.redisTimeoutMs }),
    messages: {
      down: 'redis unavailable; webhook deliveries wait in the database and are enqueued when it is back',
      up: 'redis reachable again; pending webhook deliveries re-enqueued',
    },
    // Whatever failed may have lost jobs the store counts as enqueued.
    onRedisDown: () => {
      resweep = true;
    },
    async tick(redis) {
      const now = clock.now();
      const fanned = (await store.read(hasEventsToFanOut))
        ? await store.write(fanOutEvents, now, batchSize)
        : { events: 0, deliveries: 0 };
      const enqueued = await enqueueDue(redis, now);
      return {
        fannedOutEvents: fanned.events,
        createdDeliveries: fanned.deliveries,
        enqueued: enqueued ?? 0,
        redisOk: enqueued !== null,
        more: fanned.events === batchSize || enqueued === batchSize,
      };
    },
  });
}
