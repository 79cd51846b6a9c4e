import { NotFoundError, WebhookEndpointLimitError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { generateWebhookSecret } from '../domain/webhook-secret.ts';
import { type Db, writeTransaction } from './db.ts';
import type { EventType } from './events.ts';
import type { SecretBox } from './secret-box.ts';

export type WebhookEndpoint = {
  id: string;
  merchantId: string;
  url: string;
  /** null: every event type. */
  events: EventType[] | null;
  status: 'enabled' | 'disabled';
  disabledReason: string | null;
  createdAt: Date;
};

type EndpointRow = {
  id: string;
  merchant_id: string;
  url: string;
  events: string | null;
  status: 'enabled' | 'disabled';
  disabled_reason: string | null;
  created_at: string;
};

const toEndpoint = (row: EndpointRow): WebhookEndpoint => ({
  id: row.id,
  merchantId: row.merchant_id,
  url: row.url,
  events: row.events === null ? null : (JSON.parse(row.events) as EventType[]),
  status: row.status,
  disabledReason: row.disabled_reason,
  createdAt: new Date(row.created_at),
});

/**
 * Registers an endpoint; the secret is returned here once and never served again. With
 * `maxPerMerchant`, the merchant's endpoints (deleted ones excluded) are counted inside the same
 * `BEGIN IMMEDIATE` transaction as the insert, so concurrent requests, even from other processes,
 * cannot together pass the limit.
 */
export function createWebhookEndpoint(
  db: Db,
  input: {
    merchantId: string;
    url: string;
    events: EventType[] | null;
    now: Date;
    secrets: SecretBox;
    maxPerMerchant?: number;
  },
): { endpoint: WebhookEndpoint; secret: string } {
  const secret = generateWebhookSecret();
  const id = newId('whe', input.now.getTime());
  const createdAt = input.now.toISOString();
  writeTransaction(db, () => {
    if (input.maxPerMerchant !== undefined) {
      const existing = db
        .prepare('SELECT COUNT(*) FROM webhook_endpoints WHERE merchant_id = ? AND deleted_at IS NULL')
        .pluck()
        .get(input.merchantId) as number;
      if (existing >= input.maxPerMerchant) throw new WebhookEndpointLimitError(input.maxPerMerchant);
    }
    db.prepare(
      'INSERT INTO webhook_endpoints (id, merchant_id, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(
      id,
      input.merchantId,
      input.url,
      input.events ? JSON.stringify(input.events) : null,
      input.secrets.seal(secret, id),
      createdAt,
    );
  });
  return {
    endpoint: {
      id,
      merchantId: input.merchantId,
      url: input.url,
      events: input.events,
      status: 'enabled',
      disabledReason: null,
      createdAt: input.now,
    },
    secret,
  };
}

export function listWebhookEndpoints(db: Db, merchantId: string): WebhookEndpoint[] {
  const rows = db
    .prepare('SELECT * FROM webhook_endpoints WHERE merchant_id = ? AND deleted_at IS NULL ORDER BY id')
    .all(merchantId) as EndpointRow[];
  return rows.map(toEndpoint);
}

/** Soft delete: past deliveries keep their endpoint; no new ones are made for it. */
export function deleteWebhookEndpoint(db: Db, merchantId: string, id: string, now: Date): void {
  const changes = writeTransaction(
    db,
    () =>
      db
        .prepare(
          'UPDATE webhook_endpoints SET deleted_at = ? WHERE id = ? AND merchant_id = ? AND deleted_at IS NULL',
        )
        .run(now.toISOString(), id, merchantId).changes,
  );
  if (changes === 0) throw new NotFoundError('webhook_endpoint_not_found', `No webhook endpoint ${id}.`);
}
