/**
 * The one shutdown order of every process kind (`dev`, `serve`, `watch`, `work`, and the test and
 * benchmark pipelines; the graceful-shutdown scenarios of docs/reliability.md exercise it). Each
 * phase waits for the one before, because each needs what the later phases still hold open:
 * 1. `http`: listeners stop accepting and drain, so no request starts against a part that stopped;
 * 2. `watchers`: each finishes its step; its cursor is committed with the transfers it covers;
 * 3. `workers`: relays stop, running jobs finish (they still need Redis and the database);
 * 4. `redis`: the connections and servers the parts above used;
 * 5. `database`: last, since every part above writes to it.
 */
export const SHUTDOWN_PHASES = ['http', 'watchers', 'workers', 'redis', 'database'] as const;

export type ShutdownPhase = (typeof SHUTDOWN_PHASES)[number];
/** Closes or stops one thing; what it returns is awaited. */
export type Closer = () => unknown;
/** What a process started, by the phase it stops in; the closers of one phase run together. */
export type ShutdownPlan = { readonly [Phase in ShutdownPhase]?: readonly Closer[] };

/**
 * Runs the plans' closers phase by phase. A closer that throws does not keep the later phases
 * from running (a database left open, a Redis connection holding the event loop): the first
 * failure is rethrown once every phase has run.
 */
export async function shutdown(...plans: ShutdownPlan[]): Promise<void> {
  let failure: { error: unknown } | undefined;
  for (const phase of SHUTDOWN_PHASES) {
    const closers = plans.flatMap((plan) => plan[phase] ?? []);
    const results = await Promise.allSettled(closers.map(async (close) => close()));
    for (const result of results) {
      if (result.status === 'rejected') failure ??= { error: result.reason };
    }
  }
  if (failure) throw failure.error;
}
