import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, test } from 'vitest';
import { getFreePort } from '../devnet/free-port.ts';
import { formatOutcome, type ListenerOutcome, startWebhookListener } from './webhook-listener.ts';

const SECRET = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
const OTHER_SECRET = `whsec_${Buffer.alloc(24, 9).toString('base64')}`;

const event = {
  id: 'evt_1',
  type: 'invoice.paid',
  data: { invoice: { id: 'inv_1', status: 'paid', amountPaid: '25.5', token: { symbol: 'USDC' } } },
};

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A delivery as the gateway sends it: Standard Webhooks headers signed with `secret`. */
async function deliver(url: string, secret: string, body: string) {
  const timestamp = new Date();
  const signature = new Webhook(secret).sign('evt_1', timestamp, body);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': 'evt_1',
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signature,
    },
    body,
  });
  await response.body?.cancel();
  return response.status;
}

describe('startWebhookListener', () => {
  test('answers a verified delivery 204 and a forged one 400, reporting both', async () => {
    const outcomes: ListenerOutcome[] = [];
    const listener = await startWebhookListener({
      port: await getFreePort(),
      secret: SECRET,
      onRequest: (outcome) => outcomes.push(outcome),
    });
    closers.push(() => listener.close());
    expect(listener.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    expect(await deliver(listener.url, SECRET, JSON.stringify(event))).toBe(204);
    expect(await deliver(listener.url, OTHER_SECRET, JSON.stringify(event))).toBe(400);
    const unsigned = await fetch(listener.url, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(400);

    expect(outcomes).toEqual([
      { verified: true, webhookId: 'evt_1', event },
      { verified: false, webhookId: 'evt_1', reason: 'No matching signature found' },
      { verified: false, webhookId: undefined, reason: 'Missing required headers' },
    ]);
  });
});

describe('formatOutcome', () => {
  test('prints type, id, invoice id and status and the amount paid, on one line', () => {
    expect(formatOutcome({ verified: true, webhookId: 'evt_1', event })).toBe(
      '✓ invoice.paid evt_1 invoice inv_1 paid (25.5 USDC paid)',
    );
  });

  test('leaves out an amount of zero and copes with an event without an invoice', () => {
    const created = {
      ...event,
      type: 'invoice.created',
      data: { invoice: { ...event.data.invoice, status: 'pending', amountPaid: '0' } },
    };
    expect(formatOutcome({ verified: true, webhookId: 'evt_1', event: created })).toBe(
      '✓ invoice.created evt_1 invoice inv_1 pending',
    );
    expect(formatOutcome({ verified: true, webhookId: 'evt_2', event: { type: 'sweep.confirmed' } })).toBe(
      '✓ sweep.confirmed evt_2',
    );
  });

  test('prints a sweep with what it moved and where', () => {
    const sweep = {
      type: 'sweep.confirmed',
      data: {
        sweep: {
          id: 'swp_1',
          status: 'confirmed',
          payout: '0xA94C82a5Cd0a5104B6abd66cbB127c6B1a81250D',
          totals: [{ token: { symbol: 'USDC' }, amount: '35.5' }],
        },
      },
    };
    expect(formatOutcome({ verified: true, webhookId: 'evt_3', event: sweep })).toBe(
      '✓ sweep.confirmed evt_3 sweep swp_1 confirmed (35.5 USDC to 0xA94C82a5Cd0a5104B6abd66cbB127c6B1a81250D)',
    );
  });

  test('prints a refusal with its reason and the 400', () => {
    expect(
      formatOutcome({ verified: false, webhookId: 'evt_1', reason: 'No matching signature found' }),
    ).toBe('✗ refused evt_1: No matching signature found (answered 400)');
  });
});
