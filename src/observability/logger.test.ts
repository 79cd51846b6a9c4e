import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

describe('createLogger', () => {
  it('redacts secrets by field, nested or not, and by shape inside messages', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination });
    const gasWalletKey = `0x${'ab'.repeat(32)}`;
    const apiKey = `sk_${'A'.repeat(43)}`;
    logger.info({ privateKey: gasWalletKey, wallet: { privateKey: gasWalletKey }, apiKey }, `key ${apiKey}`);
    const output = lines.join('');
    expect(output).not.toContain(gasWalletKey);
    expect(output).not.toContain(apiKey);
    expect(output.match(/\[REDACTED\]/g)).toHaveLength(4);
  });
});
