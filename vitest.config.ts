import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // One anvil and one redis-server per run, on free ports (test/global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files share one anvil: snapshot/revert keeps them apart, but only when they do not interleave.
    fileParallelism: false,
  },
});
