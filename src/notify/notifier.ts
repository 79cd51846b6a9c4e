import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/env.ts';
import type { Clock } from '../domain/clock.ts';
import { previousSecretRowId } from '../domain/webhook-secret.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { isRetryable, toJobError } from '../queue/job-errors.ts';
import { type DeliverJob, QUEUE_NAMES } from '../queue/jobs.ts';
import { isDatabaseBusy } from '../store/db.ts';
import { claimAttempt, type RecordedAttempt, recordAttempt } from '../store/delivery-attempts.ts';
import type { SecretBox } from '../store/secret-box.ts';
import type { Store } from '../store/store.ts';
import { DELIVERY_TIMEOUT_MS, type DeliveryOutcome, deliverWebhook } from './deliver-webhook.ts';
import { signWebhook, WebhookSigningError } from './sign-webhook.ts';
import { createWebhookAgents } from './webhook-agents.ts';

/**
 * The webhook worker: one BullMQ job is one attempt of one delivery at one schedule version. The
 * job claims the attempt in the store, signs at send time (fresh `webhook-timestamp`, `webhook-id` =
 * the event id, stable across retries and redeliveries), sends, and records the outcome with the
 * next step of the schedule. The claim and the record are two writes, and the HTTP request runs
 * between them, outside any transaction: no lock is held while a receiver takes its time. A
 * receiver's failure completes the job normally: the retry is the next version's job, which the
 * relay enqueues from the store. Only our own failures fail the job.
 */

/** Many at once: a receiver that hangs for its 15 s holds one slot, not the whole worker. */
export const NOTIFIER_CONCURRENCY = 50;
/**
 * Beyond the attempt's own timeout, how long a claim stays leased before it is retried: room for
 * recording the outcome (up to RECORD_TRIES waits of the 5 s busy timeout) and a slow event loop.
 * An attempt outliving its lease may be sent twice, under one webhook-id, and its first outcome
 * goes unrecorded (delivery is at least once).
 */
const CLAIM_LEASE_MARGIN_MS = 20_000;
/** Tries to record an outcome already obtained, each after the store's own busy timeout. */
const RECORD_TRIES = 3;

export type NotifierResult = 'stale' | 'abandoned' | DeliveryOutcome['kind'];

export type Notifier = { worker: Worker<DeliverJob, NotifierResult>; close(): Promise<void> };

