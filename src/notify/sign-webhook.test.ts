import fc from 'fast-check';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../domain/webhook-secret.ts';
import { signWebhook, WebhookSigningError } from './sign-webhook.ts';

const body = JSON.stringify({
  id: 'evt_01',
  type: 'invoice.paid',
  createdAt: '2025-01-01T00:00:00Z',
  data: {},
});

describe('generateWebhookSecret', () => {
  it('makes whsec_ + padded base64 of 32 random bytes', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });

  it('makes secrets the standardwebhooks package accepts', () => {
    for (let i = 0; i < 50; i++) expect(() => new Webhook(generateWebhookSecret())).not.toThrow();
  });
});

describe('signWebhook', () => {
  it('produces headers a Standard Webhooks receiver verifies', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook({ secret, eventId: 'evt_01', timestamp: new Date(), body });
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('sends the event id, whole epoch seconds and a v1 signature', () => {
    const headers = signWebhook({
      secret: generateWebhookSecret(),
      eventId: 'evt_01',
      timestamp: new Date(1_700_000_000_999),
      body,
    });
    expect(headers['webhook-id']).toBe('evt_01');
    expect(headers['webhook-timestamp']).toBe('1700000000');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('is refused by a receiver when the body, the id or the secret differ', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook({ secret, eventId: 'evt_01', timestamp: new Date(), body });
    const receiver = new Webhook(secret);
    expect(() => receiver.verify(`${body} `, headers)).toThrow(WebhookVerificationError);
    expect(() => receiver.verify(body, { ...headers, 'webhook-id': 'evt_02' })).toThrow(
      WebhookVerificationError,
    );
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow(
      WebhookVerificationError,
    );
  });

  it('is refused by a receiver when the timestamp is more than 5 minutes old', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook({
      secret,
      eventId: 'evt_01',
      timestamp: new Date(Date.now() - 600_000),
      body,
    });
    expect(() => new Webhook(secret).verify(body, headers)).toThrow(/too old/);
  });

  it('verifies for any body, including non-ASCII text', () => {
    const secret = generateWebhookSecret();
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (text) => {
        const headers = signWebhook({ secret, eventId: 'evt_x', timestamp: new Date(), body: text });
        new Webhook(secret).verify(text, headers, { jsonParse: false });
      }),
    );
  });

  it('refuses an event id containing the "." separator', () => {
    const call = () =>
      signWebhook({ secret: generateWebhookSecret(), eventId: 'evt.1', timestamp: new Date(), body });
    expect(call).toThrow(expect.objectContaining({ code: 'webhook_id_invalid', retryable: false }));
  });

  it('refuses a malformed secret without repeating it', () => {
    const secret = 'whsec_not*base64*at*all';
    try {
      signWebhook({ secret, eventId: 'evt_01', timestamp: new Date(), body });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(WebhookSigningError);
      expect(error).toMatchObject({ code: 'webhook_secret_invalid' });
      expect(String(error)).not.toContain('not*base64');
    }
  });
});
