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
