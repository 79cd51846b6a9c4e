import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TokenRef } from '../domain/invoice.ts';
import { claimAttempt, recordAttempt } from './delivery-attempts.ts';
import { fanOutEvents, forgetEnqueued, listDueDeliveries, markEnqueued } from './delivery-outbox.ts';
import { listDeliveries } from './delivery-reads.ts';
import { createInvoice } from './invoices.ts';
import { createMerchant } from './merchants.ts';
import { createSecretBox } from './secret-box.ts';
import { pluck, query } from './sql.ts';
import { openSqliteStore, type SqliteStore } from './sqlite-store.ts';
import { createWebhookEndpoint, deleteWebhookEndpoint } from './webhook-endpoints.ts';

const USDC: TokenRef = { symbol: 'USDC', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', decimals: 6 };
const secrets = createSecretBox(randomBytes(32));

let dir: string;
let store: SqliteStore;
let merchantId: string;
const t0 = new Date('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const SCHEDULE = [0, 10, 60];
const noJitter = () => 0.5;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stablegate-deliveries-'));
  store = openSqliteStore(join(dir, 'stablegate.db'));
  // A forwarder merchant: deliveries do not depend on how deposit addresses are made.
  const { merchant } = await store.write(createMerchant, {
    name: 'Shop',
    payout: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  });
  merchantId = merchant.id;
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function setup(): Promise<{ deliveryId: string; endpointId: string; eventId: string }> {
  const { endpoint } = await store.write(createWebhookEndpoint, {
    merchantId,
    url: 'https://shop.example/hook',
    events: null,
    now: t0,
    secrets,
  });
  const { invoice } = await store.write(
    createInvoice,
    { merchantId, chainId: 31337, token: USDC, amount: 1n, expiresInSeconds: 60 },
    { publicUrl: 'http://localhost:3000', now: t0 },
  );
  expect(await store.write(fanOutEvents, t0, 10)).toEqual({ events: 1, deliveries: 1 });
  const row = await store.read(() =>
    query<{ id: string; event_id: string }>(
      'SELECT d.id, d.event_id FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.invoice_id = ?',
    ).get(invoice.id),
  );
  if (!row) throw new Error('no delivery');
  return { deliveryId: row.id, endpointId: endpoint.id, eventId: row.event_id };
}

const failure = { kind: 'retry', status: 500, durationMs: 5, error: 'receiver answered status 500' } as const;

async function claim(deliveryId: string, scheduleVersion: number, now: Date) {
  const claimed = await store.write(claimAttempt, { deliveryId, scheduleVersion, now, leaseMs: 45_000 });
  if (claimed.kind !== 'claimed') throw new Error(`expected a claim, got ${claimed.kind}`);
  return claimed.target;
}

describe('delivery store', () => {
  it('lets one claim per schedule version through and records nothing for a stale version', async () => {
    const { deliveryId } = await setup();
    const target = await claim(deliveryId, 0, t0);
    expect(target.scheduleVersion).toBe(1);
    expect(await store.write(claimAttempt, { deliveryId, scheduleVersion: 0, now: t0, leaseMs: 1 })).toEqual({
      kind: 'stale',
    });
    expect(
      await store.write(recordAttempt, {
        deliveryId,
        scheduleVersion: 0,
        outcome: failure,
        now: t0,
        schedule: SCHEDULE,
      }),
    ).toEqual({ recorded: false });
    const recorded = await store.write(recordAttempt, {
      deliveryId,
      scheduleVersion: 1,
      outcome: failure,
      now: at(5),
      schedule: SCHEDULE,
      random: noJitter,
    });
    expect(recorded).toEqual({ recorded: true, status: 'pending', attempts: 1, nextAttemptAt: at(10_005) });
    // The same outcome delivered twice (a retried job) is recorded once.
    expect(
      await store.write(recordAttempt, {
        deliveryId,
        scheduleVersion: 1,
        outcome: failure,
        now: at(5),
        schedule: SCHEDULE,
      }),
    ).toEqual({ recorded: false });
    expect(
      (await store.read(listDeliveries, merchantId, await setupEventId(deliveryId)))[0]?.attemptsLog,
    ).toEqual([
      { attemptedAt: t0, responseStatus: 500, durationMs: 5, error: 'receiver answered status 500' },
    ]);
  });

  it('fails the delivery once the schedule is used up', async () => {
    const { deliveryId } = await setup();
    let version = 0;
    let now = t0;
    for (const expected of ['pending', 'pending', 'failed'] as const) {
      const target = await claim(deliveryId, version, now);
      const recorded = await store.write(recordAttempt, {
        deliveryId,
        scheduleVersion: target.scheduleVersion,
        outcome: failure,
        now,
        schedule: SCHEDULE,
      });
      if (!recorded.recorded) throw new Error('not recorded');
      expect(recorded.status).toBe(expected);
      version = target.scheduleVersion + 1;
      now = recorded.nextAttemptAt ?? now;
    }
    expect(await store.read(listDueDeliveries, at(10 * 86_400_000), 10)).toEqual([]);
  });

  it('makes an attempt whose process died due again when its lease ends', async () => {
    const { deliveryId } = await setup();
    expect(await store.read(listDueDeliveries, t0, 10, { notEnqueuedOnly: true })).toEqual([
      { id: deliveryId, scheduleVersion: 0, nextAttemptAt: t0 },
    ]);
    await store.write(markEnqueued, [{ id: deliveryId, scheduleVersion: 0 }]);
    expect(await store.read(listDueDeliveries, t0, 10, { notEnqueuedOnly: true })).toEqual([]);

    await claim(deliveryId, 0, t0); // ...and the process dies before recording anything.
    // The claimed version counts as enqueued (its job is running) until the relay forgets.
    expect(await store.read(listDueDeliveries, at(60_000), 10, { notEnqueuedOnly: true })).toEqual([]);
    expect(await store.write(forgetEnqueued)).toBe(1);
    expect(await store.read(listDueDeliveries, at(44_999), 10, { notEnqueuedOnly: true })).toEqual([]);
    expect(await store.read(listDueDeliveries, at(45_000), 10, { notEnqueuedOnly: true })).toEqual([
      { id: deliveryId, scheduleVersion: 1, nextAttemptAt: at(45_000) },
    ]);
  });

  it('drops a pending delivery without an attempt when its endpoint was deleted', async () => {
    const { deliveryId, endpointId } = await setup();
    await store.write(deleteWebhookEndpoint, merchantId, endpointId, t0);
    expect(await store.write(claimAttempt, { deliveryId, scheduleVersion: 0, now: t0, leaseMs: 1 })).toEqual({
      kind: 'abandoned',
      endpointStatus: 'deleted',
    });
    expect(await store.read(listDueDeliveries, at(1_000), 10)).toEqual([]);
  });
});

async function setupEventId(deliveryId: string): Promise<string> {
  const eventId = await store.read(() =>
    pluck<string>('SELECT event_id FROM deliveries WHERE id = ?').get(deliveryId),
  );
  if (!eventId) throw new Error(`no delivery ${deliveryId}`);
  return eventId;
}
