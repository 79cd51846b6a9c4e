import { BaseError } from '../domain/errors.ts';
import { createScanContext, type StepOutcome, type WatcherDeps } from './scan-context.ts';
import { createStep } from './step.ts';
import { watchHeads } from './watch-heads.ts';

/**
 * After a failed step the watcher waits 500 ms, then 1 s, 2 s, 4 s, then this at most. A step is
 * many calls and fails whole, so on a lossy link (30 % of connections dropped) several fail in a
 * row; a 15 s cap then put 30 s of waiting between the node coming back and the next payment
 * seen. One step per 5 s is still gentle on a node or provider that is down.
 */
const STEP_RETRY_CAP_MS = 5_000;

export type Watcher = {
  /** One step (step.ts); the loop calls it, and tests and benchmarks may drive it alone. */
  step(): Promise<StepOutcome>;
  start(): void;
  /** Runs the next step now instead of after the poll interval. */
  wake(): void;
  stop(): Promise<void>;
  readonly watchedAddresses: number;
};

/**
 * Follows one chain (docs/architecture.md#a-payment-from-invoice-to-webhook, steps 3–4; #reorg-walk-back). Invariants, kept across crashes because each is
 * committed in the same SQLite transaction as the transfers it covers:
 * - every block up to the cursor has been scanned against every address in the index up to
 *   `indexedRowId`; newer addresses get a catch-up scan from their `watch_from_block` (catch-up.ts);
 * - the window holds the recent blocks' (number, hash, parentHash), so a reorg is found by
 *   comparing hashes, walking back to the common ancestor, never by trusting `removed` logs (reorg.ts).
 *
 * This file is the loop and its lifecycle; each step is its own module (step.ts and the modules it
 * calls), as ponder splits its realtime sync.
 */
export function createWatcher(deps: WatcherDeps): Watcher {
  const { chain, client } = deps;
  const ctx = createScanContext(deps);
  const step = createStep(ctx);
  const { log } = ctx;

  // The loop's state: `running` until stop(); `loop` is the run() that stop() waits for; `wakeUp`
  // ends the pause in progress (null while a step runs); `stopHeads` ends the newHeads subscription.
  let running = false;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let stopHeads: (() => Promise<void>) | null = null;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });

  async function run(): Promise<void> {
    let failures = 0;
    while (running) {
      let outcome: StepOutcome | null = null;
      try {
        outcome = await step();
        failures = 0;
      } catch (error) {
        if (!running) break; // stop() aborted the step's requests
        failures++;
        // Retrying cures a node that lags or a chain that moved (retryable), not our own state.
        const level = error instanceof BaseError && !error.retryable ? 'error' : 'warn';
        if (failures === 1 || failures % 10 === 0)
          log[level]({ err: error, failures }, 'watcher step failed; retrying');
      }
      if (!running) break;
      if (outcome && outcome.kind !== 'synced') continue;
      await pause(failures > 0 ? Math.min(250 * 2 ** failures, STEP_RETRY_CAP_MS) : chain.pollIntervalMs);
    }
  }

  return {
    step,
    start(): void {
      if (running) return;
      running = true;
      if (client.heads) stopHeads = watchHeads(client.heads, { onHead: () => wakeUp?.(), log });
      loop = run();
    },
    wake(): void {
      wakeUp?.();
    },
    /**
     * Stops for good (a watcher is not started again): the current step's requests are aborted,
     * and what it had not committed is scanned again by the next watcher from the saved cursor.
     */
    async stop(): Promise<void> {
      running = false;
      client.abort();
      await stopHeads?.();
      stopHeads = null;
      wakeUp?.();
      await loop;
    },
    get watchedAddresses(): number {
      return ctx.index.size;
    },
  };
}
