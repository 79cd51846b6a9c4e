import { describe, expect, it } from 'vitest';
import { parseReturnUrl } from './return-url.ts';

describe('parseReturnUrl', () => {
  it.each([
    ['https://shop.example/orders/42', false, { ok: true, url: 'https://shop.example/orders/42' }],
    ['HTTPS://Shop.Example', false, { ok: true, url: 'https://shop.example/' }],
    ['http://localhost:3000/thanks', true, { ok: true, url: 'http://localhost:3000/thanks' }],
    ['http://localhost:3000/thanks', false, { ok: false }],
    ['javascript:alert(1)', true, { ok: false }],
    ['data:text/html,hi', true, { ok: false }],
    ['ftp://shop.example/', true, { ok: false }],
    ['/relative', true, { ok: false }],
    ['https://user:pw@shop.example/', false, { ok: false }],
  ])('%s (http allowed: %s)', (text, allowHttp, expected) => {
    expect(parseReturnUrl(text, { allowHttp })).toMatchObject(expected);
  });
});
