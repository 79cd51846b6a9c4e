import { createHash } from 'node:crypto';

/**
 * Queue names and job payloads in one place. Job data holds ids only: SQLite is the source of
 * truth, so a job is a nudge ("look at transfer 7, version 2"), and losing Redis loses no fact.
 * Job ids are deterministic so that re-adding a job the relay already added is a no-op
 * (BullMQ: no ':' in custom ids, and never all digits).
 */

export const QUEUE_NAMES = {
  settle: 'settle',
  deliver: 'deliver',
  maintenance: 'maintenance',
} as const;

/** A transfer's change to apply: its id and the version of its status the relay saw. */
export type TransferChange = { transferId: number; version: number };
/** Several changes per job: queue overhead is paid per job, and settling each is cheap. */
export type SettleJob = { changes: TransferChange[] };
export type DeliverJob = { deliveryId: string; scheduleVersion: number };
export type MaintenanceJob = { task: 'expire-invoices' };

/** Names the exact set of changes, so offering the same batch again is a no-op. */
export const settleJobId = (job: SettleJob) =>
  `settle-${createHash('sha256')
    .update(job.changes.map((change) => `${change.transferId}v${change.version}`).join(','))
    .digest('hex')
    .slice(0, 32)}`;
export const deliverJobId = (job: DeliverJob) => `deliver-${job.deliveryId}-v${job.scheduleVersion}`;

/** Completed jobs are kept a while, so the relay's re-adds within that window are no-ops. */
export const KEEP_COMPLETED = { age: 3600, count: 100_000 };

/** Changes per settle job: enough to spread queue overhead, few enough that jobs run in parallel. */
export const SETTLE_JOB_SIZE = 50;

/** The job that settles a batch of changes; its id names the batch (settleJobId). */
export function settleJob(changes: TransferChange[]) {
  const data: SettleJob = { changes };
  return {
    name: QUEUE_NAMES.settle,
    data,
    opts: {
      jobId: settleJobId(data),
      removeOnComplete: KEEP_COMPLETED,
      // A job that failed for good (stalled twice: its worker died on it twice; or out of
      // attempts) is dropped, not kept: a kept failed job would turn every re-offer under this id
      // into a no-op, and the payment would never be settled. The worker logs it.
      removeOnFail: true,
      attempts: 10,
      backoff: { type: 'exponential', delay: 200 },
    },
  };
}

/**
 * `attempts` of a delivery job covers only failures of our own machinery (SQLITE_BUSY and the
 * like, rethrown by the notifier); a receiver's failure is not a job failure, its retry is the
 * next schedule version's job.
 */
export const DELIVER_JOB_ATTEMPTS = 8;
export const DELIVER_JOB_BACKOFF = { type: 'exponential', delay: 500 } as const;

/** The job of one attempt, delayed to its due time; its id names the delivery and schedule version. */
export function deliverJob(
  delivery: { id: string; scheduleVersion: number; nextAttemptAt: Date },
  now: Date,
) {
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

/** How often a worker sweeps for invoices past their deadline. */
export const EXPIRY_SWEEP_INTERVAL_MS = 5000;
/** One scheduler id for every worker process, so several processes do not all sweep at once. */
export const EXPIRY_SCHEDULER_ID = 'expire-invoices';

/** The expiry sweep's BullMQ job scheduler: its repeat and the template of the jobs it makes. */
export function expirySchedulerJob() {
  const data: MaintenanceJob = { task: 'expire-invoices' };
  return {
    repeat: { every: EXPIRY_SWEEP_INTERVAL_MS },
    template: {
      name: EXPIRY_SCHEDULER_ID,
      data,
      opts: { removeOnComplete: true, removeOnFail: 100 },
    },
  };
}
