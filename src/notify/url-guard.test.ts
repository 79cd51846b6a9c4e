import { describe, expect, it } from 'vitest';
import type { LookupAll } from './url-guard.ts';
import { checkWebhookUrl } from './url-guard.ts';

/** A resolver for names this sandbox cannot resolve (no DNS beyond /etc/hosts). */
function lookupFrom(table: Record<string, string[]>): LookupAll {
  return async (hostname) => {
    const addresses = table[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address }));
  };
}

const SSRF_URLS = [
  'http://127.0.0.1/hook',
  'http://127.0.0.1:8080/hook',
  'http://localhost/hook',
  'http://LOCALHOST:3000/hook',
  'http://localhost./hook',
  'http://api.localhost/hook',
  'http://[::1]/hook',
  'http://[::ffff:127.0.0.1]/hook',
  'http://[::127.0.0.1]/hook',
  'http://169.254.169.254/latest/meta-data/',
  'http://[::ffff:169.254.169.254]/',
  'http://10.0.0.1/hook',
  'http://172.16.5.4/hook',
  'http://192.168.0.10/hook',
  'http://100.64.0.1/hook',
  'http://[fd00::1]/hook',
  'http://[fe80::1]/hook',
  'http://224.0.0.1/hook',
  'http://0x7f.1/hook',
  'http://2130706433/hook',
  'http://127.1/hook',
  'http://0177.0.0.1/hook',
  'http://0x7f.0x0.0x0.0x1./hook',
  'https://127.0.0.1/hook',
];

describe('checkWebhookUrl', () => {
  it.each(SSRF_URLS)('refuses %s as private', async (url) => {
    const result = await checkWebhookUrl(url, { allowPrivate: false });
    expect(result).toMatchObject({ ok: false, code: 'webhook_url_private' });
  });

  it('refuses a name whose DNS answers include a private address', async () => {
    const lookup = lookupFrom({ 'hooks.example.com': ['93.184.216.34', '127.0.0.1'] });
    const result = await checkWebhookUrl('https://hooks.example.com/x', { allowPrivate: false, lookup });
    expect(result).toEqual({
      ok: false,
      code: 'webhook_url_private',
      reason:
        'webhook URL host hooks.example.com (127.0.0.1) is a loopback, private, link-local or reserved address',
    });
  });

  it('accepts a public address, normalized', async () => {
    expect(await checkWebhookUrl('HTTPS://8.8.8.8/Hook?x=1', { allowPrivate: false })).toEqual({
      ok: true,
      url: 'https://8.8.8.8/Hook?x=1',
    });
    const lookup = lookupFrom({ 'hooks.example.com': ['93.184.216.34', '2606:2800:220:1::1'] });
    expect(await checkWebhookUrl('https://hooks.example.com/x', { allowPrivate: false, lookup })).toEqual({
      ok: true,
      url: 'https://hooks.example.com/x',
    });
  });

  it.each(SSRF_URLS.filter((url) => !url.includes('localhost.') && !url.includes('api.localhost')))(
    'accepts %s when private URLs are allowed',
    async (url) => {
      expect(await checkWebhookUrl(url, { allowPrivate: true })).toMatchObject({ ok: true });
    },
  );

  it('still refuses the unspecified address when private URLs are allowed', async () => {
    for (const url of ['http://0.0.0.0:3000/', 'http://0/', 'http://[::]/']) {
      expect(await checkWebhookUrl(url, { allowPrivate: true })).toMatchObject({
        ok: false,
        code: 'webhook_url_private',
      });
    }
  });

  it.each([
    ['ftp://8.8.8.8/hook', /http or https/],
    ['file:///etc/passwd', /http or https/],
    ['javascript:alert(1)', /http or https/],
    ['gopher://8.8.8.8/', /http or https/],
    ['not a url', /absolute URL/],
    ['/relative/path', /absolute URL/],
    ['https://user:pass@8.8.8.8/hook', /user name or password/],
    ['https://token@8.8.8.8/hook', /user name or password/],
    [`https://8.8.8.8/${'a'.repeat(2048)}`, /2048/],
  ])('refuses %s as invalid', async (url, reason) => {
    for (const allowPrivate of [false, true]) {
      const result = await checkWebhookUrl(url, { allowPrivate });
      expect(result).toMatchObject({ ok: false, code: 'webhook_url_invalid' });
      if (!result.ok) expect(result.reason).toMatch(reason);
    }
  });

  it('refuses a name that does not resolve', async () => {
    const result = await checkWebhookUrl('https://nowhere.invalid/hook', {
      allowPrivate: true,
      lookup: lookupFrom({}),
    });
    expect(result).toEqual({
      ok: false,
      code: 'webhook_url_unresolvable',
      reason: 'host nowhere.invalid does not resolve',
    });
  });

  it('resolves real names through the system resolver', async () => {
    // /etc/hosts maps localhost to loopback even without network access.
    expect(await checkWebhookUrl('http://localhost:3000/hook', { allowPrivate: true })).toEqual({
      ok: true,
      url: 'http://localhost:3000/hook',
    });
  });
});
