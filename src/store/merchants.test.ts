import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { xpubKeyHash } from '../domain/xpub.ts';
import { type Db, openDatabase } from './db.ts';
import { createMerchant, XpubInUseError } from './merchants.ts';

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
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stablegate-merchants-'));
  db = openDatabase(join(dir, 'test.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('createMerchant', () => {
  it('refuses an xpub that another merchant holds re-encoded with another depth, fingerprint or child number', () => {
    createMerchant(db, { name: 'First', xpub: account.publicExtendedKey });
    const variants = [
      reEncoded({ depth: 3, index: 7, parentFingerprint: 0x12345678 }),
      reEncoded({ depth: 4, index: account.index, parentFingerprint: 1 }),
      reEncoded({ depth: 1, index: 0x80000000, parentFingerprint: account.parentFingerprint }),
    ];
    for (const xpub of variants) {
      expect(xpub).not.toBe(account.publicExtendedKey);
      expect(xpubKeyHash(xpub)).toBe(xpubKeyHash(account.publicExtendedKey));
      expect(() => createMerchant(db, { name: 'Second', xpub })).toThrow(XpubInUseError);
    }
    expect(db.prepare('SELECT count(*) FROM merchants').pluck().get()).toBe(1);
  });

  it('accepts another account of the same wallet', () => {
    createMerchant(db, { name: 'First', xpub: account.publicExtendedKey });
    const other = HDKey.fromMasterSeed(
      mnemonicToSeedSync('test test test test test test test test test test test junk'),
    ).derive("m/44'/60'/6'/0").publicExtendedKey;
    expect(() => createMerchant(db, { name: 'Second', xpub: other })).not.toThrow();
  });

  it('has the database refuse a second row with the same key hash', () => {
    createMerchant(db, { name: 'First', xpub: account.publicExtendedKey });
    expect(() =>
      db
        .prepare(
          "INSERT INTO merchants (id, name, xpub, xpub_key_hash, created_at) VALUES ('mch_x', 'x', 'x', ?, '')",
        )
        .run(xpubKeyHash(account.publicExtendedKey)),
    ).toThrow(/UNIQUE/);
  });
});
