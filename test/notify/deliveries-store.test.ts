import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TokenRef } from '../../src/domain/invoice.ts';
import { claimAttempt, recordAttempt } from '../../src/store/delivery-attempts.ts';
import {
  fanOutEvents,
  forgetEnqueued,
  listDueDeliveries,
  markEnqueued,
} from '../../src/store/delivery-outbox.ts';
import { listDeliveries } from '../../src/store/delivery-reads.ts';
import { createInvoice } from '../../src/store/invoices.ts';
import { createWebhookEndpoint, deleteWebhookEndpoint } from '../../src/store/webhook-endpoints.ts';
import { addMerchant, createTestContext, TEST_CHAIN, type TestContext } from '../fixtures/context.ts';

let ctx: TestContext;
let merchantId: string;
const t0 = new Date('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const SCHEDULE = [0, 10, 60];
const noJitter = () => 0.5;

beforeEach(() => {
  ctx = createTestContext();
  merchantId = addMerchant(ctx).merchant.id;
});
afterEach(() => ctx.close());

function setup(): { deliveryId: string; endpointId: string; eventId: string } {
  const { endpoint } = createWebhookEndpoint(ctx.db, {
    merchantId,
    url: 'https://shop.example/hook',
    events: null,
    now: t0,
    secrets: ctx.secrets,
  });
  const token = TEST_CHAIN.tokens[0] as TokenRef;
  const { invoice } = createInvoice(
    ctx.db,
    { merchantId, chainId: 31337, token, amount: 1n, expiresInSeconds: 60 },
    { publicUrl: ctx.config.publicUrl, now: t0 },
  );
  expect(fanOutEvents(ctx.db, t0, 10)).toEqual({ events: 1, deliveries: 1 });
  const row = ctx.db
    .prepare(
      'SELECT d.id, d.event_id FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.invoice_id = ?',
    )
    .get(invoice.id) as { id: string; event_id: string };
  return { deliveryId: row.id, endpointId: endpoint.id, eventId: row.event_id };
}

const failure = { kind: 'retry', status: 500, durationMs: 5, error: 'receiver answered status 500' } as const;

function claim(deliveryId: string, scheduleVersion: number, now: Date) {
  const claimed = claimAttempt(ctx.db, { deliveryId, scheduleVersion, now, leaseMs: 45_000 });
  if (claimed.kind !== 'claimed') throw new Error(`expected a claim, got ${claimed.kind}`);
  return claimed.target;
}

describe('delivery store', () => {
  it('lets one claim per schedule version through and records nothing for a stale version', () => {
    const { deliveryId } = setup();
    const target = claim(deliveryId, 0, t0);
    expect(target.scheduleVersion).toBe(1);
    expect(claimAttempt(ctx.db, { deliveryId, scheduleVersion: 0, now: t0, leaseMs: 1 })).toEqual({
      kind: 'stale',
    });
    expect(
      recordAttempt(ctx.db, {
        deliveryId,
        scheduleVersion: 0,
        outcome: failure,
        now: t0,
        schedule: SCHEDULE,
      }),
    ).toEqual({ recorded: false });
    const recorded = recordAttempt(ctx.db, {
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
      recordAttempt(ctx.db, {
        deliveryId,
        scheduleVersion: 1,
        outcome: failure,
        now: at(5),
        schedule: SCHEDULE,
      }),
    ).toEqual({ recorded: false });
    expect(listDeliveries(ctx.db, merchantId, setupEventId(deliveryId))[0]?.attemptsLog).toEqual([
      { attemptedAt: t0, responseStatus: 500, durationMs: 5, error: 'receiver answered status 500' },
    ]);
  });

  it('fails the delivery once the schedule is used up', () => {
    const { deliveryId } = setup();
    let version = 0;
    let now = t0;
    for (const expected of ['pending', 'pending', 'failed'] as const) {
      const target = claim(deliveryId, version, now);
      const recorded = recordAttempt(ctx.db, {
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
    expect(listDueDeliveries(ctx.db, at(10 * 86_400_000), 10)).toEqual([]);
  });

  it('makes an attempt whose process died due again when its lease ends', () => {
    const { deliveryId } = setup();
    expect(listDueDeliveries(ctx.db, t0, 10, { notEnqueuedOnly: true })).toEqual([
      { id: deliveryId, scheduleVersion: 0, nextAttemptAt: t0 },
    ]);
    markEnqueued(ctx.db, [{ id: deliveryId, scheduleVersion: 0 }]);
    expect(listDueDeliveries(ctx.db, t0, 10, { notEnqueuedOnly: true })).toEqual([]);

    claim(deliveryId, 0, t0); // ...and the process dies before recording anything.
    // The claimed version counts as enqueued (its job is running) until the relay forgets.
    expect(listDueDeliveries(ctx.db, at(60_000), 10, { notEnqueuedOnly: true })).toEqual([]);
    expect(forgetEnqueued(ctx.db)).toBe(1);
    expect(listDueDeliveries(ctx.db, at(44_999), 10, { notEnqueuedOnly: true })).toEqual([]);
    expect(listDueDeliveries(ctx.db, at(45_000), 10, { notEnqueuedOnly: true })).toEqual([
      { id: deliveryId, scheduleVersion: 1, nextAttemptAt: at(45_000) },
    ]);
  });

  it('drops a pending delivery without an attempt when its endpoint was deleted', () => {
    const { deliveryId, endpointId } = setup();
    deleteWebhookEndpoint(ctx.db, merchantId, endpointId, t0);
    expect(claimAttempt(ctx.db, { deliveryId, scheduleVersion: 0, now: t0, leaseMs: 1 })).toEqual({
      kind: 'abandoned',
      endpointStatus: 'deleted',
    });
    expect(listDueDeliveries(ctx.db, at(1_000), 10)).toEqual([]);
  });
});

function setupEventId(deliveryId: string): string {
  return (
    ctx.db.prepare('SELECT event_id FROM deliveries WHERE id = ?').get(deliveryId) as { event_id: string }
  ).event_id;
}
