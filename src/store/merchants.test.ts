import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { xpubKeyHash } from '../domain/xpub.ts';
import { createMerchant, XpubInUseError } from './merchants.ts';
import { pluck, query } from './sql.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { Store } from './store.ts';

const account = HDKey.fromMasterSeed(
  mnemonicToSeedSync('test test test test test test test test test test test junk'),
).derive("m/44'/60'/5'/0");

/** The same public key and chain code under other labels: every derived address is the same. */
function reEncoded(options: { depth: number; index: number; parentFingerprint: number }): string {
  return new HDKey({
    publicKey: account.publicKey as Uint8Array,
    chainCode: account.chainCode as Uint8Array,
    ...options,
  }).publicExtendedKey;
}

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stablegate-merchants-'));
  store = openSqliteStore(join(dir, 'test.db'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('createMerchant', () => {
  it('refuses an xpub that another merchant holds re-encoded with another depth, fingerprint or child number', async () => {
    await store.write(createMerchant, { name: 'First', xpub: account.publicExtendedKey });
    const variants = [
      reEncoded({ depth: 3, index: 7, parentFingerprint: 0x12345678 }),
      reEncoded({ depth: 4, index: account.index, parentFingerprint: 1 }),
      reEncoded({ depth: 1, index: 0x80000000, parentFingerprint: account.parentFingerprint }),
    ];
    for (const xpub of variants) {
      expect(xpub).not.toBe(account.publicExtendedKey);
      expect(xpubKeyHash(xpub)).toBe(xpubKeyHash(account.publicExtendedKey));
      await expect(store.write(createMerchant, { name: 'Second', xpub })).rejects.toThrow(XpubInUseError);
    }
    expect(await store.read(() => pluck<number>('SELECT count(*) FROM merchants').get())).toBe(1);
  });

  it('accepts another account of the same wallet', async () => {
    await store.write(createMerchant, { name: 'First', xpub: account.publicExtendedKey });
    const other = HDKey.fromMasterSeed(
      mnemonicToSeedSync('test test test test test test test test test test test junk'),
    ).derive("m/44'/60'/6'/0").publicExtendedKey;
    await expect(store.write(createMerchant, { name: 'Second', xpub: other })).resolves.toBeDefined();
  });

  it('has the database refuse a second row with the same key hash', async () => {
    await store.write(createMerchant, { name: 'First', xpub: account.publicExtendedKey });
    await expect(
      store.write(() =>
        query(
          "INSERT INTO merchants (id, name, xpub, xpub_key_hash, created_at) VALUES ('mch_x', 'x', 'x', ?, '')",
        ).run(xpubKeyHash(account.publicExtendedKey)),
      ),
    ).rejects.toThrow(/UNIQUE|unique/);
  });
});
