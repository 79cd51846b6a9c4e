import { NotFoundError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { type Db, writeTransaction } from './db.ts';
import type { Delivery } from './delivery-rows.ts';
import { statement } from './statement.ts';

/**
 * The delivery outbox (delivery-rows.ts states its invariant): events become pending deliveries,
 * and the relay notes which schedule versions it handed to the queue.
 */

export type DueDelivery = { id: string; scheduleVersion: number; nextAttemptAt: Date };

/** Endpoints of a merchant that take an event type now: enabled, not deleted, filter allows it. */
const SUBSCRIBED_ENDPOINTS = `SELECT id FROM webhook_endpoints
  WHERE merchant_id = ? AND status = 'enabled' AND deleted_at IS NULL
    AND (events IS NULL OR EXISTS (SELECT 1 FROM json_each(webhook_endpoints.events) WHERE value = ?))`;

function insertDelivery(db: Db, eventId: string, endpointId: string, now: Date): Delivery {
  const id = newId('dlv', now.getTime());
  const at = now.toISOString();
  statement(
    db,
    `INSERT INTO deliveries (id, event_id, endpoint_id, status, next_attempt_at, created_at, updated_at, seq)
     VALUES (?, ?, ?, 'pending', ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM deliveries))`,
  ).run(id, eventId, endpointId, at, at, at);
  return { id, eventId, endpointId, status: 'pending', attempts: 0, nextAttemptAt: now, createdAt: now };
}

/**
 * Outbox step two: turns events not yet fanned out into one pending delivery per subscribed
 * endpoint, due now, and marks the events, all in one transaction, so an event is fanned out
 * exactly once however often this runs or crashes. An endpoint receives the events created after
 * it was registered, not a backlog from before it existed (redelivery is the way to those).
 */
export function fanOutEvents(db: Db, now: Date, limit: number): { events: number; deliveries: number } {
  // A read first, outside any transaction: an idle tick must not take the write lock.
  if (!statement(db, 'SELECT 1 FROM events WHERE fanned_out_at IS NULL LIMIT 1').get()) {
    return { events: 0, deliveries: 0 };
  }
  return writeTransaction(db, () => {
    const events = statement<{ id: string; merchant_id: string; type: string; created_at: string }>(
      db,
      'SELECT id, merchant_id, type, created_at FROM events WHERE fanned_out_at IS NULL ORDER BY seq LIMIT ?',
    ).all(limit);
    const endpointsOf = statement<{ id: string }>(
      db,
      `${SUBSCRIBED_ENDPOINTS} AND created_at <= ? ORDER BY id`,
    );
    const markFannedOut = statement(db, 'UPDATE events SET fanned_out_at = ? WHERE id = ?');
    let deliveries = 0;
    for (const event of events) {
      const endpoints = endpointsOf.all(event.merchant_id, event.type, event.created_at);
      for (const endpoint of endpoints) insertDelivery(db, event.id, endpoint.id, now);
      deliveries += endpoints.length;
      markFannedOut.run(now.toISOString(), event.id);
    }
    return { events: events.length, deliveries };
  });
}

/**
 * Sends an event again: a fresh pending delivery, due now and with the whole schedule ahead, to
 * every endpoint subscribed to it now (whenever it was registered). The body and the `webhook-id`
 * are the event's own, so receivers deduplicate a redelivery like a retry.
 */
export function redeliverEvent(db: Db, merchantId: string, eventId: string, now: Date): Delivery[] {
  return writeTransaction(db, () => {
    const event = statement<{ id: string; type: string }>(
      db,
      'SELECT id, type FROM events WHERE id = ? AND merchant_id = ?',
    ).get(eventId, merchantId);
    if (!event) throw new NotFoundError('event_not_found', `No event ${eventId}.`);
    const endpoints = statement<{ id: string }>(db, `${SUBSCRIBED_ENDPOINTS} ORDER BY id`).all(
      merchantId,
      event.type,
    );
    return endpoints.map((endpoint) => insertDelivery(db, event.id, endpoint.id, now));
  });
}

/**
 * Pending deliveries due by `until`, soonest first. With `notEnqueuedOnly`, only those whose
 * current schedule version the relay has not handed to the queue yet.
 */
export function listDueDeliveries(
  db: Db,
  until: Date,
  limit: number,
  options: { notEnqueuedOnly?: boolean } = {},
): DueDelivery[] {
  return selectDue(
    db,
    options.notEnqueuedOnly ? 'AND enqueued_version < schedule_version' : '',
    until,
    limit,
  );
}

/**
 * Pending deliveries the queue was given (or whose attempt was claimed) and that are still not
 * done well past their due time: an attempt whose process died after claiming it, once its lease
 * ended, or a job that was lost. Offering them again is safe: job ids make the re-add of a job
 * still in the queue a no-op, and claims make a duplicate job harmless.
 */
export function listOverdueDeliveries(db: Db, dueBefore: Date, limit: number): DueDelivery[] {
  return selectDue(db, 'AND enqueued_version >= schedule_version', dueBefore, limit);
}

/** Pending deliveries due by `until` that also match `extra` (a constant SQL condition), soonest first. */
function selectDue(db: Db, extra: string, until: Date, limit: number): DueDelivery[] {
  // Then by seq: the deliveries of one transaction's events are queued in the events' order.
  const rows = statement<{ id: string; schedule_version: number; next_attempt_at: string }>(
    db,
    `SELECT id, schedule_version, next_attempt_at FROM deliveries
     WHERE status = 'pending' AND next_attempt_at <= ? ${extra}
     ORDER BY next_attempt_at, seq LIMIT ?`,
  ).all(until.toISOString(), limit);
  return rows.map((row) => ({
    id: row.id,
    scheduleVersion: row.schedule_version,
    nextAttemptAt: new Date(row.next_attempt_at),
  }));
}

/**
 * Notes that these schedule versions are in the queue. A version that moved on meanwhile (the
 * attempt already ran) is left unmarked, so its successor is still enqueued.
 */
export function markEnqueued(db: Db, jobs: readonly { id: string; scheduleVersion: number }[]): void {
  if (jobs.length === 0) return;
  writeTransaction(db, () => {
    const mark = statement(
      db,
      'UPDATE deliveries SET enqueued_version = ? WHERE id = ? AND schedule_version = ? AND enqueued_version < ?',
    );
    for (const job of jobs) mark.run(job.scheduleVersion, job.id, job.scheduleVersion, job.scheduleVersion);
  });
}

/**
 * Forgets what the queue was given, for when Redis may have lost it (emptied, restarted, down):
 * the relay then enqueues every pending delivery again, and job ids make the re-adds of jobs
 * that survived no-ops. Returns how many deliveries were forgotten.
 */
export function forgetEnqueued(db: Db): number {
  if (
    !statement(
      db,
      "SELECT 1 FROM deliveries WHERE status = 'pending' AND enqueued_version >= 0 LIMIT 1",
    ).get()
  ) {
    return 0;
  }
  return writeTransaction(
    db,
    () =>
      statement(
        db,
        "UPDATE deliveries SET enqueued_version = -1 WHERE status = 'pending' AND enqueued_version >= 0",
      ).run().changes,
  );
}
