import type { Queue } from 'bullmq';
import { type DeliverJob, deliverJobId, KEEP_COMPLETED, QUEUE_NAMES } from '../queue/jobs.ts';
import type { AppContext } from '../runtime/context.ts';
import {
  type DueDelivery,
  fanOutEvents,
  forgetEnqueued,
  listDueDeliveries,
  listOverdueDeliveries,
  markEnqueued,
} from '../store/deliveries.ts';

/**
 * The relay between SQLite (the truth) and BullMQ (the timer): each tick it fans new events out
 * into deliveries, then hands the queue a job for every delivery attempt due within the next
 * minute, delayed to its due time. Job ids are deterministic (delivery id + schedule version), so
 * adding a job twice is a no-op, and whatever Redis loses the relay adds again: SQLite keeps the
 * schedule, Redis only wakes the notifier at the right moment.
 */

export const RELAY_INTERVAL_MS = 200;
/** How far ahead attempts are enqueued (as delayed jobs); later ones wait in SQLite. */
export const RELAY_LOOKAHEAD_MS = 60_000;
export const RELAY_BATCH_SIZE = 500;
/** A Redis call slower than this counts as Redis being down for this tick. */
export const REDIS_TIMEOUT_MS = 5_000;
/** At most one "Redis unavailable" warning per this long; the recovery is logged once. */
const WARN_EVERY_MS = 30_000;
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

/**
 * BullMQ job options of a delivery job. `attempts` covers only failures of our own machinery
 * (SQLITE_BUSY and the like, rethrown by the notifier); a receiver's failure is not a job failure,
 * its retry is the next schedule version's job.
 */
export const DELIVER_JOB_ATTEMPTS = 8;
export const DELIVER_JOB_BACKOFF = { type: 'exponential', delay: 500 } as const;

export type RelayTick = {
  fannedOutEvents: number;
  createdDeliveries: number;
  enqueued: number;
  /** False when Redis could not be reached this tick; nothing is lost, the next tick retries. */
  redisOk: boolean;
  /** A batch was full: the loop runs again at once. */
  more: boolean;
};

export type DeliveryRelay = {
  /** One tick; calls are serialized, never overlapping. */
  runOnce(): Promise<RelayTick>;
  start(): void;
  stop(): Promise<void>;
  /** Runs the next tick now (e.g. right after events were written) instead of at the interval. */
  wake(): void;
};

