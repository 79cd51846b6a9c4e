import { join } from 'node:path';
import { HDKey } from '@scure/bip32';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApi } from '../../src/runtime/create-api.ts';
import { generateApiKey, hashApiKey } from '../../src/store/api-keys.ts';
import { initialSchema } from '../../src/store/migrations/001-initial.ts';
import { pluck, query } from '../../src/store/sql.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite-store.ts';
import { createTestContext, type TestContext, testXpub } from '../fixtures/context.ts';

let ctx: TestContext;
let store: SqliteStore | undefined;
beforeEach(async () => {
  ctx = await createTestContext();
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  await ctx.close();
});

/**
 * A database at schema version 1 where two merchants were let in with one key under two
 * encodings (the string comparison of version 1 allowed it), each with an API key.
 */
function versionOneWithSharedKey(path: string): { first: string; second: string } {
  const old = new Database(path);
  old.exec(initialSchema);
  old.pragma('user_version = 1');
  const key = HDKey.fromExtendedKey(testXpub(1));
  const reEncoded = new HDKey({
    publicKey: key.publicKey as Uint8Array,
    chainCode: key.chainCode as Uint8Array,
    depth: 2,
    index: 9,
    parentFingerprint: 42,
  }).publicExtendedKey;
  const keys = { first: generateApiKey(), second: generateApiKey() };
  for (const [n, xpub, apiKey] of [
    [1, key.publicExtendedKey, keys.first],
    [2, reEncoded, keys.second],
  ] as const) {
    const at = `2026-01-0${n}T00:00:00.000Z`;
    old
      .prepare('INSERT INTO merchants (id, name, xpub, created_at) VALUES (?, ?, ?, ?)')
      .run(`mch_${n}`, `M${n}`, xpub, at);
    old
      .prepare(
        'INSERT INTO api_keys (id, merchant_id, key_hash, display_prefix, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(`key_${n}`, `mch_${n}`, hashApiKey(apiKey), apiKey.slice(0, 7), at);
  }
  old.close();
  return keys;
}

describe('deposit address collisions', () => {
  it('migrates a shared key without failing, and answers the colliding invoice with 409 deposit_address_in_use', async () => {
    const path = join(ctx.dir, 'v1.db');
    const keys = versionOneWithSharedKey(path);
    const opened = openSqliteStore(path);
    store = opened;
    expect(
      await opened.read(function* () {
        return yield* query(
          'SELECT id, xpub_key_hash IS NOT NULL AS hashed FROM merchants ORDER BY id',
        ).all();
      }),
    ).toEqual([
      { id: 'mch_1', hashed: 1 },
      { id: 'mch_2', hashed: 0 },
    ]);
    const app = createApi(
      { ...ctx, store: opened },
      { checkWebhookUrl: async (url: string) => ({ ok: true as const, url }) },
    );
    const create = (apiKey: string) =>
      app.request('/v1/invoices', {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ amount: '1', currency: 'USDC', chainId: 31337 }),
      });
    expect((await create(keys.first)).status).toBe(201);
    const refused = await create(keys.second);
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(await refused.json()).toMatchObject({ status: 409, code: 'deposit_address_in_use' });
    // Nothing was spent: the second merchant's index 0 is still its next one.
    expect(
      await opened.read(function* () {
        return yield* pluck("SELECT next_address_index FROM merchants WHERE id = 'mch_2'").get();
      }),
    ).toBe(0);
    expect(ctx.logs.join('')).not.toContain('unhandled error');
  });
});
