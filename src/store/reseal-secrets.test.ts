import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMerchant, createTestContext, type TestContext } from '../../test/fixtures/context.ts';
import { previousSecretRowId } from '../domain/webhook-secret.ts';
import { resealSecrets } from './reseal-secrets.ts';
import { createSecretBox, SecretBoxError } from './secret-box.ts';
import { createWebhookEndpoint, rollWebhookSecret } from './webhook-endpoints.ts';

describe('resealSecrets', () => {
  let ctx: TestContext;
  beforeEach(() => {
    ctx = createTestContext();
  });
  afterEach(() => ctx.close());

  const stored = (id: string) =>
    ctx.db.prepare('SELECT secret, previous_secret FROM webhook_endpoints WHERE id = ?').get(id) as {
      secret: string;
      previous_secret: string | null;
    };

  it('seals every current and previous secret with the new key, so the old key can go', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const oldBox = createSecretBox(oldKey);
    const { merchant } = addMerchant(ctx);
    const input = { merchantId: merchant.id, events: null, now: new Date(), secrets: oldBox };
    const plain = createWebhookEndpoint(ctx.db, { ...input, url: 'https://a.example/hook' });
    const rolled = createWebhookEndpoint(ctx.db, { ...input, url: 'https://b.example/hook' });
    const roll = rollWebhookSecret(ctx.db, {
      merchantId: merchant.id,
      id: rolled.endpoint.id,
      now: new Date(),
      secrets: oldBox,
    });

    expect(resealSecrets(ctx.db, createSecretBox(newKey, [oldKey]))).toEqual({ endpoints: 2 });

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
    const { merchant } = addMerchant(ctx);
    const input = { merchantId: merchant.id, events: null, now: new Date() };
    const knownKey = randomBytes(32);
    const known = createSecretBox(knownKey);
    const first = createWebhookEndpoint(ctx.db, { ...input, url: 'https://a.example/hook', secrets: known });
    createWebhookEndpoint(ctx.db, {
      ...input,
      url: 'https://b.example/hook',
      secrets: createSecretBox(randomBytes(32)),
    });
    const before = stored(first.endpoint.id);

    expect(() => resealSecrets(ctx.db, createSecretBox(randomBytes(32), [knownKey]))).toThrow(SecretBoxError);
    expect(stored(first.endpoint.id)).toEqual(before);
  });
});
