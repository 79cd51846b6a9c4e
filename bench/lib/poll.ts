/**
 * Runs `tick` every `intervalMs` (never overlapping) until stopped: the bench's observers of
 * "row visible", which poll stablegate's SQLite and Ponder's HTTP API at the same interval.
 */
export function every(intervalMs: number, tick: () => Promise<void> | void) {
  let running = true;
  let errors = 0;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      try {
        await tick();
      } catch {
        errors++;
      }
      const wait = intervalMs - (Date.now() - started);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  return {
    get errors() {
      return errors;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Polls until `condition` holds; false at the deadline (the caller reports what was missing). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
