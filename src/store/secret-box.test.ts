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

describe('createSecretBox with previous keys', () => {
  it('opens what an old key sealed, but seals with the current key only', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const sealedOld = createSecretBox(oldKey).seal('whsec_old', 'whe_1');
    const rotating = createSecretBox(newKey, [oldKey]);
    expect(rotating.open(sealedOld, 'whe_1')).toBe('whsec_old');
    const sealedNew = rotating.seal('whsec_new', 'whe_1');
    expect(createSecretBox(newKey).open(sealedNew, 'whe_1')).toBe('whsec_new');
    expect(() => createSecretBox(oldKey).open(sealedNew, 'whe_1')).toThrow(SecretBoxError);
    expect(() => createSecretBox(newKey).open(sealedOld, 'whe_1')).toThrow(SecretBoxError);
  });
});
