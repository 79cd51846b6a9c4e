import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createSecretBox, SECRET_KEY_BYTES, type SecretBox } from '../store/secret-box.ts';

/**
 * The key that seals webhook secrets: `STABLEGATE_SECRET_KEY` (base64 of 32 bytes, from a secret
 * manager) when set, else `<DATABASE_PATH>.key`, created once with mode 0600. Every process that
 * shares the database (serve, work, dev) finds the same key the same way.
 */
export function loadSecretBox(options: {
  databasePath: string;
  secretKey?: string | undefined;
  /** The key being rotated away from: still opens, never seals (docs/security.md). */
  previousSecretKey?: string | undefined;
}): SecretBox {
  const previous = options.previousSecretKey ? [Buffer.from(options.previousSecretKey, 'base64')] : [];
  if (options.secretKey) return createSecretBox(Buffer.from(options.secretKey, 'base64'), previous);
  const path = `${options.databasePath}.key`;
  if (!existsSync(path)) {
    // 'wx' fails if another process created it first; then read theirs.
    try {
      writeFileSync(path, randomBytes(SECRET_KEY_BYTES).toString('base64'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return createSecretBox(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64'), previous);
}
