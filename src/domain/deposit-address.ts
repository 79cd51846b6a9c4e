import { secp256k1 } from '@noble/curves/secp256k1.js';
import { HDKey } from '@scure/bip32';
import { type Address, bytesToHex } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';

/** BIP-32: child indexes at or above 2^31 are hardened and need the private key. */
export const MAX_NON_HARDENED_INDEX = 2 ** 31 - 1;

/**
 * Parsed keys by xpub: parsing is a base58check decode, and an invoice-creation burst for one
 * merchant should pay for it once. Public keys only, so holding them in memory reveals nothing new.
 */
const parsedKeys = new Map<string, HDKey>();
const PARSED_KEYS_LIMIT = 1000;

function parseXpub(xpub: string): HDKey {
  let key = parsedKeys.get(xpub);
  if (!key) {
    key = HDKey.fromExtendedKey(xpub);
    if (parsedKeys.size >= PARSED_KEYS_LIMIT) parsedKeys.clear();
    parsedKeys.set(xpub, key);
  }
  return key;
}

/**
 * The deposit address of invoice index `index`: non-hardened child `index` of the merchant's
 * account-level xpub (e.g. m/44'/60'/0'/0), so it equals the address a wallet derives at
 * m/44'/60'/0'/0/index from the merchant's mnemonic. The server never sees a private key.
 */
export function deriveDepositAddress(xpub: string, index: number): Address {
  if (!Number.isInteger(index) || index < 0 || index > MAX_NON_HARDENED_INDEX) {
    throw new RangeError(`address index ${index} is outside the non-hardened range`);
  }
  const child = parseXpub(xpub).deriveChild(index);
  if (!child.publicKey) throw new Error('derived key has no public key');
  const uncompressed = secp256k1.Point.fromBytes(child.publicKey).toBytes(false);
  return publicKeyToAddress(bytesToHex(uncompressed));
}
