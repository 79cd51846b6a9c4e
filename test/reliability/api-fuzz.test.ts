import { describe, expect, it } from 'vitest';
import { runApiFuzz } from './support/api-fuzz.ts';

/** CHAOS runs 10,000 (test/chaos/api-fuzz.chaos.ts); FUZZ_SEED replays a run. */
const REQUESTS = 2_000;

describe('API fuzzing', () => {
  it('answers 2,000 arbitrary requests below 500, as documented JSON or problem+json, and never logs a secret', async () => {
    const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
    const report = await runApiFuzz({ requests: REQUESTS, ...(seed === undefined ? {} : { seed }) });
    console.log(
      `[reliability] api fuzz: ${report.requests} requests fuzzed (seed ${report.seed}), statuses ${JSON.stringify(report.byStatus)}, ` +
        `${report.violations.length} violations, ${report.leaks.length} secrets in logs`,
    );
    expect(report.requests).toBeGreaterThanOrEqual(REQUESTS);
    expect(report.violations.slice(0, 10)).toEqual([]);
    expect(report.leaks).toEqual([]);
  });
});
