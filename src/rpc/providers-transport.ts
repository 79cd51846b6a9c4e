import { createPublicClient, custom, type PublicClient } from 'viem';
import { FAILS_OVER, type RpcErrorKind, retryAfterMs } from './classify-rpc-error.ts';
import { type CallResult, headOf, type ProviderPool, type RequestMode } from './provider-pool.ts';

/** Kinds after which the whole request is tried again: every provider failed, and may recover. */
const RETRIED: ReadonlySet<RpcErrorKind> = new Set(['timeout', 'rate_limited', 'unavailable']);
/** viem's default: 150 ms, doubled per retry, or what a rate limit's Retry-After asks (capped). */
const RETRY_DELAY_MS = 150;
const RETRY_AFTER_CAP_MS = 30_000;

type Failed = Extract<CallResult, { ok: false }>;

/**
 * A viem client whose requests go through a chain's providers (provider-pool.ts):
 *
 * - a request is sent to the first candidate provider and, on an error another provider may not
 *   have (a timeout, a rate limit, a missing block: classify-rpc-error.ts), to the next, each once;
 *   an error that is the request's own fault (invalid params, a revert) is thrown at once;
 * - when every provider failed, the request is tried again `retryCount` times, 150 ms × 2ⁿ apart
 *   (or after the Retry-After a rate limit gave, as viem's own retries do);
 * - a head request (`eth_blockNumber`, the `latest` block) is a race (`raceHeads`).
 *
 * viem's `fallback` transport tries its transports in a fixed order (or ranked by pinging each one
 * every few seconds with `net_listening`), so a dead first provider costs a full timeout on every
 * request, and it knows nothing of heads. Its rule for what must not be sent on (`shouldThrow`) is
 * kept in classify-rpc-error.ts; what the pool adds is the order, the back-off and the heads.
 */
export function createProvidersClient(
  pool: ProviderPool,
  options: { mode: RequestMode; retryCount: number },
): PublicClient {
  async function request({ method, params }: { method: string; params?: unknown }): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const result = isHeadRequest(method, params)
        ? await raceHeads(pool, options.mode, method, params)
        : await failOver(pool, options.mode, method, params);
      if (result.ok) return result.value;
      if (!RETRIED.has(result.kind) || attempt >= options.retryCount) throw result.error;
      const asked = retryAfterMs(result.error, Date.now());
      const delayMs = asked === null ? RETRY_DELAY_MS * 2 ** attempt : Math.min(asked, RETRY_AFTER_CAP_MS);
      await pause(delayMs, pool.signal);
    }
  }
  // cacheTime 0: a watcher must never be answered from viem's cache of an older head.
  return createPublicClient({
    transport: custom({ request }, { key: 'providers', name: 'RPC providers', retryCount: 0 }),
    cacheTime: 0,
  });
}

/** Waits `ms`, or less if `signal` aborts: a stopping watcher does not wait out a Retry-After. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, signal?.aborted ? 0 : ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function isHeadRequest(method: string, params: unknown): boolean {
  return (
    method === 'eth_blockNumber' ||
    (method === 'eth_getBlockByNumber' && Array.isArray(params) && params[0] === 'latest')
  );
}

async function failOver(
  pool: ProviderPool,
  mode: RequestMode,
  method: string,
  params: unknown,
): Promise<CallResult> {
  pool.probeDue();
  const candidates = pool.candidates();
  const lastResort = !candidates.some((p) => pool.isHealthy(p));
  const failures: Failed[] = [];
  for (const provider of candidates) {
    // Another request may have backed it off since the list was made: skip it, unless it is all
    // there is left.
    if (!lastResort && failures.length > 0 && !pool.isHealthy(provider)) continue;
    const result = await pool.call(provider, mode, method, params);
    if (result.ok || !FAILS_OVER.has(result.kind)) return result;
    failures.push(result);
  }
  return worstOf(failures);
}

/**
 * The head, asked of every healthy provider at once. The first answer at or above the best head
 * known before the race wins; an answer below it (a lagging provider, or one a block behind) waits
 * for the others, and when all have answered the highest wins (so does the first race, when no
 * head is known yet). So a blackholed provider delays no head after the first, and a lagging one
 * never sets it while another keeps up. Every answer records its provider's head
 * (provider-pool.ts), which is how a lagging provider is noticed and, once it has caught up, used
 * again.
 */
async function raceHeads(
  pool: ProviderPool,
  mode: RequestMode,
  method: string,
  params: unknown,
): Promise<CallResult> {
  pool.probeDue();
  const targets = pool.headCandidates();
  if (targets.length === 0) return failOver(pool, mode, method, params);
  const known = pool.bestHead();
  return new Promise<CallResult>((resolve) => {
    let pending = targets.length;
    let highest: { result: CallResult; head: number | null } | null = null;
    const failures: Failed[] = [];
    let done = false;
    const settle = (result: CallResult) => {
      pending--;
      if (done) return;
      if (result.ok) {
        const head = headOf(method, params, result.value);
        if (head !== null && known !== null && head >= known) {
          done = true;
          resolve(result);
          return;
        }
        if (highest === null || (head ?? -1) > (highest.head ?? -1)) highest = { result, head };
      } else failures.push(result);
      if (pending > 0) return;
      done = true;
      resolve(highest?.result ?? worstOf(failures));
    };
    for (const provider of targets) void pool.call(provider, mode, method, params).then(settle);
  });
}

/** The failure to report when all failed: a retryable one if any (the retry may cure it). */
function worstOf(failures: Failed[]): Failed {
  // Never empty: a request is sent to at least one provider (a chain has one at least).
  return failures.find((failure) => RETRIED.has(failure.kind)) ?? (failures[0] as Failed);
}
