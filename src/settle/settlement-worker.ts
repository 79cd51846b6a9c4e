import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type MaintenanceJob, QUEUE_NAMES, type SettleJob } from '../queue/jobs.ts';
import type { AppContext } from '../runtime/context.ts';
import { expireDueInvoices, type SettleResult, settleTransfer } from '../store/settlement.ts';

/**
 * Jobs in flight at once. A settlement is a fraction of a millisecond of CPU, and concurrent ones
 * share a commit, so the more are in flight while a commit's fsync runs, the fewer fsyncs a
 * backlog costs; two jobs for one invoice are still applied one after the other, in savepoints.
 */
export const SETTLE_CONCURRENCY = 64;

/** SQLite contention is worth retrying; anything else is a bug that retrying cannot fix. */
function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
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

  const settle = new Worker<SettleJob, SettleResult['kind']>(
    QUEUE_NAMES.settle,
    async (job: Job<SettleJob>) => {
      let result: SettleResult;
      try {
        // Settlements of concurrent jobs share one commit (store/group-commit.ts).
        result = await ctx.writes.run(() => settleTransfer(ctx.db, job.data.transferId, options()));
      } catch (error) {
        ctx.metrics.settlementOutcomes.inc({ outcome: 'error' });
        return classify(error);
      }
      ctx.metrics.settlementOutcomes.inc({ outcome: result.kind });
      if (result.kind === 'applied' && result.events.length > 0) args.onEvents?.();
      return result.kind;
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