export function createNotifier(deps: {
  store: Store;
  logger: Logger;
  clock: Clock;
  secrets: SecretBox;
  metrics: Pick<Metrics, 'webhookOutcomes'>;
  config: Pick<Config, 'allowPrivateWebhookUrls' | 'webhookRetryScheduleS'>;
  /** A worker connection (`maxRetriesPerRequest: null`); BullMQ duplicates it for blocking reads. */
  connection: Redis;
  prefix: string;
  concurrency?: number;
  /** Per attempt; README "Verifying webhooks" promises 15 s (DELIVERY_TIMEOUT_MS) unless a test needs it shorter. */
  timeoutMs?: number;
}): Notifier {
  const { store, clock, secrets, metrics, config, connection, prefix } = deps;
  const timeoutMs = deps.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const logger = deps.logger.child({ component: 'notifier' });
  const agents = createWebhookAgents();

  async function attempt(job: DeliverJob): Promise<NotifierResult> {
    // Claims and records of concurrent attempts share commits on SQLite (store/group-commit.ts).
    const claim = await store.write(claimAttempt, {
      ...job,
      now: clock.now(),
      leaseMs: timeoutMs + CLAIM_LEASE_MARGIN_MS,
    });
    if (claim.kind === 'stale') return 'stale';
    if (claim.kind === 'abandoned') {
      logger.info(
        { deliveryId: job.deliveryId, endpointStatus: claim.endpointStatus },
        'delivery dropped: its endpoint is no longer enabled',
      );
      return 'abandoned';
    }
    const { target } = claim;
    let outcome: DeliveryOutcome;
    // A failure before sending (a stored secret that cannot sign) is still recorded as an attempt:
    // the schedule then bounds it and the merchant sees why, instead of a lease retried forever.
    let failure: unknown;
    try {
      const previous = target.previousSecret;
      const headers = signWebhook({
        secret: secrets.open(target.secret, target.endpointId),
        // Both sign until the overlap after a roll ends (store/webhook-endpoints.ts rollWebhookSecret).
        previousSecret:
          previous && previous.expiresAt > clock.now()
            ? secrets.open(previous.sealed, previousSecretRowId(target.endpointId))
            : undefined,
        eventId: target.eventId,
        timestamp: clock.now(),
        body: target.payload,
      });
      outcome = await deliverWebhook({
        url: target.url,
        headers,
        body: target.payload,
        allowPrivate: config.allowPrivateWebhookUrls,
        timeoutMs,
        now: () => clock.now().getTime(),
        pool: { agents, endpointId: target.endpointId },
      });
    } catch (error) {
      failure = error;
      outcome = {
        kind: 'retry',
        durationMs: 0,
        // The signing error's message names the problem only, never the secret (sign-webhook.ts).
        error:
          error instanceof WebhookSigningError
            ? `not sent: ${error.message}`
            : 'not sent: internal error before sending; see the server logs',
      };
    }
    metrics.webhookOutcomes.inc({ outcome: outcome.kind });
    const recorded = await recordWithRetry(() =>
      store.write(recordAttempt, {
        deliveryId: target.deliveryId,
        scheduleVersion: target.scheduleVersion,
        outcome,
        now: clock.now(),
        schedule: config.webhookRetryScheduleS,
      }),
    );
    // Ids and statuses only: never the URL (it may carry a token), the headers or the secret.
    const fields = {
      deliveryId: target.deliveryId,
      eventId: target.eventId,
      endpointId: target.endpointId,
      outcome: outcome.kind,
      status: outcome.status,
      durationMs: outcome.durationMs,
      ...(outcome.kind === 'retry' ? { error: outcome.error } : {}),
      ...(recorded.recorded
        ? { deliveryStatus: recorded.status, nextAttemptAt: recorded.nextAttemptAt?.toISOString() }
        : {}),
    };
    if (outcome.kind === 'delivered') logger.info(fields, 'webhook delivered');
    else if (outcome.kind === 'gone') logger.warn(fields, 'webhook endpoint answered 410; endpoint disabled');
    else logger.warn(fields, 'webhook attempt failed');
    if (failure !== undefined) throw failure;
    return outcome.kind;
  }

  const worker = new Worker<DeliverJob, NotifierResult>(
    QUEUE_NAMES.deliver,
    async (job: Job<DeliverJob, NotifierResult>) => {
      try {
        return await attempt(job.data);
      } catch (error) {
        throw failJob(error, job, logger);
      }
    },
    { connection, prefix, concurrency: deps.concurrency ?? NOTIFIER_CONCURRENCY },
  );
  // Without a listener BullMQ prints connection errors itself; ours go through the logger.
  worker.on('error', (error) => logger.warn({ error: error.message }, 'notifier worker error'));

  return {
    worker,
    async close() {
      await worker.close();
      agents.close();
    },
  };
}

/**
 * The outcome is already known (and the webhook sent): a busy database should not throw it away,
 * so recording is tried again here before the job fails.
 */
async function recordWithRetry(record: () => Promise<RecordedAttempt>): Promise<RecordedAttempt> {
  for (let tries = 1; ; tries++) {
    try {
      return await record();
    } catch (error) {
      if (!isDatabaseBusy(error) || tries >= RECORD_TRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * tries));
    }
  }
}

/**
 * Logs a failed job and gives the error it fails with (queue/job-errors.ts): a retryable one is
 * retried by BullMQ, anything else fails the job for good.
 */
function failJob(error: unknown, job: Job<DeliverJob, NotifierResult>, logger: Logger): Error {
  const context = { jobId: job.id, deliveryId: job.data.deliveryId };
  if (isRetryable(error)) {
    if (isDatabaseBusy(error)) logger.warn(context, 'database busy; delivery job will be retried');
    return toJobError(error);
  }
  // A signing error's cause comes from decoding the secret: its message alone is logged and kept.
  const safe = error instanceof WebhookSigningError ? new Error(error.message) : error;
  logger.error(
    { ...context, err: safe instanceof Error ? safe : new Error(String(safe)) },
    'delivery job failed unrecoverably',
  );
  return toJobError(safe, `delivery ${job.data.deliveryId}`);
}
