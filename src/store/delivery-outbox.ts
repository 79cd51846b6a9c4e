import { NotFoundError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type { Delivery } from './delivery-rows.ts';
import { nextSeq } from './next-seq.ts';
import { query, type Sql } from './sql.ts';

/**
 * The delivery outbox (delivery-rows.ts states its invariant): events become pending deliveries,
 * and the relay notes which schedule versions it handed to the queue.
 */

export type DueDelivery = { id: string; scheduleVersion: number; nextAttemptAt: Date };

/** Endpoints of a merchant that take an event type now: enabled, not deleted, filter allows it. */
function subscribedEndpoints(tail: string): { sqlite: string; postgres: string } {
  const where = `SELECT id FROM webhook_endpoints
  WHERE merchant_id = ? AND status = 'enabled' AND deleted_at IS NULL AND (events IS NULL OR EXISTS`;
  return {
    sqlite: `${where} (SELECT 1 FROM json_each(webhook_endpoints.events) WHERE value = ?)) ${tail}`,
    postgres: `${where} (SELECT 1 FROM jsonb_array_elements_text(webhook_endpoints.events::jsonb) AS e(value) WHERE value = ?)) ${tail}`,
  };
}

function* insertDelivery(eventId: string, endpointId: string, now: Date): Sql<Delivery> {
  const id = newId('dlv', now.getTime());
  const at = now.toISOString();
  const seq = yield* nextSeq('deliveries');
  yield* query(
    `INSERT INTO deliveries (id, event_id, endpoint_id, status, next_attempt_at, created_at, updated_at, seq)
     VALUES (?, ?, ?, 'pending', ?, ?, ?, ?)`,
  ).run(id, eventId, endpointId, at, at, at, seq);
  return { id, eventId, endpointId, status: 'pending', attempts: 0, nextAttemptAt: now, createdAt: now };
}

/** Whether any event waits to be fanned out: a read, so that an idle tick takes no write lock. */
export function* hasEventsToFanOut(): Sql<boolean> {
  return (yield* query('SELECT 1 FROM events WHERE fanned_out_at IS NULL LIMIT 1').get()) !== undefined;
}

/**
 * Outbox step two: turns events not yet fanned out into one pending delivery per subscribed
 * endpoint, due now, and marks the events, all in one transaction, so an event is fanned out
 * exactly once however often this runs or crashes. An endpoint receives the events created after
 * it was registered, not a backlog from before it existed (redelivery is the way to those).
 * PostgreSQL: two relays at once skip each other's events (`SKIP LOCKED`) instead of both
 * fanning them out.
 */
export function* fanOutEvents(now: Date, limit: number): Sql<{ events: number; deliveries: number }> {
  const select =
    'SELECT id, merchant_id, type, created_at FROM events WHERE fanned_out_at IS NULL ORDER BY seq LIMIT ?';
  const events = yield* query<{ id: string; merchant_id: string; type: string; created_at: string }>({
    sqlite: select,
    postgres: `${select} FOR UPDATE SKIP LOCKED`,
  }).all(limit);
  let deliveries = 0;
  for (const event of events) {
    const endpoints = yield* query<{ id: string }>(
      subscribedEndpoints('AND created_at <= ? ORDER BY id'),
    ).all(event.merchant_id, event.type, event.created_at);
    for (const endpoint of endpoints) yield* insertDelivery(event.id, endpoint.id, now);
    deliveries += endpoints.length;
    yield* query('UPDATE events SET fanned_out_at = ? WHERE id = ?').run(now.toISOString(), event.id);
  }
  return { events: events.length, deliveries };
}

/**
 * Sends an event again: a fresh pending delivery, due now and with the whole schedule ahead, to
 * every endpoint subscribed to it now (whenever it was registered). The body and the `webhook-id`
 * are the event's own, so receivers deduplicate a redelivery like a retry.
 */
export function* redeliverEvent(merchantId: string, eventId: string, now: Date): Sql<Delivery[]> {
  const event = yield* query<{ id: string; type: string }>(
    'SELECT id, type FROM events WHERE id = ? AND merchant_id = ?',
  ).get(eventId, merchantId);
  if (!event) throw new NotFoundError('event_not_found', `No event ${eventId}.`);
  const endpoints = yield* query<{ id: string }>(subscribedEndpoints('ORDER BY id')).all(
    merchantId,
    event.type,
  );
  const deliveries: Delivery[] = [];
  for (const endpoint of endpoints) deliveries.push(yield* insertDelivery(event.id, endpoint.id, now));
  return deliveries;
}

/**
 * Pending deliveries due by `until`, soonest first. With `notEnqueuedOnly`, only those whose
 * current schedule version the relay has not handed to the queue yet.
 */
export function* listDueDeliveries(
  until: Date,
  limit: number,
  options: { notEnqueuedOnly?: boolean } = {},
): Sql<DueDelivery[]> {
  return yield* selectDue(
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
export function* listOverdueDeliveries(dueBefore: Date, limit: number): Sql<DueDelivery[]> {
  return yield* selectDue('AND enqueued_version >= schedule_version', dueBefore, limit);
}

/** Pending deliveries due by `until` that also match `extra` (a constant SQL condition), soonest first. */
function* selectDue(extra: string, until: Date, limit: number): Sql<DueDelivery[]> {
  // Then by seq: the deliveries of one transaction's events are queued in the events' order.
  const rows = yield* query<{ id: string; schedule_version: number; next_attempt_at: string }>(
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
export function* markEnqueued(jobs: readonly { id: string; scheduleVersion: number }[]): Sql<void> {
  for (const job of jobs) {
    yield* query(
      'UPDATE deliveries SET enqueued_version = ? WHERE id = ? AND schedule_version = ? AND enqueued_version < ?',
    ).run(job.scheduleVersion, job.id, job.scheduleVersion, job.scheduleVersion);
  }
}

/** Whether any pending delivery is marked as given to the queue: a read before `forgetEnqueued`. */
export function* hasEnqueuedDeliveries(): Sql<boolean> {
  const sql = "SELECT 1 FROM deliveries WHERE status = 'pending' AND enqueued_version >= 0 LIMIT 1";
  return (yield* query(sql).get()) !== undefined;
}

/**
 * Forgets what the queue was given, for when Redis may have lost it (emptied, restarted, down):
 * the relay then enqueues every pending delivery again, and job ids make the re-adds of jobs
 * that survived no-ops. Returns how many deliveries were forgotten.
 */
export function* forgetEnqueued(): Sql<number> {
  const sql =
    "UPDATE deliveries SET enqueued_version = -1 WHERE status = 'pending' AND enqueued_version >= 0";
  return (yield* query(sql).run()).changes;
}