export function createDeliveryRelay(args: {
  ctx: AppContext;
  queue: Queue<DeliverJob>;
  intervalMs?: number;
  lookaheadMs?: number;
  batchSize?: number;
  resweepIntervalMs?: number;
  overdueAfterMs?: number;
  redisTimeoutMs?: number;
}): DeliveryRelay {
  const { ctx, queue } = args;
  const intervalMs = args.intervalMs ?? RELAY_INTERVAL_MS;
  const lookaheadMs = args.lookaheadMs ?? RELAY_LOOKAHEAD_MS;
  const batchSize = args.batchSize ?? RELAY_BATCH_SIZE;
  const resweepIntervalMs = args.resweepIntervalMs ?? RELAY_RESWEEP_INTERVAL_MS;
  const overdueAfterMs = args.overdueAfterMs ?? RELAY_OVERDUE_AFTER_MS;
  const redisTimeoutMs = args.redisTimeoutMs ?? REDIS_TIMEOUT_MS;
  const logger = ctx.logger.child({ component: 'delivery-relay' });
  /**
   * A key that lives beside the queue's jobs: if it is missing, Redis was emptied (FLUSHALL, a
   * restart without persistence, a new server) and took our jobs with it, so everything pending
   * is enqueued again.
   */
  const markerKey = queue.toKey('stablegate-relay-marker');

  // Invariant: when `resweep` is false, every pending delivery with enqueued_version equal to its
  // schedule_version has its job in Redis (or had it run). Anything that may break that sets it.
  let resweep = true;
  let lastSweepAt = 0;
  let lastOverdueAt = 0;
  let redisDown = false;
  let lastWarnAt = 0;
  // At most one Redis operation at a time: while Redis hangs, ticks skip it rather than pile up.
  let redisInFlight: Promise<number> | null = null;

  const warnRedis = (error: unknown) => {
    resweep = true;
    const now = Date.now();
    if (!redisDown || now - lastWarnAt >= WARN_EVERY_MS) {
      lastWarnAt = now;
      // Only the message: job data and errors carry ids, never secrets, but stay terse anyway.
      logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'redis unavailable; webhook deliveries wait in SQLite and are enqueued when it is back',
      );
    }
    redisDown = true;
  };
  const onQueueError = (error: Error) => warnRedis(error);
  queue.on('error', onQueueError);

  async function enqueueDue(now: Date): Promise<number> {
    const client = await queue.getBackend().client;
    if (resweep || now.getTime() - lastSweepAt >= resweepIntervalMs || !(await client.get(markerKey))) {
      // Marker first: if Redis is emptied after this line, the marker goes too and we sweep again.
      await client.set(markerKey, now.toISOString());
      const forgotten = forgetEnqueued(ctx.db);
      if (forgotten > 0)
        logger.info({ deliveries: forgotten }, 'offering pending deliveries to the queue again');
      resweep = false;
      lastSweepAt = now.getTime();
    }
    if (now.getTime() - lastOverdueAt >= overdueAfterMs) {
      lastOverdueAt = now.getTime();
      const overdue = listOverdueDeliveries(ctx.db, new Date(now.getTime() - overdueAfterMs), batchSize);
      if (overdue.length > 0) await queue.addBulk(overdue.map((delivery) => toJob(delivery, now)));
    }
    const due = listDueDeliveries(ctx.db, new Date(now.getTime() + lookaheadMs), batchSize, {
      notEnqueuedOnly: true,
    });
    if (due.length === 0) return 0;
    await queue.addBulk(due.map((delivery) => toJob(delivery, now)));
    markEnqueued(ctx.db, due);
    return due.length;
  }

  async function tick(): Promise<RelayTick> {
    const now = ctx.clock.now();
    const fanned = fanOutEvents(ctx.db, now, batchSize);
    let enqueued = 0;
    let redisOk = false;
    if (!redisInFlight) {
      const operation = enqueueDue(now);
      redisInFlight = operation;
      void operation.then(
        () => {
          if (redisInFlight === operation) redisInFlight = null;
        },
        () => {
          if (redisInFlight === operation) redisInFlight = null;
        },
      );
      try {
        enqueued = await withTimeout(operation, redisTimeoutMs);
        redisOk = true;
        if (redisDown) logger.info('redis reachable again; pending webhook deliveries re-enqueued');
        redisDown = false;
      } catch (error) {
        warnRedis(error);
      }
    } else {
      warnRedis(new Error(`a queue operation has been waiting for over ${redisTimeoutMs} ms`));
    }
    return {
      fannedOutEvents: fanned.events,
      createdDeliveries: fanned.deliveries,
      enqueued,
      redisOk,
      more: fanned.events === batchSize || enqueued === batchSize,
    };
  }

  let chain: Promise<unknown> = Promise.resolve();
  const runOnce = (): Promise<RelayTick> => {
    const next = chain.then(tick, tick);
    chain = next.catch(() => undefined);
    return next;
  };

  let running = false;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let woken = false;
  const wake = () => {
    woken = true;
    wakeUp?.();
  };
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || ms === 0) {
        woken = false;
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        woken = false;
        resolve();
      }
      wakeUp = done;
    });

  async function run(): Promise<void> {
    while (running) {
      let more = false;
      try {
        more = (await runOnce()).more;
      } catch (error) {
        // SQLite busy beyond its timeout, or a bug: log it and try again next tick.
        logger.error({ err: toError(error) }, 'delivery relay tick failed');
      }
      if (!running) break;
      await pause(more ? 0 : intervalMs);
    }
  }

  return {
    runOnce,
    wake,
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wake();
      await loop;
      loop = null;
      queue.off('error', onQueueError);
    },
  };
}

/** The job of one attempt, delayed to its due time; its id names the delivery and schedule version. */
function toJob(delivery: DueDelivery, now: Date) {
  const data: DeliverJob = { deliveryId: delivery.id, scheduleVersion: delivery.scheduleVersion };
  return {
    name: QUEUE_NAMES.deliver,
    data,
    opts: {
      jobId: deliverJobId(data),
      delay: Math.max(0, delivery.nextAttemptAt.getTime() - now.getTime()),
      attempts: DELIVER_JOB_ATTEMPTS,
      backoff: DELIVER_JOB_BACKOFF,
      removeOnComplete: KEEP_COMPLETED,
      // Dropped when it fails for good: a kept failed job would make every re-add under this
      // id a no-op, and the delivery would never be attempted again (as for settle jobs).
      removeOnFail: true,
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`queue operation timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The logger's `err` serializer expects an Error; anything else thrown is wrapped. */
function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
