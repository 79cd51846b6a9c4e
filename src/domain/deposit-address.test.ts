import { secp256k1 } from '@noble/curves/secp256k1.js';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import fc from 'fast-check';
import { bytesToHex } from 'viem';
import { mnemonicToAccount, publicKeyToAddress } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { deriveDepositAddress } from './deposit-address.ts';
import { checkXpub } from './xpub.ts';

const MNEMONIC = 'test test test test test test test test test test test junk';
const accountXpub = HDKey.fromMasterSeed(mnemonicToSeedSync(MNEMONIC)).derive(
  "m/44'/60'/0'/0",
).publicExtendedKey;

describe('deriveDepositAddress', () => {
  it("matches viem's mnemonicToAccount at m/44'/60'/0'/0/i", () => {
    for (const index of [0, 1, 2, 19, 1000]) {
      const expected = mnemonicToAccount(MNEMONIC, { path: `m/44'/60'/0'/0/${index}` }).address;
      expect(deriveDepositAddress(accountXpub, index)).toBe(expected);
    }
    // Anvil's well-known first account, as a fixed vector.
    expect(deriveDepositAddress(accountXpub, 0)).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
  });

  it('equals @scure/bip32 deriveChild at any non-hardened index', () => {
    const account = HDKey.fromExtendedKey(accountXpub);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (index) => {
        const child = account.deriveChild(index);
        if (!child.publicKey) throw new Error('no public key');
        const uncompressed = secp256k1.Point.fromBytes(child.publicKey).toBytes(false);
        expect(deriveDepositAddress(accountXpub, index)).toBe(publicKeyToAddress(bytesToHex(uncompressed)));
      }),
      { numRuns: 50 },
    );
  });

  it('gives distinct checksummed addresses for distinct indexes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (a, b) => {
          fc.pre(a !== b);
          expect(deriveDepositAddress(accountXpub, a)).not.toBe(deriveDepositAddress(accountXpub, b));
        },
      ),
      { numRuns: 20 },
    );
  });

  it('refuses hardened indexes', () => {
    expect(() => deriveDepositAddress(accountXpub, 2 ** 31)).toThrow(RangeError);
  });
});

describe('checkXpub', () => {
  const master = HDKey.fromMasterSeed(mnemonicToSeedSync(MNEMONIC)).derive("m/44'/60'/0'/0");
  it('accepts an xpub', () => {
    expect(checkXpub(accountXpub)).toEqual({ ok: true, xpub: accountXpub, depth: 4 });
  });
  it('refuses an xprv, a mnemonic, a private key and garbage', () => {
    expect(checkXpub(master.privateExtendedKey)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/PRIVATE/),
    });
    expect(checkXpub(MNEMONIC)).toMatchObject({ ok: false, reason: expect.stringMatching(/mnemonic/) });
    expect(checkXpub(`0x${'ab'.repeat(32)}`)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/private key/),
    });
    expect(checkXpub('xpub123')).toMatchObject({ ok: false });
    expect(checkXpub(`${accountXpub.slice(0, -1)}x`)).toMatchObject({ ok: false });
  });
});
