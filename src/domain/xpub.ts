import { createHash } from 'node:crypto';
import { HDKey } from '@scure/bip32';

export type XpubCheck = { ok: true; xpub: string; depth: number } | { ok: false; reason: string };

/**
 * Accepts only a BIP-32 extended *public* key. Anything that holds a secret (an xprv, a mnemonic,
 * a raw private key) is refused with a message that says why, and the caller must not store it.
 */
export function checkXpub(input: string): XpubCheck {
  const text = input.trim();
  if (/^[xtyzuv]prv/i.test(text)) {
    return { ok: false, reason: 'this is an extended PRIVATE key (xprv); give the server only the xpub' };
  }
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(text)) {
    return { ok: false, reason: 'this looks like a raw private key; give the server only the xpub' };
  }
  if (/^[a-z]+(\s+[a-z]+){11,23}$/.test(text.toLowerCase())) {
    return { ok: false, reason: 'this looks like a mnemonic phrase; give the server only the xpub' };
  }
  let key: HDKey;
  try {
    key = HDKey.fromExtendedKey(text);
  } catch {
    return { ok: false, reason: 'not a valid BIP-32 extended public key (expected "xpub…")' };
  }
  if (key.privateKey) {
    return { ok: false, reason: 'this is an extended PRIVATE key; give the server only the xpub' };
  }
  return { ok: true, xpub: text, depth: key.depth };
}

/**
 * What identifies an extended public key: SHA-256 of the compressed public key (33 bytes) and the
 * chain code (32 bytes). Every child key, hence every deposit address, is a function of these two
 * alone (BIP-32 "Public parent key → public child key"); the serialization's version, depth,
 * parent fingerprint and child number are labels that can be changed without changing a single
 * address, so two xpubs with the same hash are the same wallet.
 */
export function xpubKeyHash(xpub: string): string {
  const key = HDKey.fromExtendedKey(xpub.trim());
  if (!key.publicKey || !key.chainCode) throw new Error('extended key has no public key or chain code');
  return createHash('sha256').update(key.publicKey).update(key.chainCode).digest('hex');
}
