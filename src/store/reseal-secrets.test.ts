import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { previousSecretRowId } from '../domain/webhook-secret.ts';
import { type Db, openDatabase } from './db.ts';
import { createMerchant } from './merchants.ts';
import { resealSecrets } from './reseal-secrets.ts';
import { createSecretBox, SecretBoxError } from './secret-box.ts';
import { createWebhookEndpoint, rollWebhookSecret } from './webhook-endpoints.ts';

describe('resealSecrets', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stablegate-reseal-'));
    db = openDatabase(join(dir, 'stablegate.db'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // A forwarder merchant: resealing does not depend on how deposit addresses are made.
  const addMerchant = () =>
    createMerchant(db, { name: 'Shop', payout: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' });

  const stored = (id: string) =>
    db.prepare('SELECT secret, previous_secret FROM webhook_endpoints WHERE id = ?').get(id) as {
      secret: string;
      previous_secret: string | null;
    };

  it('seals every current and previous secret with the new key, so the old key can go', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const oldBox = createSecretBox(oldKey);
    const { merchant } = addMerchant();
    const input = { merchantId: merchant.id, events: null, now: new Date(), secrets: oldBox };
    const plain = createWebhookEndpoint(db, { ...input, url: 'https://a.example/hook' });
    const rolled = createWebhookEndpoint(db, { ...input, url: 'https://b.example/hook' });
    const roll = rollWebhookSecret(db, {
      merchantId: merchant.id,
      id: rolled.endpoint.id,
      now: new Date(),
      secrets: oldBox,
    });

    expect(resealSecrets(db, createSecretBox(newKey, [oldKey]))).toEqual({ endpoints: 2 });

    const newOnly = createSecretBox(newKey);
    expect(newOnly.open(stored(plain.endpoint.id).secret, plain.endpoint.id)).toBe(plain.secret);
    expect(stored(plain.endpoint.id).previous_secret).toBeNull();
    const after = stored(rolled.endpoint.id);
    expect(newOnly.open(after.secret, rolled.endpoint.id)).toBe(roll.secret);
    expect(newOnly.open(after.previous_secret ?? '', previousSecretRowId(rolled.endpoint.id))).toBe(
      rolled.secret,
    );
    expect(() => oldBox.open(after.secret, rolled.endpoint.id)).toThrow(SecretBoxError);
  });

  it('changes nothing when one secret opens with neither key', () => {
    const { merchant } = addMerchant();
    const input = { merchantId: merchant.id, events: null, now: new Date() };
    const knownKey = randomBytes(32);
    const known = createSecretBox(knownKey);
    const first = createWebhookEndpoint(db, { ...input, url: 'https://a.example/hook', secrets: known });
    createWebhookEndpoint(db, {
      ...input,
      url: 'https://b.example/hook',
      secrets: createSecretBox(randomBytes(32)),
    });
    const before = stored(first.endpoint.id);

    expect(() => resealSecrets(db, createSecretBox(randomBytes(32), [knownKey]))).toThrow(SecretBoxError);
    expect(stored(first.endpoint.id)).toEqual(before);
  });
});
