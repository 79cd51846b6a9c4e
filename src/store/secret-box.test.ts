import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, SecretBoxError } from './secret-box.ts';

describe('createSecretBox', () => {
  const box = createSecretBox(randomBytes(32));

  it('seals so that only the same key and row open it', () => {
    const sealed = box.seal('whsec_abc', 'whe_1');
    expect(sealed).not.toContain('whsec_abc');
    expect(box.open(sealed, 'whe_1')).toBe('whsec_abc');
    expect(box.seal('whsec_abc', 'whe_1')).not.toBe(sealed);
    expect(() => box.open(sealed, 'whe_2')).toThrow(SecretBoxError);
    expect(() => createSecretBox(randomBytes(32)).open(sealed, 'whe_1')).toThrow(SecretBoxError);
    expect(() => box.open('whsec_plain', 'whe_1')).toThrow(SecretBoxError);
  });
});
