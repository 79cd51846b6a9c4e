import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../src/devnet/start-redis-server.ts';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import { devnetChain } from '../fixtures/gateway.ts';
import { type CliProcess, killHard, startCli, stopGently } from './support/cli-process.ts';
import { auditDeliveries } from './support/delivery-audit.ts';
import { createDeployment, type Deployment } from './support/deployment.ts';
import { startWebhookSink, type WebhookSink } from './support/webhook-sink.ts';

const WORK_WITH_CLOCK = fileURLToPath(new URL('./support/work-with-clock.ts', import.meta.url));
/** Beyond a crashed attempt's lease (DELIVERY_TIMEOUT_MS 15 s + the 20 s claim margin). */
const PAST_THE_LEASE_MS = 60_000;
const EVENTS = 3;

let redis: RedisServer | undefined;
let sink: WebhookSink | undefined;
let deployment: Deployment | undefined;
const processes: CliProcess[] = [];

afterEach(async () => {
  await Promise.all(processes.splice(0).map((process) => stopGently(process)));
  await sink?.close();
  await redis?.stop();
  deployment?.close();
  redis = undefined;
  sink = undefined;
  deployment = undefined;
});

function pendingDeliveries(db: Deployment['db']): number {
  return (
    db.prepare("SELECT count(*) AS n FROM deliveries WHERE status != 'succeeded'").get() as { n: number }
  ).n;
}

describe('`stablegate work` killed with SIGKILL mid-delivery', () => {
  it('loses no event: the cut attempt is made again by the restarted worker, with the same webhook-id', async () => {
    redis = await startRedisServer();
    // Holds the first request of every event open, as a slow merchant would; later ones are answered.
    sink = await startWebhookSink((_id, nth) => (nth === 0 ? 'hang' : { delayMs: 0 }));
    deployment = createDeployment({ chain: devnetChain(1), redisUrl: redis.url, webhookUrl: sink.url });
    sink.setSecret(deployment.secret as string);
    const current = { sink, deployment };
    for (let i = 0; i < EVENTS; i++) current.deployment.createInvoice(1_000_000n);

    const first = startCli('work#1', ['work'], current.deployment.env);
    processes.push(first);
    await waitUntil(() => current.sink.hanging() === EVENTS, { timeoutMs: 30_000 });
    await killHard(first);

    const second = startCli(
      'work#2',
      [],
      { ...current.deployment.env, CLOCK_OFFSET_MS: String(PAST_THE_LEASE_MS) },
      { script: WORK_WITH_CLOCK },
    );
    processes.push(second);
    await waitUntil(
      () => current.sink.acknowledgedIds().size === EVENTS && pendingDeliveries(current.deployment.db) === 0,
      { timeoutMs: 30_000 },
    );

    const received = current.sink.received();
    const audit = auditDeliveries(current.deployment.db, received);
    console.log(
      `[reliability] work SIGKILL mid-delivery: 1 kill, ${audit.events} events, ${audit.delivered} delivered, ` +
        `${audit.missing.length} lost, ${audit.duplicates} duplicates (same webhook-id)`,
    );
    expect(audit.events).toBe(EVENTS);
    expect(audit.missing).toEqual([]);
    // Every duplicate is the same event, byte for byte, with its signature and webhook-id.
    expect(audit.forged).toEqual([]);
    expect(new Set(received.map((request) => request.webhookId)).size).toBe(EVENTS);

    await stopGently(second);
    expect(await second.exited).toEqual({ code: 0, signal: null });
  });
});
