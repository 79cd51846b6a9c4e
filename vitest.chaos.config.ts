import { defineConfig } from 'vitest/config';

/**
 * `npm run test:chaos`: the long fault-injection scenarios (test/chaos/*.chaos.ts), kept out of
 * `npm test`. Same global setup as the main suite: one anvil and one redis-server per run; each
 * scenario starts its own private redis-server when it needs to stop or lose it.
 * CHAOS_SCALE (default 1) shrinks payment counts and durations, e.g. CHAOS_SCALE=0.1 for a smoke run.
 */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.chaos.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20 * 60_000,
    hookTimeout: 120_000,
    // One anvil for every file: scenarios must not interleave their blocks and reorgs.
    fileParallelism: false,
  },
});
