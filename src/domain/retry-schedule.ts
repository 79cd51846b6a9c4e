/**
 * When to attempt a webhook delivery again. A schedule is a list of delays in seconds: step `i` is
 * the wait before attempt `i + 1`, so the first step ("now", 0) is the first attempt and a schedule
 * of n steps allows n attempts. The default is README "Configuration"'s WEBHOOK_RETRY_SCHEDULE, itself the example schedule of Standard
 * Webhooks 1.0 ("Deliverability and reliability"): about 3 days in all.
 */
export const DEFAULT_RETRY_SCHEDULE_S: readonly number[] = [
  0, 5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400,
];

/** A step longer than a week is almost surely a typo (milliseconds written as seconds). */
export const MAX_RETRY_STEP_S = 7 * 24 * 60 * 60;

/**
 * A receiver's Retry-After is honoured up to the longest default step, so a hostile or broken
 * receiver cannot park a delivery for years with `Retry-After: 999999999`.
 */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/** Standard Webhooks asks for "some level of random jitter"; ±20% spreads a burst of failures. */
export const RETRY_JITTER_RATIO = 0.2;

export type ParsedRetrySchedule = { ok: true; schedule: number[] } | { ok: false; message: string };

const WHOLE_SECONDS = /^[0-9]+$/;

/** Parses `WEBHOOK_RETRY_SCHEDULE`, e.g. "0,5,300": comma-separated whole seconds. */
export function parseRetrySchedule(text: string): ParsedRetrySchedule {
  const entries = text.split(',').map((entry) => entry.trim());
  const schedule: number[] = [];
  for (const [index, entry] of entries.entries()) {
    const position = `entry ${index + 1} (${JSON.stringify(entry)})`;
    if (!WHOLE_SECONDS.test(entry)) {
      return { ok: false, message: `${position} must be a whole number of seconds, e.g. "0,5,300"` };
    }
    const seconds = Number(entry);
    if (seconds > MAX_RETRY_STEP_S) {
      return { ok: false, message: `${position} must be at most ${MAX_RETRY_STEP_S} seconds (7 days)` };
    }
    schedule.push(seconds);
  }
  return { ok: true, schedule };
}

/**
 * The wait in milliseconds before the next attempt, or null when the schedule is used up (give up).
 * `attemptsMade` counts attempts already made, so 0 asks for the first attempt ("now").
 */
export function nextAttemptDelayMs(args: {
  schedule: readonly number[];
  attemptsMade: number;
  retryAfterMs?: number;
  random?: () => number;
}): number | null {
  const { schedule, attemptsMade, retryAfterMs, random = Math.random } = args;
  if (!Number.isSafeInteger(attemptsMade) || attemptsMade < 0) {
    throw new RangeError(`attemptsMade must be a non-negative integer, got ${attemptsMade}`);
  }
  const stepS = schedule[attemptsMade];
  if (stepS === undefined) return null;
  const stepMs = stepS * 1000;
  // A factor in [1 - r, 1 + r): a zero step ("now") stays zero, and r < 1 keeps the delay >= 0.
  const factor = 1 + (clampUnit(random()) * 2 - 1) * RETRY_JITTER_RATIO;
  const jittered = Math.max(0, Math.round(stepMs * factor));
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs)) return jittered;
  // RFC 9110 §10.2.3: the receiver asks us to wait at least this long; we never come back sooner.
  return Math.max(jittered, Math.min(Math.max(0, Math.ceil(retryAfterMs)), MAX_RETRY_AFTER_MS));
}

/** Keeps an injected random source inside [0, 1) so jitter stays within its bounds. */
function clampUnit(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return value >= 1 ? 1 - Number.EPSILON : value;
}
