import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/env.ts';
import type { Clock } from '../domain/clock.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { toJobError } from '../queue/job-errors.ts';
import { type MaintenanceJob, QUEUE_NAMES, type SettleJob } from '../queue/jobs.ts';
import type { Store } from '../store/store.ts';
import { expireDueInvoices } from './expire-due-invoices.ts';
import { settleTransfer } from './settle-transfer.ts';

/**
 * Jobs in flight at once, each a batch of changes (queue/jobs.ts settleJob). Settling is a fraction of
 * a millisecond of CPU, and concurrent settlements share a commit on SQLite, so while one commit's
 * fsync runs the next group gathers; two changes to one invoice are still applied one after the
 * other (one writer on SQLite, the invoice's row lock on PostgreSQL).
 */
export const SETTLE_CONCURRENCY = 8;

/**
 * The settlement worker: applies transfer changes to invoices (docs/architecture.md#a-payment-from-invoice-to-webhook, step 6) and runs
 * the expiry sweep. The state lives in the store; a job only names what to look at, so 50 duplicate
 * jobs for one change make one state change.
 */
export function createSettlementWorker(deps: {
  store: Store;
  logger: Logger;
  clock: Clock;
  metrics: Pick<Metrics, 'settlementOutcomes'>;
  config: Pick<Config, 'publicUrl'>;
  connection: Redis;
  prefix: string;
  concurrency?: number;
  /** Called after a job wrote events (wakes the delivery relay in the same process). */
  onEvents?: () => void;
}) {
  const { store, logger, clock, metrics } = deps;
  const options = () => ({ publicUrl: deps.config.publicUrl, now: clock.now() });

  const settle = new Worker<SettleJob, number>(
    QUEUE_NAMES.settle,
    async (job: Job<SettleJob>) => {
      // Each change its own transaction (on SQLite, savepoints of one group commit): one that fails
      // leaves the others applied, and the job's retry finds those already settled.
      const results = await Promise.allSettled(
        job.data.changes.map((change) => store.write(settleTransfer, change.transferId, options())),
      );
      let failure: PromiseRejectedResult | undefined;
      let wroteEvents = false;
      for (const result of results) {
        if (result.status === 'rejected') {
          metrics.settlementOutcomes.inc({ outcome: 'error' });
          failure ??= result;
          continue;
        }
        metrics.settlementOutcomes.inc({ outcome: result.value.kind });
        if (result.value.kind === 'applied' && result.value.events.length > 0) wroteEvents = true;
      }
      if (wroteEvents) deps.onEvents?.();
      if (failure) throw toJobError(failure.reason);
      return results.length;
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: deps.concurrency ?? SETTLE_CONCURRENCY,
      autorun: true,
    },
  );

  const maintenanceConnection = deps.connection.duplicate();
  const maintenance = new Worker<MaintenanceJob, number>(
    QUEUE_NAMES.maintenance,
    async () => {
      try {
        const { expired } = await expireDueInvoices(store, options());
        if (expired > 0) {
          logger.info({ expired }, 'expired invoices');
          deps.onEvents?.();
        }
        return expired;
      } catch (error) {
        throw toJobError(error);
      }
    },
    { connection: maintenanceConnection, prefix: deps.prefix, concurrency: 1 },
  );

  for (const worker of [settle, maintenance]) {
    worker.on('failed', (job, error) =>
      logger.error({ err: error, jobId: job?.id, queue: worker.name }, 'job failed'),
    );
    worker.on('error', (error) => logger.warn({ err: error, queue: worker.name }, 'worker error'));
  }

  return {
    settle,
    maintenance,
    async close(): Promise<void> {
      await Promise.all([settle.close(), maintenance.close()]);
      // BullMQ leaves a connection it was given open; this one is ours.
      await maintenanceConnection.quit().catch(() => undefined);
    },
  };
}
