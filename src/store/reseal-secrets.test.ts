import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { previousSecretRowId } from '../domain/webhook-secret.ts';
import { createMerchant } from './merchants.ts';
import { resealSecrets } from './reseal-secrets.ts';
import { createSecretBox, SecretBoxError } from './secret-box.ts';
import { query } from './sql.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { Store } from './store.ts';
import { createWebhookEndpoint, rollWebhookSecret } from './webhook-endpoints.ts';

describe('resealSecrets', () => {
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stablegate-reseal-'));
    store = openSqliteStore(join(dir, 'stablegate.db'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // A forwarder merchant: resealing does not depend on how deposit addresses are made.
  const addMerchant = () =>
    store.write(createMerchant, { name: 'Shop', payout: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' });

  const stored = async (id: string) => {
    const row = await store.read(() =>
      query<{ secret: string; previous_secret: string | null }>(
        'SELECT secret, previous_secret FROM webhook_endpoints WHERE id = ?',
      ).get(id),
    );
    if (!row) throw new Error(`no endpoint ${id}`);
    return row;
  };

  it('seals every current and previous secret with the new key, so the old key can go', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const oldBox = createSecretBox(oldKey);
    const { merchant } = await addMerchant();
    const input = { merchantId: merchant.id, events: null, now: new Date(), secrets: oldBox };
    const plain = await store.write(createWebhookEndpoint, { ...input, url: 'https://a.example/hook' });
    const rolled = await store.write(createWebhookEndpoint, { ...input, url: 'https://b.example/hook' });
    const roll = await store.write(rollWebhookSecret, {
      merchantId: merchant.id,
      id: rolled.endpoint.id,
      now: new Date(),
      secrets: oldBox,
    });

    expect(await store.write(resealSecrets, createSecretBox(newKey, [oldKey]))).toEqual({ endpoints: 2 });

    const newOnly = createSecretBox(newKey);
    const plainAfter = await stored(plain.endpoint.id);
    expect(newOnly.open(plainAfter.secret, plain.endpoint.id)).toBe(plain.secret);
    expect(plainAfter.previous_secret).toBeNull();
    const after = await stored(rolled.endpoint.id);
    expect(newOnly.open(after.secret, rolled.endpoint.id)).toBe(roll.secret);
    expect(newOnly.open(after.previous_secret ?? '', previousSecretRowId(rolled.endpoint.id))).toBe(
      rolled.secret,
    );
    expect(() => oldBox.open(after.secret, rolled.endpoint.id)).toThrow(SecretBoxError);
  });

  it('changes nothing when one secret opens with neither key', async () => {
    const { merchant } = await addMerchant();
    const input = { merchantId: merchant.id, events: null, now: new Date() };
    const knownKey = randomBytes(32);
    const known = createSecretBox(knownKey);
    const first = await store.write(createWebhookEndpoint, {
      ...input,
      url: 'https://a.example/hook',
      secrets: known,
    });
    await store.write(createWebhookEndpoint, {
      ...input,
      url: 'https://b.example/hook',
      secrets: createSecretBox(randomBytes(32)),
    });
    const before = await stored(first.endpoint.id);

    await expect(store.write(resealSecrets, createSecretBox(randomBytes(32), [knownKey]))).rejects.toThrow(
      SecretBoxError,
    );
    expect(await stored(first.endpoint.id)).toEqual(before);
  });
});
