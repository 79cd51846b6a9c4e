import { NotFoundError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { nextAttemptDelayMs } from '../domain/retry-schedule.ts';
import { type Db, writeTransaction } from './db.ts';

/**
 * Webhook deliveries: one row per (event, endpoint) send, with every attempt beside it. The retry
 * schedule lives here, not in Redis: a queue job only says "attempt delivery X at schedule version
 * v", so losing Redis loses no delivery, and a stale or duplicated job finds v moved on and does
 * nothing.
 *
 * Invariant: a delivery is `pending` with a `next_attempt_at` exactly while another attempt is
 * owed; every change of that time bumps `schedule_version`, so each attempt has one job id.
 * `enqueued_version` is the relay's note of the last version it handed to the queue.
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

export type DeliveryAttempt = {
  attemptedAt: Date;
  responseStatus: number | null;
  durationMs: number;
  error: string | null;
};

export type DeliveryWithAttempts = Delivery & { attemptsLog: DeliveryAttempt[] };

export type DueDelivery = { id: string; scheduleVersion: number; nextAttemptAt: Date };

/** What one attempt needs, read at send time so a rotated secret or URL applies at once. */
export type AttemptTarget = {
  deliveryId: string;
  scheduleVersion: number;
  attempts: number;
  eventId: string;
  payload: string;
  endpointId: string;
  url: string;
  /** Sealed (store/secret-box.ts): open with the context's SecretBox just before signing; never log either form. */
  secret: string;
  /** The secret before the last roll (sealed the same way) while it still signs; see rollWebhookSecret. */
  previousSecret: { sealed: string; expiresAt: Date } | null;
  endpointStatus: 'enabled' | 'disabled' | 'deleted';
};

/** The outcome of one attempt as recorded (structurally deliverWebhook's DeliveryOutcome). */
export type AttemptOutcome =
  | { kind: 'delivered'; status: number; durationMs: number }
  | { kind: 'retry'; status?: number; durationMs: number; error: string; retryAfterMs?: number }
  | { kind: 'gone'; status: 410; durationMs: number };

export type RecordedAttempt =
  | { recorded: false }
  | { recorded: true; status: DeliveryStatus; attempts: number; nextAttemptAt: Date | null };

type DeliveryRow = {
  id: string;
  event_id: string;
  endpoint_id: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  schedule_version: number;
  created_at: string;
};

type AttemptRow = {
  delivery_id: string;
  attempted_at: string;
  response_status: number | null;
  duration_ms: number;
  error: string | null;
};

const toDelivery = (row: DeliveryRow): Delivery => ({
  id: row.id,
  eventId: row.event_id,
  endpointId: row.endpoint_id,
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at === null ? null : new Date(row.next_attempt_at),
  createdAt: new Date(row.created_at),
});

/** Endpoints of a merchant that take an event type now: enabled, not deleted, filter allows it. */
const SUBSCRIBED_ENDPOINTS = `SELECT id FROM webhook_endpoints
  WHERE merchant_id = ? AND status = 'enabled' AND deleted_at IS NULL
    AND (events IS NULL OR EXISTS (SELECT 1 FROM json_each(webhook_endpoints.events) WHERE value = ?))`;

function insertDelivery(db: Db, eventId: string, endpointId: string, now: Date): Delivery {
  const id = newId('dlv', now.getTime());
  const at = now.toISOString();
  db.prepare(
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
  if (!db.prepare('SELECT 1 FROM events WHERE fanned_out_at IS NULL LIMIT 1').get()) {
    return { events: 0, deliveries: 0 };
  }
  return writeTransaction(db, () => {
    const events = db
      .prepare(
        'SELECT id, merchant_id, type, created_at FROM events WHERE fanned_out_at IS NULL ORDER BY seq LIMIT ?',
      )
      .all(limit) as { id: string; merchant_id: string; type: string; created_at: string }[];
    const endpointsOf = db.prepare(`${SUBSCRIBED_ENDPOINTS} AND created_at <= ? ORDER BY id`);
    const markFannedOut = db.prepare('UPDATE events SET fanned_out_at = ? WHERE id = ?');
    let deliveries = 0;
    for (const event of events) {
      const endpoints = endpointsOf.all(event.merchant_id, event.type, event.created_at) as { id: string }[];
      for (const endpoint of endpoints) insertDelivery(db, event.id, endpoint.id, now);
      deliveries += endpoints.length;
      markFannedOut.run(now.toISOString(), event.id);
    }
    return { events: events.length, deliveries };
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
  const rows = db
    .prepare(
      `SELECT id, schedule_version, next_attempt_at FROM deliveries
       WHERE status = 'pending' AND next_attempt_at <= ? ${extra}
       ORDER BY next_attempt_at, seq LIMIT ?`,
    )
    .all(until.toISOString(), limit) as { id: string; schedule_version: number; next_attempt_at: string }[];
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
    const mark = db.prepare(
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
    !db.prepare("SELECT 1 FROM deliveries WHERE status = 'pending' AND enqueued_version >= 0 LIMIT 1").get()
  ) {
    return 0;
  }
  return writeTransaction(
    db,
    () =>
      db
        .prepare(
          "UPDATE deliveries SET enqueued_version = -1 WHERE status = 'pending' AND enqueued_version >= 0",
        )
        .run().changes,
  );
}

/** The delivery, event and endpoint for one attempt; null when the job is stale or a duplicate. */
export function loadDeliveryForAttempt(
  db: Db,
  job: { deliveryId: string; scheduleVersion: number },
): AttemptTarget | null {
  const row = db
    .prepare(
      `SELECT d.id, d.schedule_version, d.attempts, e.id AS event_id, e.payload, w.id AS endpoint_id, w.url,
              w.secret, w.previous_secret, w.previous_secret_expires_at, w.status AS endpoint_status, w.deleted_at
       FROM deliveries d JOIN events e ON e.id = d.event_id JOIN webhook_endpoints w ON w.id = d.endpoint_id
       WHERE d.id = ? AND d.status = 'pending' AND d.schedule_version = ?`,
    )
    .get(job.deliveryId, job.scheduleVersion) as
    | {
        id: string;
        schedule_version: number;
        attempts: number;
        event_id: string;
        payload: string;
        endpoint_id: string;
        url: string;
        secret: string;
        previous_secret: string | null;
        previous_secret_expires_at: string | null;
        endpoint_status: 'enabled' | 'disabled';
        deleted_at: string | null;
      }
    | undefined;
  if (!row) return null;
  return {
    deliveryId: row.id,
    scheduleVersion: row.schedule_version,
    attempts: row.attempts,
    eventId: row.event_id,
    payload: row.payload,
    endpointId: row.endpoint_id,
    url: row.url,
    secret: row.secret,
    previousSecret:
      row.previous_secret === null || row.previous_secret_expires_at === null
        ? null
        : { sealed: row.previous_secret, expiresAt: new Date(row.previous_secret_expires_at) },
    endpointStatus: row.deleted_at !== null ? 'deleted' : row.endpoint_status,
  };
}

export type Claim =
  | { kind: 'claimed'; target: AttemptTarget }
  /** The job is stale or a duplicate: the delivery is not pending at this version any more. */
  | { kind: 'stale' }
  /** The endpoint was disabled or deleted since: the delivery failed without an attempt. */
  | { kind: 'abandoned'; endpointStatus: 'disabled' | 'deleted' };

/**
 * Takes the attempt of one schedule version before anything is sent, so that of any number of
 * jobs for the same version (duplicates, a stalled job run twice) exactly one sends. The claim
 * moves the version on (v → v+1, which the returned target carries for recordAttempt) and leases
 * the delivery until `now + leaseMs`: if the process dies mid-attempt, the relay finds version
 * v+1 due when the lease ends and the attempt is made again (at least once). The new version
 * counts as enqueued: the job making the attempt stands for it.
 */
export function claimAttempt(
  db: Db,
  input: { deliveryId: string; scheduleVersion: number; now: Date; leaseMs: number },
): Claim {
  return writeTransaction(db, (): Claim => {
    const target = loadDeliveryForAttempt(db, input);
    if (!target) return { kind: 'stale' };
    const at = input.now.toISOString();
    if (target.endpointStatus !== 'enabled') {
      db.prepare(
        `UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, schedule_version = schedule_version + 1,
           updated_at = ? WHERE id = ?`,
      ).run(at, target.deliveryId);
      return { kind: 'abandoned', endpointStatus: target.endpointStatus };
    }
    const version = target.scheduleVersion + 1;
    db.prepare(
      `UPDATE deliveries SET schedule_version = ?, enqueued_version = ?, next_attempt_at = ?, updated_at = ?
       WHERE id = ?`,
    ).run(
      version,
      version,
      new Date(input.now.getTime() + input.leaseMs).toISOString(),
      at,
      target.deliveryId,
    );
    return { kind: 'claimed', target: { ...target, scheduleVersion: version } };
  });
}

/** Text stored with a 410 attempt and as the endpoint's disabled reason. */
export const GONE_REASON = 'receiver answered 410 Gone; endpoint disabled';

/**
 * Records one attempt and decides what follows, in one transaction: delivered → succeeded;
 * 410 → failed and the endpoint disabled (with its other pending deliveries); otherwise the next
 * step of `schedule` (never sooner than a Retry-After), or failed once the schedule is used up.
 * A job whose schedule version moved on, or whose delivery is no longer pending, records nothing:
 * that is what makes duplicate and stale jobs harmless.
 */
export function recordAttempt(
  db: Db,
  input: {
    deliveryId: string;
    scheduleVersion: number;
    outcome: AttemptOutcome;
    /** When the attempt ended; it started `outcome.durationMs` earlier. */
    now: Date;
    schedule: readonly number[];
    random?: () => number;
  },
): RecordedAttempt {
  const { deliveryId, scheduleVersion, outcome, now } = input;
  return writeTransaction(db, (): RecordedAttempt => {
    const row = db
      .prepare("SELECT * FROM deliveries WHERE id = ? AND status = 'pending' AND schedule_version = ?")
      .get(deliveryId, scheduleVersion) as DeliveryRow | undefined;
    if (!row) return { recorded: false };
    const at = now.toISOString();
    const error = outcome.kind === 'retry' ? outcome.error : outcome.kind === 'gone' ? GONE_REASON : null;
    db.prepare(
      `INSERT INTO delivery_attempts (delivery_id, attempted_at, response_status, duration_ms, error)
       VALUES (?, ?, ?, ?, ?)`,
    ).run(
      deliveryId,
      new Date(now.getTime() - outcome.durationMs).toISOString(),
      outcome.status ?? null,
      outcome.durationMs,
      error,
    );
    const attempts = row.attempts + 1;
    let status: DeliveryStatus;
    let nextAttemptAt: Date | null = null;
    if (outcome.kind === 'delivered') {
      status = 'succeeded';
    } else if (outcome.kind === 'gone') {
      status = 'failed';
      disableEndpoint(db, row.endpoint_id, deliveryId, at);
    } else {
      const delayMs = nextAttemptDelayMs({
        schedule: input.schedule,
        attemptsMade: attempts,
        ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
        ...(input.random ? { random: input.random } : {}),
      });
      status = delayMs === null ? 'failed' : 'pending';
      if (delayMs !== null) nextAttemptAt = new Date(now.getTime() + delayMs);
    }
    db.prepare(
      `UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, schedule_version = schedule_version + 1,
         updated_at = ? WHERE id = ?`,
    ).run(status, attempts, nextAttemptAt?.toISOString() ?? null, at, deliveryId);
    return { recorded: true, status, attempts, nextAttemptAt };
  });
}

/**
 * SPEC: 410 disables the endpoint. Its other pending deliveries fail with it (their version
 * bumped, so queued jobs for them turn stale): nothing more is sent to a receiver that said gone.
 */
function disableEndpoint(db: Db, endpointId: string, exceptDeliveryId: string, at: string): void {
  db.prepare(
    "UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = ? WHERE id = ? AND status = 'enabled'",
  ).run(`${GONE_REASON} at ${at}`, endpointId);
  db.prepare(
    `UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, schedule_version = schedule_version + 1,
       updated_at = ? WHERE endpoint_id = ? AND status = 'pending' AND id <> ?`,
  ).run(at, endpointId, exceptDeliveryId);
}

/**
 * Sends an event again: a fresh pending delivery, due now and with the whole schedule ahead, to
 * every endpoint subscribed to it now (whenever it was registered). The body and the `webhook-id`
 * are the event's own, so receivers deduplicate a redelivery like a retry.
 */
export function redeliverEvent(db: Db, merchantId: string, eventId: string, now: Date): Delivery[] {
  return writeTransaction(db, () => {
    const event = db
      .prepare('SELECT id, type FROM events WHERE id = ? AND merchant_id = ?')
      .get(eventId, merchantId) as { id: string; type: string } | undefined;
    if (!event) throw new NotFoundError('event_not_found', `No event ${eventId}.`);
    const endpoints = db.prepare(`${SUBSCRIBED_ENDPOINTS} ORDER BY id`).all(merchantId, event.type) as {
      id: string;
    }[];
    return endpoints.map((endpoint) => insertDelivery(db, event.id, endpoint.id, now));
  });
}

/** A merchant's deliveries of one event, oldest first, each with its attempts in order. */
export function listDeliveries(db: Db, merchantId: string, eventId: string): DeliveryWithAttempts[] {
  const rows = db
    .prepare(
      `SELECT d.* FROM deliveries d JOIN events e ON e.id = d.event_id
       WHERE d.event_id = ? AND e.merchant_id = ? ORDER BY d.seq`,
    )
    .all(eventId, merchantId) as DeliveryRow[];
  const attempts = db
    .prepare(
      `SELECT a.delivery_id, a.attempted_at, a.response_status, a.duration_ms, a.error
       FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
       WHERE d.event_id = ? ORDER BY a.id`,
    )
    .all(eventId) as AttemptRow[];
  const byDelivery = new Map<string, DeliveryAttempt[]>();
  for (const attempt of attempts) {
    const log = byDelivery.get(attempt.delivery_id) ?? [];
    log.push({
      attemptedAt: new Date(attempt.attempted_at),
      responseStatus: attempt.response_status,
      durationMs: attempt.duration_ms,
      error: attempt.error,
    });
    byDelivery.set(attempt.delivery_id, log);
  }
  return rows.map((row) => ({ ...toDelivery(row), attemptsLog: byDelivery.get(row.id) ?? [] }));
}
