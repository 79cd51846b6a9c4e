import { createHmac } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { HDKey } from '@scure/bip32';
import { type Address, bytesToHex, hexToBigInt } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';

/** BIP-32: child indexes at or above 2^31 are hardened and need the private key. */
export const MAX_NON_HARDENED_INDEX = 2 ** 31 - 1;

const { Point } = secp256k1;
type CurvePoint = InstanceType<typeof Point>;
const CURVE_ORDER = Point.Fn.ORDER;

/** What public child derivation needs of a parent key, decoded once. */
type ParentKey = { compressed: Uint8Array; point: CurvePoint; chainCode: Uint8Array };

/**
 * Parsed keys by xpub: parsing is a base58check decode plus a point decompression (a modular
 * square root), and an invoice-creation burst for one merchant should pay for it once. Public keys
 * only, so holding them in memory reveals nothing new.
 */
const parsedKeys = new Map<string, ParentKey>();
const PARSED_KEYS_LIMIT = 1000;

function parseXpub(xpub: string): ParentKey {
  let key = parsedKeys.get(xpub);
  if (!key) {
    const hd = HDKey.fromExtendedKey(xpub);
    if (!hd.publicKey || !hd.chainCode) throw new Error('extended key has no public key or chain code');
    key = { compressed: hd.publicKey, point: Point.fromBytes(hd.publicKey), chainCode: hd.chainCode };
    if (parsedKeys.size >= PARSED_KEYS_LIMIT) parsedKeys.clear();
    parsedKeys.set(xpub, key);
  }
  return key;
}

/**
 * The deposit address of invoice index `index`: non-hardened child `index` of the merchant's
 * account-level xpub (e.g. m/44'/60'/0'/0), so it equals the address a wallet derives at
 * m/44'/60'/0'/0/index from the merchant's mnemonic. The server never sees a private key.
 *
 * This is BIP-32's CKDpub written out rather than `HDKey.deriveChild`, which is 5× slower here
 * because it builds a whole child key: it decompresses the parent on every call, compresses the
 * child, hashes it for a fingerprint, and the address then needs it decompressed again. Invoice
 * creation runs this under the write lock, so only the address is computed: one HMAC-SHA512, one
 * fixed-base multiplication, one addition. The test vectors check it against viem's wallet path.
 */
export function deriveDepositAddress(xpub: string, index: number): Address {
  if (!Number.isInteger(index) || index < 0 || index > MAX_NON_HARDENED_INDEX) {
    throw new RangeError(`address index ${index} is outside the non-hardened range`);
  }
  const parent = parseXpub(xpub);
  const data = Buffer.alloc(37);
  data.set(parent.compressed, 0);
  data.writeUInt32BE(index, 33);
  const digest = createHmac('sha512', parent.chainCode).update(data).digest();
  const tweak = hexToBigInt(bytesToHex(digest.subarray(0, 32)));
  // BIP-32 (and @scure/bip32, hence every wallet built on it) moves to the next index when I_L is
  // not a valid scalar or the child is the point at infinity; odds are below 2^-127.
  if (tweak >= CURVE_ORDER) return deriveDepositAddress(xpub, index + 1);
  const child = tweak === 0n ? parent.point : parent.point.add(Point.BASE.multiply(tweak));
  if (child.equals(Point.ZERO)) return deriveDepositAddress(xpub, index + 1);
  return publicKeyToAddress(bytesToHex(child.toBytes(false)));
}
