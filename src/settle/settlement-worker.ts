import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { BaseError } from '../domain/errors.ts';
import { type MaintenanceJob, QUEUE_NAMES, type SettleJob } from '../queue/jobs.ts';
import type { AppContext } from '../runtime/context.ts';
import { isDatabaseBusy } from '../store/db.ts';
import { expireDueInvoices } from './expire-due-invoices.ts';
import { settleTransfer } from './settle-transfer.ts';

/**
 * Jobs in flight at once, each a batch of changes (settlement-relay.ts). Settling is a fraction of
 * a millisecond of CPU, and concurrent settlements share a commit, so while one commit's fsync runs
 * the next group gathers; two changes to one invoice are still applied one after the other.
 */
export const SETTLE_CONCURRENCY = 8;

/** SQLite contention is worth retrying; anything else is a bug that retrying cannot fix. */
function isRetryable(error: unknown): boolean {
  return error instanceof BaseError ? error.retryable : isDatabaseBusy(error);
}

function classify(error: unknown): never {
  if (isRetryable(error)) throw error;
  throw new UnrecoverableError(error instanceof Error ? error.message : String(error));
}

/**
 * The settlement worker: applies transfer changes to invoices (SPEC "The flow", step 3) and runs
 * the expiry sweep. The state lives in SQLite; a job only names what to look at, so 50 duplicate
 * jobs for one change make one state change.
 */
export function createSettlementWorker(args: {
  ctx: AppContext;
  connection: Redis;
  prefix: string;
  concurrency?: number;
  /** Called after a job wrote events (wakes the delivery relay in the same process). */
  onEvents?: () => void;
}) {
  const { ctx } = args;
  const options = () => ({ publicUrl: ctx.config.publicUrl, now: ctx.clock.now() });

  const settle = new Worker<SettleJob, number>(
    QUEUE_NAMES.settle,
    async (job: Job<SettleJob>) => {
      // Each change in its own savepoint, all in the same group commit (store/group-commit.ts):
      // one that fails leaves the others applied, and the job's retry finds those already settled.
      const results = await Promise.allSettled(
        job.data.changes.map((change) =>
          ctx.writes.run(() => settleTransfer(ctx.db, change.transferId, options())),
        ),
      );
      let failure: PromiseRejectedResult | undefined;
      let wroteEvents = false;
      for (const result of results) {
        if (result.status === 'rejected') {
          ctx.metrics.settlementOutcomes.inc({ outcome: 'error' });
          failure ??= result;
          continue;
        }
        ctx.metrics.settlementOutcomes.inc({ outcome: result.value.kind });
        if (result.value.kind === 'applied' && result.value.events.length > 0) wroteEvents = true;
      }
      if (wroteEvents) args.onEvents?.();
      if (failure) return classify(failure.reason);
      return results.length;
    },
    {
      connection: args.connection,
      prefix: args.prefix,
      concurrency: args.concurrency ?? SETTLE_CONCURRENCY,
      autorun: true,
    },
  );

  const maintenanceConnection = args.connection.duplicate();
  const maintenance = new Worker<MaintenanceJob, number>(
    QUEUE_NAMES.maintenance,
    async () => {
      try {
        const { expired } = expireDueInvoices(ctx.db, options());
        if (expired > 0) {
          ctx.logger.info({ expired }, 'expired invoices');
          args.onEvents?.();
        }
        return expired;
      } catch (error) {
        return classify(error);
      }
    },
    { connection: maintenanceConnection, prefix: args.prefix, concurrency: 1 },
  );

  for (const worker of [settle, maintenance]) {
    worker.on('failed', (job, error) =>
      ctx.logger.error({ err: error, jobId: job?.id, queue: worker.name }, 'job failed'),
    );
    worker.on('error', (error) => ctx.logger.warn({ err: error, queue: worker.name }, 'worker error'));
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
