type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

/** Polls `condition` until it holds or the deadline passes: a deadline, never a fixed sleep. */
export async function eventually<T>(
  condition: () => T | Promise<T>,
  options: { timeoutMs?: number; message?: string } = {},
): Promise<Truthy<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const value = await condition();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(options.message ?? 'condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
