/**
 * Webhook deliveries: one row per (event, endpoint) send, with every attempt beside it. The retry
 * schedule lives here, not in Redis: a queue job only says "attempt delivery X at schedule version
 * v", so losing Redis loses no delivery, and a stale or duplicated job finds v moved on and does
 * nothing.
 *
 * Invariant: a delivery is `pending` with a `next_attempt_at` exactly while another attempt is
 * owed; every change of that time bumps `schedule_version`, so each attempt has one job id.
 * `enqueued_version` is the relay's note of the last version it handed to the queue.
 *
 * Three modules write and read them: delivery-outbox.ts (events fanned out into deliveries, and
 * what the relay handed to the queue), delivery-attempts.ts (claiming and recording attempts) and
 * delivery-reads.ts (the API's list).
 */

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export type Delivery = {
  id: string;
  eventId: string;
  endpointId: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
};

/** A row of `deliveries`, as `SELECT *` gives it. */
export type DeliveryRow = {
  id: string;
  event_id: string;
  endpoint_id: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  schedule_version: number;
  created_at: string;
};

export const toDelivery = (row: DeliveryRow): Delivery => ({
  id: row.id,
  eventId: row.event_id,
  endpointId: row.endpoint_id,
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at === null ? null : new Date(row.next_attempt_at),
  createdAt: new Date(row.created_at),
});
