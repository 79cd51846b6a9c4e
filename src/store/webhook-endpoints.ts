import { NotFoundError, WebhookEndpointLimitError } from '../domain/errors.ts';
import type { EventType } from '../domain/events.ts';
import { newId } from '../domain/ids.ts';
import {
  generateWebhookSecret,
  previousSecretRowId,
  WEBHOOK_SECRET_OVERLAP_MS,
} from '../domain/webhook-secret.ts';
import { lockMerchant } from './merchants.ts';
import type { SecretBox } from './secret-box.ts';
import { forUpdate, pluck, query, type Sql } from './sql.ts';

export type WebhookEndpoint = {
  id: string;
  merchantId: string;
  url: string;
  /** null: every event type. */
  events: EventType[] | null;
  status: 'enabled' | 'disabled';
  disabledReason: string | null;
  createdAt: Date;
  /** While set and in the future, the previous secret still signs beside the current one. */
  previousSecretExpiresAt: Date | null;
};

type EndpointRow = {
  id: string;
  merchant_id: string;
  url: string;
  events: string | null;
  status: 'enabled' | 'disabled';
  disabled_reason: string | null;
  created_at: string;
  previous_secret_expires_at: string | null;
};

const toEndpoint = (row: EndpointRow): WebhookEndpoint => ({
  id: row.id,
  merchantId: row.merchant_id,
  url: row.url,
  events: row.events === null ? null : (JSON.parse(row.events) as EventType[]),
  status: row.status,
  disabledReason: row.disabled_reason,
  createdAt: new Date(row.created_at),
  previousSecretExpiresAt:
    row.previous_secret_expires_at === null ? null : new Date(row.previous_secret_expires_at),
});

/**
 * Registers an endpoint; the secret is returned here once and never served again. With
 * `maxPerMerchant`, the merchant's endpoints (deleted ones excluded) are counted inside the same
 * `BEGIN IMMEDIATE` transaction as the insert, so concurrent requests, even from other processes,
 * cannot together pass the limit.
 */
export function* createWebhookEndpoint(input: {
  merchantId: string;
  url: string;
  events: EventType[] | null;
  now: Date;
  secrets: SecretBox;
  maxPerMerchant?: number;
}): Sql<{ endpoint: WebhookEndpoint; secret: string }> {
  const secret = generateWebhookSecret();
  const id = newId('whe', input.now.getTime());
  const createdAt = input.now.toISOString();
  if (input.maxPerMerchant !== undefined) {
    // Concurrent creations count one at a time (PostgreSQL; SQLite has one writer anyway).
    yield* lockMerchant(input.merchantId);
    // COUNT(*) always gives a row; `?? 0` is for the type, which cannot know that.
    const existing =
      (yield* pluck<number>(
        'SELECT COUNT(*) FROM webhook_endpoints WHERE merchant_id = ? AND deleted_at IS NULL',
      ).get(input.merchantId)) ?? 0;
    if (existing >= input.maxPerMerchant) throw new WebhookEndpointLimitError(input.maxPerMerchant);
  }
  yield* query(
    'INSERT INTO webhook_endpoints (id, merchant_id, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(
    id,
    input.merchantId,
    input.url,
    input.events ? JSON.stringify(input.events) : null,
    input.secrets.seal(secret, id),
    createdAt,
  );
  return {
    endpoint: {
      id,
      merchantId: input.merchantId,
      url: input.url,
      events: input.events,
      status: 'enabled',
      disabledReason: null,
      createdAt: input.now,
      previousSecretExpiresAt: null,
    },
    secret,
  };
}

export function* listWebhookEndpoints(merchantId: string): Sql<WebhookEndpoint[]> {
  // Creation order; ids do not order within a millisecond (domain/ids.ts).
  const rows = yield* query<EndpointRow>(
    'SELECT * FROM webhook_endpoints WHERE merchant_id = ? AND deleted_at IS NULL ORDER BY created_at, id',
  ).all(merchantId);
  return rows.map(toEndpoint);
}

/** Soft delete: past deliveries keep their endpoint; no new ones are made for it. */
export function* deleteWebhookEndpoint(merchantId: string, id: string, now: Date): Sql<void> {
  const { changes } = yield* query(
    'UPDATE webhook_endpoints SET deleted_at = ? WHERE id = ? AND merchant_id = ? AND deleted_at IS NULL',
  ).run(now.toISOString(), id, merchantId);
  if (changes === 0) throw new NotFoundError('webhook_endpoint_not_found', `No webhook endpoint ${id}.`);
}

/**
 * Replaces an endpoint's signing secret; the new one is returned here once. The current secret
 * becomes the previous one and signs beside the new one for WEBHOOK_SECRET_OVERLAP_MS from now;
 * an older previous secret is dropped. Both are sealed (store/secret-box.ts), the previous one
 * under its own associated data.
 */
export function* rollWebhookSecret(input: {
  merchantId: string;
  id: string;
  now: Date;
  secrets: SecretBox;
}): Sql<{ endpoint: WebhookEndpoint; secret: string; previousSecretExpiresAt: Date }> {
  const secret = generateWebhookSecret();
  const previousSecretExpiresAt = new Date(input.now.getTime() + WEBHOOK_SECRET_OVERLAP_MS);
  const current = yield* query<EndpointRow & { secret: string }>(
    forUpdate('SELECT * FROM webhook_endpoints WHERE id = ? AND merchant_id = ? AND deleted_at IS NULL'),
  ).get(input.id, input.merchantId);
  if (!current) throw new NotFoundError('webhook_endpoint_not_found', `No webhook endpoint ${input.id}.`);
  const previous = input.secrets.seal(
    input.secrets.open(current.secret, input.id),
    previousSecretRowId(input.id),
  );
  const expiresAt = previousSecretExpiresAt.toISOString();
  yield* query(
    'UPDATE webhook_endpoints SET secret = ?, previous_secret = ?, previous_secret_expires_at = ? WHERE id = ?',
  ).run(input.secrets.seal(secret, input.id), previous, expiresAt, input.id);
  const row = { ...current, previous_secret_expires_at: expiresAt };
  return { endpoint: toEndpoint(row), secret, previousSecretExpiresAt };
}
