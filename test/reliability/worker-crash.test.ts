import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../../src/devnet/wait-until.ts';
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

function pendingDeliveries(db: Deployment['db']): number {
  return (
    db.prepare("SELECT count(*) AS n FROM deliveries WHERE status != 'succeeded'").get() as { n: number }
  ).n;
}

describe('`stablegate work` killed with SIGKILL mid-delivery', () => {
  it('loses no event: the cut attempt is made again by the restarted worker, with the same webhook-id', async () => {
    const { sink, deployment } = await harness.deploy({
      chain: devnetChain(1),
      // Holds the first request of every event open, as a slow merchant would; later ones are answered.
      sinkBehaviour: (_id, nth) => (nth === 0 ? 'hang' : { delayMs: 0 }),
    });
    for (let i = 0; i < EVENTS; i++) deployment.createInvoice(1_000_000n);

    const first = harness.startCli('work#1', ['work'], deployment.env);
    await waitUntil(() => sink.hanging() === EVENTS, { timeoutMs: 30_000 });
    await killHard(first);

    const second = harness.startCli(
      'work#2',
      [],
      { ...deployment.env, CLOCK_OFFSET_MS: String(PAST_THE_LEASE_MS) },
      { script: WORK_WITH_CLOCK },
    );
    await waitUntil(() => sink.acknowledgedIds().size === EVENTS && pendingDeliveries(deployment.db) === 0, {
      timeoutMs: 30_000,
    });

    const received = sink.received();
    const audit = auditDeliveries(deployment.db, received);
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
