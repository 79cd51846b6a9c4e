import { Queue } from 'bullmq';
import { createDeliveryRelay } from '../notify/delivery-relay.ts';
import { createNotifier } from '../notify/notifier.ts';
import { createProducerConnection, createWorkerConnection } from '../queue/connections.ts';
import {
  type DeliverJob,
  EXPIRY_SCHEDULER_ID,
  expirySchedulerJob,
  type MaintenanceJob,
  QUEUE_NAMES,
  type SettleJob,
} from '../queue/jobs.ts';
import { createWakeSubscriber } from '../queue/wake-subscriber.ts';
import { expireDueInvoices } from '../settle/expire-due-invoices.ts';
import { createSettlementRelay } from '../settle/settlement-relay.ts';
import { createSettlementWorker } from '../settle/settlement-worker.ts';
import { startSweepPolicy } from '../sweep/start-sweep-policy.ts';
import type { AppContext } from './context.ts';

const QUEUE_DEPTH_INTERVAL_MS = 5000;

export type Workers = Awaited<ReturnType<typeof startWorkers>>;

/**
 * Relays, settlement and the notifier (`stablegate work`). Several processes may run this at once:
 * BullMQ hands each job to one worker, and settlement is idempotent besides.
 */
export async function startWorkers(
  ctx: AppContext,
  options: {
    redisUrl: string;
    prefix?: string;
    notifierTimeoutMs?: number;
    settleConcurrency?: number;
    /**
     * Subscribe to the wake-ups that other processes publish after their commits (`stablegate
     * work`, whose watchers and API run elsewhere): the relays then tick at once, not at their poll.
     */
    wakeUps?: boolean;
    /** The relays' poll interval (their defaults unless given); tests lengthen it to see wake-ups alone. */
    relayIntervalMs?: number;
  },
) {
  const prefix = options.prefix ?? 'stablegate';
  const producer = createProducerConnection(options.redisUrl);
  const workerConnection = createWorkerConnection(options.redisUrl);
  const settleQueue = new Queue<SettleJob>(QUEUE_NAMES.settle, { connection: producer, prefix });
  const deliverQueue = new Queue<DeliverJob>(QUEUE_NAMES.deliver, { connection: producer, prefix });
  // The scheduler call must wait for Redis rather than fail fast like the relays' producer.
  const maintenanceConnection = createWorkerConnection(options.redisUrl);
  const maintenanceQueue = new Queue<MaintenanceJob>(QUEUE_NAMES.maintenance, {
    connection: maintenanceConnection,
    prefix,
  });
  for (const queue of [settleQueue, deliverQueue, maintenanceQueue]) {
    queue.on('error', (error) =>
      ctx.logger.debug({ err: error, queue: queue.name }, 'queue connection error'),
    );
  }

  const intervalMs = options.relayIntervalMs ? { intervalMs: options.relayIntervalMs } : {};
  const deliveryRelay = createDeliveryRelay({ ...ctx, queue: deliverQueue, ...intervalMs });
  const settlementRelay = createSettlementRelay({ ...ctx, queue: settleQueue, ...intervalMs });
  const settlement = createSettlementWorker({
    ...ctx,
    connection: workerConnection,
    prefix,
    ...(options.settleConcurrency ? { concurrency: options.settleConcurrency } : {}),
    onEvents: () => deliveryRelay.wake(),
  });
  const notifierConnection = workerConnection.duplicate();
  const notifier = createNotifier({
    ...ctx,
    connection: notifierConnection,
    prefix,
    ...(options.notifierTimeoutMs ? { timeoutMs: options.notifierTimeoutMs } : {}),
  });

  // Swept on start (a worker that was down expires invoices late, never not at all), then on a
  // BullMQ job scheduler, so several worker processes do not all sweep at once.
  expireDueInvoices(ctx.store, { publicUrl: ctx.config.publicUrl, now: ctx.clock.now() }).catch(
    (error: unknown) =>
      ctx.logger.warn({ err: error }, 'cannot expire due invoices at start; the scheduled sweep will'),
  );
  const { repeat, template } = expirySchedulerJob();
  const scheduleExpirySweep = () =>
    maintenanceQueue
      .upsertJobScheduler(EXPIRY_SCHEDULER_ID, repeat, template)
      .catch((error: unknown) => ctx.logger.warn({ err: error }, 'cannot schedule the expiry sweep yet'));
  void scheduleExpirySweep();

  settlementRelay.start();
  deliveryRelay.start();
  const wakeSubscriber = options.wakeUps
    ? createWakeSubscriber({
        redisUrl: options.redisUrl,
        prefix,
        logger: ctx.logger,
        handlers: { settle: () => settlementRelay.wake(), deliver: () => deliveryRelay.wake() },
      })
    : null;
  // Sweep events reach endpoints like every other event: the relay fans them out when it wakes.
  const sweepPolicy = startSweepPolicy(ctx, { onEvents: () => deliveryRelay.wake() });
  const depthTimer = setInterval(() => {
    // The scheduler lives in Redis: one that was down at start, or restarted empty, lost it (or never
    // had it), and invoices would stop expiring. Put it back; upserting the same id is idempotent.
    maintenanceQueue
      .getJobScheduler(EXPIRY_SCHEDULER_ID)
      .then((scheduler) => (scheduler ? undefined : scheduleExpirySweep()))
      .catch(() => undefined);
    for (const queue of [settleQueue, deliverQueue]) {
      queue
        .getJobCounts('waiting', 'delayed', 'active')
        .then((counts) =>
          ctx.metrics.queueDepth.set({ queue: queue.name }, (counts.waiting ?? 0) + (counts.delayed ?? 0)),
        )
        .catch(() => undefined);
    }
  }, QUEUE_DEPTH_INTERVAL_MS);
  depthTimer.unref();

  return {
    settlementRelay,
    deliveryRelay,
    settleQueue,
    deliverQueue,
    /** Stops taking work, lets running jobs finish, then closes Redis connections. */
    async close(): Promise<void> {
      clearInterval(depthTimer);
      await Promise.all([
        wakeSubscriber?.close(),
        settlementRelay.stop(),
        deliveryRelay.stop(),
        sweepPolicy.stop(),
      ]);
      await Promise.all([settlement.close(), notifier.close()]);
      await Promise.all([settleQueue.close(), deliverQueue.close(), maintenanceQueue.close()]);
      // BullMQ does not close connections it was given: each of ours is closed here.
      await Promise.allSettled([
        producer.quit(),
        workerConnection.quit(),
        notifierConnection.quit(),
        maintenanceConnection.quit(),
      ]);
    },
  };
}
