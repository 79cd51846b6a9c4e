import { Webhook } from 'standardwebhooks';
import { BaseError } from '../domain/errors.ts';

/**
 * Signing per Standard Webhooks 1.0 ("Signature scheme", "Webhook headers"): HMAC-SHA256 over
 * `{webhook-id}.{webhook-timestamp}.{body}`, sent as `webhook-signature: v1,<base64>`. Merchants
 * verify with `new Webhook(secret).verify(body, headers)` from the `standardwebhooks` package, so we
 * sign with that same package rather than a hand-rolled HMAC that could drift from it.
 */

export type WebhookSignatureHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

export type WebhookSigningErrorCode = 'webhook_secret_invalid' | 'webhook_id_invalid';

/** A programming or data error, never fixed by retrying: the queue should not retry it. */
export class WebhookSigningError extends BaseError {
  constructor(code: WebhookSigningErrorCode, message: string, options?: { cause: unknown }) {
    super(code, message, options);
  }
}

/**
 * Signs one delivery attempt. Sign at send time, not at enqueue time: receivers reject a timestamp
 * more than 5 minutes from their clock (replay protection), so every retry needs a fresh timestamp
 * while `webhook-id` (the event id) stays the same across retries and redeliveries.
 */
export function signWebhook(args: {
  secret: string;
  /**
   * During the overlap after a roll, the secret before it: its signature follows the current one,
   * space-separated, as Standard Webhooks allows ("Signature scheme"), so a receiver still holding
   * either secret verifies.
   */
  previousSecret?: string | undefined;
  eventId: string;
  timestamp: Date;
  body: string;
}): WebhookSignatureHeaders {
  const { eventId, timestamp, body } = args;
  // Standard Webhooks: the id must not contain `.`, the separator of the signed content.
  if (eventId === '' || eventId.includes('.')) {
    throw new WebhookSigningError('webhook_id_invalid', 'webhook id must be non-empty and contain no "."');
  }
  const secrets = args.previousSecret === undefined ? [args.secret] : [args.secret, args.previousSecret];
  return {
    'webhook-id': eventId,
    // An integer count of seconds since the epoch, as the library truncates it when signing.
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => webhookOf(secret).sign(eventId, timestamp, body)).join(' '),
  };
}

function webhookOf(secret: string): Webhook {
  try {
    return new Webhook(secret);
  } catch (error) {
    // The message names the problem only: a secret must never reach logs or errors (docs/security.md, "Who can reach what").
    throw new WebhookSigningError('webhook_secret_invalid', 'webhook secret is not whsec_ + base64', {
      cause: error,
    });
  }
}
