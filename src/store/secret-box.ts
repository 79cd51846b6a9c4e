import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { BaseError } from '../domain/errors.ts';

/**
 * Encrypts secrets the server must read back (webhook signing secrets, which cannot be hashed like
 * API keys): AES-256-GCM with a random 96-bit IV, and the owning row's id as associated data, so a
 * sealed value copied onto another row does not open. A stolen database file without the key
 * reveals no secret.
 */
export type SecretBox = {
  seal(plaintext: string, rowId: string): string;
  open(sealed: string, rowId: string): string;
};

const VERSION = 'v1';
export const SECRET_KEY_BYTES = 32;

/** A key of the wrong size, or a sealed value that none of the keys opens. Retrying cannot help. */
export class SecretBoxError extends BaseError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('secret_unreadable', message, options);
  }
}

/**
 * Seals with `key`; opens with `key`, else with each of `previousKeys` in turn, so that while the
 * operator rotates the key (docs/security.md) secrets sealed under the old one still sign until
 * `stablegate secrets reseal` has sealed them all anew.
 */
export function createSecretBox(key: Buffer, previousKeys: readonly Buffer[] = []): SecretBox {
  for (const candidate of [key, ...previousKeys]) {
    if (candidate.length !== SECRET_KEY_BYTES)
      throw new SecretBoxError(`the secret key must be ${SECRET_KEY_BYTES} bytes`);
  }
  const keys = [key, ...previousKeys];
  return {
    seal(plaintext, rowId) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(rowId));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv, cipher.getAuthTag(), ciphertext]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    open(sealed, rowId) {
      const [version, iv, tag, ciphertext] = sealed.split('.');
      if (version !== VERSION || !iv || !tag || ciphertext === undefined)
        throw new SecretBoxError('not a sealed secret');
      let failure: unknown;
      for (const candidate of keys) {
        try {
          const decipher = createDecipheriv('aes-256-gcm', candidate, Buffer.from(iv, 'base64url'));
          decipher.setAAD(Buffer.from(rowId));
          decipher.setAuthTag(Buffer.from(tag, 'base64url'));
          return Buffer.concat([
            decipher.update(Buffer.from(ciphertext, 'base64url')),
            decipher.final(),
          ]).toString('utf8');
        } catch (error) {
          failure = error;
        }
      }
      // Wrong key (STABLEGATE_SECRET_KEY changed, key file replaced) or a tampered value.
      throw new SecretBoxError('the secret cannot be decrypted with this key', { cause: failure });
    },
  };
}
