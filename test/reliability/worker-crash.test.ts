import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import { pluck } from '../../src/store/sql.ts';
import { killHard } from '../fixtures/cli-process.ts';
import { devnetChain } from '../fixtures/gateway.ts';
import { auditDeliveries } from './support/delivery-audit.ts';
import type { Deployment } from './support/deployment.ts';
import { withProcessHarness } from './support/process-harness.ts';

const WORK_WITH_CLOCK = fileURLToPath(new URL('./support/work-with-clock.ts', import.meta.url));
/** Beyond a crashed attempt's lease (DELIVERY_TIMEOUT_MS 15 s + the 20 s claim margin). */
const PAST_THE_LEASE_MS = 60_000;
const EVENTS = 3;

const harness = withProcessHarness();

async function pendingDeliveries(store: Deployment['store']): Promise<number> {
  return (
    (await store.read(() =>
      pluck<number>("SELECT count(*) AS n FROM deliveries WHERE status != 'succeeded'").get(),
    )) ?? 0
  );
}

describe('`stablegate work` killed with SIGKILL mid-delivery', () => {
  it('loses no event: the cut attempt is made again by the restarted worker, with the same webhook-id', async () => {
    const { sink, deployment } = await harness.deploy({
      chain: devnetChain(1),
      // Holds the first request of every event open, as a slow merchant would; later ones are answered.
      sinkBehaviour: (_id, nth) => (nth === 0 ? 'hang' : { delayMs: 0 }),
    });
    for (let i = 0; i < EVENTS; i++) await deployment.createInvoice(1_000_000n);

    const first = harness.startCli('work#1', ['work'], deployment.env);
    await waitUntil(() => sink.hanging() === EVENTS, { timeoutMs: 30_000 });
    await killHard(first);

    const second = harness.startCli(
      'work#2',
      [],
      { ...deployment.env, CLOCK_OFFSET_MS: String(PAST_THE_LEASE_MS) },
      { script: WORK_WITH_CLOCK },
    );
    await waitUntil(
      async () => sink.acknowledgedIds().size === EVENTS && (await pendingDeliveries(deployment.store)) === 0,
      { timeoutMs: 30_000 },
    );

    const received = sink.received();
    const audit = await auditDeliveries(deployment.store, received);
    console.log(
      `[reliability] work SIGKILL mid-delivery: 1 kill, ${audit.events} events, ${audit.delivered} delivered, ` +
        `${audit.missing.length} lost, ${audit.duplicates} duplicates (same webhook-id)`,
    );
    expect(audit.events).toBe(EVENTS);
    expect(audit.missing).toEqual([]);
    // Every duplicate is the same event, byte for byte, with its signature and webhook-id.
    expect(audit.forged).toEqual([]);
    expect(new Set(received.map((request) => request.webhookId)).size).toBe(EVENTS);

    await second.stop(10_000);
    expect(await second.exited).toEqual({ code: 0, signal: null });
  });
});
