import { describe, expect, it } from 'vitest';
import { loadConfig } from './env.ts';

const chains = { chains: [] };

describe('loadConfig: limits', () => {
  it('has production defaults for every quota and trusts no proxy', () => {
    const result = loadConfig({}, chains);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.config.limits).toEqual({
      writes: { perMinute: 600, burst: 100 },
      redeliveries: { perMinute: 10, burst: 5 },
      pay: { perMinute: 300, burst: 60 },
      webhookEndpointsPerMerchant: 16,
      streams: { total: 1000, perInvoice: 16, perClient: 10 },
    });
    expect(result.config.trustProxyHops).toBe(0);
  });

  it('reads each limit and TRUST_PROXY from the environment', () => {
    const result = loadConfig(
      { RATE_LIMIT_REDELIVERIES_PER_MINUTE: '2', MAX_WEBHOOK_ENDPOINTS: '3', TRUST_PROXY: 'true' },
      chains,
    );
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.config.limits.redeliveries.perMinute).toBe(2);
    expect(result.config.limits.webhookEndpointsPerMerchant).toBe(3);
    expect(result.config.trustProxyHops).toBe(1);
    const hops = loadConfig({ TRUST_PROXY: '2' }, chains);
    expect(hops.ok && hops.config.trustProxyHops).toBe(2);
  });

  it('names each bad value on a line of its own', () => {
    const result = loadConfig(
      { RATE_LIMIT_WRITES_BURST: '0', MAX_PAY_STREAMS_PER_IP: 'many', TRUST_PROXY: 'yes' },
      chains,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      'RATE_LIMIT_WRITES_BURST: must be at least 1',
      'MAX_PAY_STREAMS_PER_IP: must be a whole number',
      'TRUST_PROXY: must be true, false or a number of proxy hops (0-9)',
    ]);
  });
});

describe('loadConfig: the sweeper gas wallet', () => {
  const key = (digit: string) => `0x${digit.repeat(64)}`;

  it('takes SWEEPER_PRIVATE_KEY_<chainId> over SWEEPER_PRIVATE_KEY, and none without either', () => {
    const result = loadConfig({ SWEEPER_PRIVATE_KEY: key('1'), SWEEPER_PRIVATE_KEY_10: key('2') }, chains);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.config.sweeperPrivateKey(10)).toBe(key('2'));
    expect(result.config.sweeperPrivateKey(1)).toBe(key('1'));
    const none = loadConfig({}, chains);
    expect(none.ok && none.config.sweeperPrivateKey(1)).toBeUndefined();
  });

  it('names a malformed key without echoing it, and never serializes one with the config', () => {
    const bad = loadConfig({ SWEEPER_PRIVATE_KEY_8453: '0xdeadbeefcafe' }, chains);
    expect(bad).toEqual({
      ok: false,
      errors: ['SWEEPER_PRIVATE_KEY_8453: must be a 0x-prefixed 32-byte hex private key'],
    });
    const good = loadConfig({ SWEEPER_PRIVATE_KEY: key('3') }, chains);
    if (!good.ok) throw new Error(good.errors.join('\n'));
    expect(JSON.stringify(good.config)).not.toContain('3'.repeat(64));
  });
});
