import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TokenRef } from '../domain/invoice.ts';
import { type Db, openDatabase } from './db.ts';
import { claimAttempt, recordAttempt } from './delivery-attempts.ts';
import { fanOutEvents, forgetEnqueued, listDueDeliveries, markEnqueued } from './delivery-outbox.ts';
import { listDeliveries } from './delivery-reads.ts';
import { createInvoice } from './invoices.ts';
import { createMerchant } from './merchants.ts';
import { createSecretBox } from './secret-box.ts';
import { createWebhookEndpoint, deleteWebhookEndpoint } from './webhook-endpoints.ts';

const USDC: TokenRef = { symbol: 'USDC', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', decimals: 6 };
const secrets = createSecretBox(randomBytes(32));

let dir: string;
let db: Db;
let merchantId: string;
const t0 = new Date('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const SCHEDULE = [0, 10, 60];
const noJitter = () => 0.5;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stablegate-deliveries-'));
  db = openDatabase(join(dir, 'stablegate.db'));
  // A forwarder merchant: deliveries do not depend on how deposit addresses are made.
  merchantId = createMerchant(db, { name: 'Shop', payout: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' })
    .merchant.id;
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function setup(): { deliveryId: string; endpointId: string; eventId: string } {
  const { endpoint } = createWebhookEndpoint(db, {
    merchantId,
    url: 'https://shop.example/hook',
    events: null,
    now: t0,
    secrets,
  });
  const { invoice } = createInvoice(
    db,
    { merchantId, chainId: 31337, token: USDC, amount: 1n, expiresInSeconds: 60 },
    { publicUrl: 'http://localhost:3000', now: t0 },
  );
  expect(fanOutEvents(db, t0, 10)).toEqual({ events: 1, deliveries: 1 });
  const row = db
    .prepare(
      'SELECT d.id, d.event_id FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.invoice_id = ?',
    )
    .get(invoice.id) as { id: string; event_id: string };
  return { deliveryId: row.id, endpointId: endpoint.id, eventId: row.event_id };
}

const failure = { kind: 'retry', status: 500, durationMs: 5, error: 'receiver answered status 500' } as const;

function claim(deliveryId: string, scheduleVersion: number, now: Date) {
  const claimed = claimAttempt(db, { deliveryId, scheduleVersion, now, leaseMs: 45_000 });
  if (claimed.kind !== 'claimed') throw new Error(`expected a claim, got ${claimed.kind}`);
  return claimed.target;
}

describe('delivery store', () => {
  it('lets one claim per schedule version through and records nothing for a stale version', () => {
    const { deliveryId } = setup();
    const target = claim(deliveryId, 0, t0);
    expect(target.scheduleVersion).toBe(1);
    expect(claimAttempt(db, { deliveryId, scheduleVersion: 0, now: t0, leaseMs: 1 })).toEqual({
      kind: 'stale',
    });
    expect(
      recordAttempt(db, {
        deliveryId,
        scheduleVersion: 0,
        outcome: failure,
        now: t0,
        schedule: SCHEDULE,
      }),
    ).toEqual({ recorded: false });
    const recorded = recordAttempt(db, {
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
      recordAttempt(db, {
        deliveryId,
        scheduleVersion: 1,
        outcome: failure,
        now: at(5),
        schedule: SCHEDULE,
      }),
    ).toEqual({ recorded: false });
    expect(listDeliveries(db, merchantId, setupEventId(deliveryId))[0]?.attemptsLog).toEqual([
      { attemptedAt: t0, responseStatus: 500, durationMs: 5, error: 'receiver answered status 500' },
    ]);
  });

  it('fails the delivery once the schedule is used up', () => {
    const { deliveryId } = setup();
    let version = 0;
    let now = t0;
    for (const expected of ['pending', 'pending', 'failed'] as const) {
      const target = claim(deliveryId, version, now);
      const recorded = recordAttempt(db, {
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
    expect(listDueDeliveries(db, at(10 * 86_400_000), 10)).toEqual([]);
  });

  it('makes an attempt whose process died due again when its lease ends', () => {
    const { deliveryId } = setup();
    expect(listDueDeliveries(db, t0, 10, { notEnqueuedOnly: true })).toEqual([
      { id: deliveryId, scheduleVersion: 0, nextAttemptAt: t0 },
    ]);
    markEnqueued(db, [{ id: deliveryId, scheduleVersion: 0 }]);
    expect(listDueDeliveries(db, t0, 10, { notEnqueuedOnly: true })).toEqual([]);

    claim(deliveryId, 0, t0); // ...and the process dies before recording anything.
    // The claimed version counts as enqueued (its job is running) until the relay forgets.
    expect(listDueDeliveries(db, at(60_000), 10, { notEnqueuedOnly: true })).toEqual([]);
    expect(forgetEnqueued(db)).toBe(1);
    expect(listDueDeliveries(db, at(44_999), 10, { notEnqueuedOnly: true })).toEqual([]);
    expect(listDueDeliveries(db, at(45_000), 10, { notEnqueuedOnly: true })).toEqual([
      { id: deliveryId, scheduleVersion: 1, nextAttemptAt: at(45_000) },
    ]);
  });

  it('drops a pending delivery without an attempt when its endpoint was deleted', () => {
    const { deliveryId, endpointId } = setup();
    deleteWebhookEndpoint(db, merchantId, endpointId, t0);
    expect(claimAttempt(db, { deliveryId, scheduleVersion: 0, now: t0, leaseMs: 1 })).toEqual({
      kind: 'abandoned',
      endpointStatus: 'deleted',
    });
    expect(listDueDeliveries(db, at(1_000), 10)).toEqual([]);
  });
});

function setupEventId(deliveryId: string): string {
  return (db.prepare('SELECT event_id FROM deliveries WHERE id = ?').get(deliveryId) as { event_id: string })
    .event_id;
}
