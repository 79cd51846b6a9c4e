import { nextAttemptDelayMs } from '../domain/retry-schedule.ts';
import type { DeliveryRow, DeliveryStatus } from './delivery-rows.ts';
import { forUpdate, query, type Sql } from './sql.ts';

/** Attempts of a delivery: claimed before sending, recorded after (delivery-rows.ts states the invariant). */

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

type AttemptTargetRow = {
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
};

const ATTEMPT_TARGET_SQL = `SELECT d.id, d.schedule_version, d.attempts, e.id AS event_id, e.payload, w.id AS endpoint_id, w.url,
       w.secret, w.previous_secret, w.previous_secret_expires_at, w.status AS endpoint_status, w.deleted_at
     FROM deliveries d JOIN events e ON e.id = d.event_id JOIN webhook_endpoints w ON w.id = d.endpoint_id
     WHERE d.id = ? AND d.status = 'pending' AND d.schedule_version = ?`;

/**
 * The delivery, event and endpoint for one attempt; null when the job is stale or a duplicate.
 * With `claim`, PostgreSQL locks the delivery row, waiting for a transaction that holds it: a
 * duplicate job claiming the same version then finds the version moved on (READ COMMITTED checks
 * the row again once the lock is free) and is stale. Not SKIP LOCKED: the holder may as well be
 * the relay marking the row enqueued, and a job that skipped it would be taken for stale and the
 * attempt never made (its completed job id makes every re-offer a no-op).
 */
export function* loadDeliveryForAttempt(
  job: { deliveryId: string; scheduleVersion: number },
  options: { claim?: boolean } = {},
): Sql<AttemptTarget | null> {
  const sql = options.claim
    ? { sqlite: ATTEMPT_TARGET_SQL, postgres: `${ATTEMPT_TARGET_SQL} FOR UPDATE OF d` }
    : ATTEMPT_TARGET_SQL;
  const row = yield* query<AttemptTargetRow>(sql).get(job.deliveryId, job.scheduleVersion);
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
export function* claimAttempt(input: {
  deliveryId: string;
  scheduleVersion: number;
  now: Date;
  leaseMs: number;
}): Sql<Claim> {
  const target = yield* loadDeliveryForAttempt(input, { claim: true });
  if (!target) return { kind: 'stale' };
  const at = input.now.toISOString();
  if (target.endpointStatus !== 'enabled') {
    yield* query(`UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, schedule_version = schedule_version + 1,
         updated_at = ? WHERE id = ?`).run(at, target.deliveryId);
    return { kind: 'abandoned', endpointStatus: target.endpointStatus };
  }
  const version = target.scheduleVersion + 1;
  yield* query(`UPDATE deliveries SET schedule_version = ?, enqueued_version = ?, next_attempt_at = ?, updated_at = ?
     WHERE id = ?`).run(
    version,
    version,
    new Date(input.now.getTime() + input.leaseMs).toISOString(),
    at,
    target.deliveryId,
  );
  return { kind: 'claimed', target: { ...target, scheduleVersion: version } };
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
export function* recordAttempt(input: {
  deliveryId: string;
  scheduleVersion: number;
  outcome: AttemptOutcome;
  /** When the attempt ended; it started `outcome.durationMs` earlier. */
  now: Date;
  schedule: readonly number[];
  random?: () => number;
}): Sql<RecordedAttempt> {
  const { deliveryId, scheduleVersion, outcome, now } = input;
  const row = yield* query<DeliveryRow>(
    forUpdate("SELECT * FROM deliveries WHERE id = ? AND status = 'pending' AND schedule_version = ?"),
  ).get(deliveryId, scheduleVersion);
  if (!row) return { recorded: false };
  const at = now.toISOString();
  const error = outcome.kind === 'retry' ? outcome.error : outcome.kind === 'gone' ? GONE_REASON : null;
  yield* query(`INSERT INTO delivery_attempts (delivery_id, attempted_at, response_status, duration_ms, error)
     VALUES (?, ?, ?, ?, ?)`).run(
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
    yield* disableEndpoint(row.endpoint_id, deliveryId, at);
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
  yield* query(`UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, schedule_version = schedule_version + 1,
       updated_at = ? WHERE id = ?`).run(
    status,
    attempts,
    nextAttemptAt?.toISOString() ?? null,
    at,
    deliveryId,
  );
  return { recorded: true, status, attempts, nextAttemptAt };
}

/**
 * 410 disables the endpoint (README "Verifying webhooks"). Its other pending deliveries fail with it (their version
 * bumped, so queued jobs for them turn stale): nothing more is sent to a receiver that said gone.
 */
function* disableEndpoint(endpointId: string, exceptDeliveryId: string, at: string): Sql<void> {
  yield* query(
    "UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = ? WHERE id = ? AND status = 'enabled'",
  ).run(`${GONE_REASON} at ${at}`, endpointId);
  yield* query(`UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, schedule_version = schedule_version + 1,
       updated_at = ? WHERE endpoint_id = ? AND status = 'pending' AND id <> ?`).run(
    at,
    endpointId,
    exceptDeliveryId,
  );
}
