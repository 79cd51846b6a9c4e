import { BaseError } from '../domain/errors.ts';
import { getCursor } from '../store/chain-state.ts';
import { createBlockClock } from './block-clock.ts';
import { createPollSchedule } from './poll-schedule.ts';
import { createScanContext, type StepOutcome, type WatcherDeps } from './scan-context.ts';
import { createStaleHead, staleAfterMs } from './stale-head.ts';
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
  /** Runs the next step now instead of at the next poll. */
  wake(): void;
  stop(): Promise<void>;
  readonly watchedAddresses: number;
};

/**
 * Follows one chain (docs/architecture.md#a-payment-from-invoice-to-webhook, steps 3–4; #reorg-walk-back). Invariants, kept across crashes because each is
 * committed in the same transaction as the transfers it covers (store/chain-state.ts commitScan):
 * - every block up to the cursor has been scanned against every address in the index up to
 *   `indexedRowId`; newer addresses get a catch-up scan from their `watch_from_block` (catch-up.ts);
 * - the window holds the recent blocks' (number, hash, parentHash), so a reorg is found by
 *   comparing hashes, walking back to the common ancestor, never by trusting `removed` logs (reorg.ts).
 *
 * This file is the loop and its lifecycle; each step is its own module (step.ts and the modules it
 * calls), as ponder splits its realtime sync. Between steps the loop waits for the next poll: at
 * the next expected block on a chain with a block clock (poll-schedule.ts), else the configured
 * interval, or a newHeads notification over WebSocket. After each step it checks that the head
 * still advances (stale-head.ts).
 */
export function createWatcher(deps: WatcherDeps): Watcher {
  const { chain, client, clock } = deps;
  const blockClock = createBlockClock({ blockTimeMs: chain.blockTimeMs });
  // Polling, polls are placed by the block clock; over WebSocket, newHeads wakes the loop instead.
  const schedule = client.heads
    ? null
    : createPollSchedule({ pollIntervalMs: chain.pollIntervalMs, blockClock });
  const staleHead = createStaleHead();
  // The head last reported, and whether the running step follows one that stopped short of it:
  // its head poll is then work, not charged to the poll budget.
  let lastHead = -1;
  let catchingUp = false;
  const ctx = createScanContext(deps, {
    blockClock,
    onHead(poll, head) {
      lastHead = head.number;
      staleHead.observe(head.number, poll.receivedAt);
      schedule?.polled(poll, { charged: !catchingUp });
    },
  });
  const step = createStep(ctx);
  const { log, metrics, labels } = ctx;

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
    let headRestored = false;
    while (running) {
      let outcome: StepOutcome | null = null;
      try {
        // Before the first step commits a head of its own over the saved one.
        if (!headRestored) {
          await restoreSavedHead();
          headRestored = true;
        }
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
      checkStaleHead();
      if (!running) break;
      // Behind the head or rewound, the next step follows at once.
      catchingUp = outcome !== null && outcome.kind !== 'synced' && !isLevel(outcome);
      if (catchingUp) continue;
      await pause(failures > 0 ? Math.min(250 * 2 ** failures, STEP_RETRY_CAP_MS) : untilNextPoll());
    }
  }

  /**
   * Polling a chain with a block clock, a step that reached the head is level: the next block is a
   * block time away. (Over WebSocket, or without a clock, one more step follows at once, as it
   * catches a block, or a newHeads notification, that came while this one ran.)
   */
  function isLevel(outcome: StepOutcome): boolean {
    return (
      schedule !== null &&
      outcome.kind === 'block' &&
      outcome.to >= lastHead &&
      blockClock.blockTimeMs() !== null
    );
  }

  /** What an earlier watcher saved of the head: a stall that began before a restart counts from its start. */
  async function restoreSavedHead(): Promise<void> {
    const cursor = await deps.store.read(getCursor, chain.chainId);
    if (cursor?.headAdvancedAt)
      staleHead.restore({ head: cursor.headNumber, at: cursor.headAdvancedAt.getTime() });
  }

  function untilNextPoll(): number {
    const now = clock.now().getTime();
    const at = schedule?.nextPollAt(now) ?? null;
    return at === null ? chain.pollIntervalMs : Math.max(0, at - now);
  }

  /** The stale-head alarm: its metrics after every step, one log line when it is raised or cleared. */
  function checkStaleHead(): void {
    const blockTimeMs = blockClock.blockTimeMs();
    const state = staleHead.check(clock.now().getTime(), staleAfterMs(chain, blockClock));
    metrics.chainHeadStale.set(labels, state.stale ? 1 : 0);
    if (state.ageMs !== null) metrics.chainHeadAge.set(labels, state.ageMs / 1000);
    if (blockTimeMs === null) metrics.chainBlockTime.remove(labels);
    else metrics.chainBlockTime.set(labels, blockTimeMs / 1000);
    const { head, ageMs, staleAfterMs: limitMs, change } = state;
    if (change === 'stale')
      log.error(
        { alert: 'stale_head', head, ageMs, staleAfterMs: limitMs },
        `the chain's head ${head} has not advanced for ${Math.round((ageMs ?? 0) / 1000)} s: stale node?`,
      );
    else if (change === 'recovered')
      log.info({ head }, "the chain's head advances again: stale_head cleared");
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
