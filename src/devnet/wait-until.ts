const POLL_INTERVAL_MS = 50;

export type WaitUntilOptions = {
  timeoutMs: number;
  /** Settles (with a reason) when waiting is pointless, e.g. the awaited process exited. */
  exited?: Promise<string>;
};

/**
 * Polls `condition` until it returns true, rejecting at the deadline or as soon as `exited`
 * settles. The short pause between polls is a poll interval inside a deadline, not a sleep
 * that hopes a condition will hold afterwards.
 */
export async function waitUntil(condition: () => Promise<boolean> | boolean, options: WaitUntilOptions) {
  const deadline = Date.now() + options.timeoutMs;
  let exitReason: string | undefined;
  void options.exited?.then((reason) => {
    exitReason = reason;
  });
  for (;;) {
    if (exitReason !== undefined) throw new Error(exitReason);
    if (await condition()) return;
    if (exitReason !== undefined) throw new Error(exitReason);
    if (Date.now() >= deadline) throw new Error(`not ready after ${options.timeoutMs} ms`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, POLL_INTERVAL_MS);
      void options.exited?.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
