import { Writable } from 'node:stream';
import { createPublicClient, http } from 'viem';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrls } from './logger.ts';

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

describe('redactUrls', () => {
  it.each([
    ['URL: https://eth-mainnet.g.alchemy.com/v2/abc123', 'URL: https://eth-mainnet.g.alchemy.com/[REDACTED]'],
    ['https://mainnet.infura.io/v3/k?x=1 failed', 'https://mainnet.infura.io/[REDACTED] failed'],
    ['wss://user:pw@node.example:8546/ws', 'wss://node.example:8546/[REDACTED]'],
    ['http://127.0.0.1:8545', 'http://127.0.0.1:8545'],
    ['"http://127.0.0.1:8545/"', '"http://127.0.0.1:8545"'],
  ])('%s → %s', (text, redacted) => {
    expect(redactUrls(text)).toBe(redacted);
  });

  it("keeps a logged RPC error's URL to its host, in every field viem puts it", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const client = createPublicClient({
      transport: http('http://127.0.0.1:9/v2/provider-api-key?token=other-key', { retryCount: 0 }),
    });
    const error = await client.getBlockNumber().catch((caught: unknown) => caught);
    createLogger({ level: 'info', destination }).warn({ err: error }, 'request failed');
    const output = lines.join('');
    expect(output).toContain('http://127.0.0.1:9/[REDACTED]');
    expect(output).not.toContain('provider-api-key');
    expect(output).not.toContain('other-key');
  });
});
