import fc from 'fast-check';
import { bodyArbitrary, wellFormedArbitrary } from './api-fuzz-bodies.ts';
import type { FuzzTarget } from './api-fuzz-target.ts';
import type { FuzzRequest } from './fuzz-request.ts';

const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS'];
const ID_ROUTES = [
  '/v1/invoices/{id}',
  '/v1/invoices/{id}/cancel',
  '/v1/webhook-endpoints/{id}',
  '/v1/events/{id}',
  '/v1/events/{id}/deliveries',
  '/v1/events/{id}/redeliver',
  '/pay/{id}',
  '/pay/{id}/status',
  '/pay/{id}/events',
  '/pay/{id}/qr.svg',
  '/pay/assets/{id}',
];
const FIXED_ROUTES = [
  '/v1/invoices',
  '/v1/invoices',
  '/v1/webhook-endpoints',
  '/v1/events',
  '/v1/chains',
  '/healthz',
  '/readyz',
  '/metrics',
  '/openapi.json',
  '/docs',
  '/',
  '/v1',
  '/v1/',
  '/v1/invoices/',
  '/pay',
];
/** Header values as fetch accepts them (RFC 9110 field-value: no CR, LF or NUL), Latin-1. */
const headerSafe = (text: string) => text.replace(/[^\x20-\x7e\x80-\xff]/g, '').slice(0, 4000);

/**
 * Arbitrary requests over every route: methods, ids (real, another merchant's, malformed, huge,
 * unicode), queries, headers (keys valid, invalid, secret-shaped) and bodies; mixed with
 * well-formed requests so the handlers are reached too.
 */
export function requestArbitrary(target: FuzzTarget): fc.Arbitrary<FuzzRequest> {
  const secretish = fc.constantFrom(...target.apiKeys, ...target.xpubs, ...target.secrets);
  const text = fc.oneof(
    { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
    { weight: 1, arbitrary: fc.string({ minLength: 200, maxLength: 2000 }) },
    { weight: 1, arbitrary: secretish },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        ' ',
        '..',
        '%',
        '%00',
        '\u0000',
        'null',
        '-1',
        '1e309',
        '💸',
        '<script>',
        "' OR 1=1 --",
      ),
    },
  );
  const id = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...target.ids) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom('inv', 'evt', 'whe', 'dlv', 'mch'), fc.stringMatching(/^[0-9a-z]{0,30}$/))
        .map(([p, r]) => `${p}_${r}`),
    },
    { weight: 2, arbitrary: text },
    { weight: 1, arbitrary: fc.constantFrom('checkout.js', 'checkout.css', 'favicon.ico') },
  );
  const encoded = fc
    .tuple(id, fc.boolean())
    .map(([value, raw]) => (raw && /^[\w.~-]*$/.test(value) ? value : encodeURIComponent(value)));
  const path = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(fc.constantFrom(...ID_ROUTES), encoded)
        .map(([route, value]) => route.replace('{id}', value)),
    },
    { weight: 3, arbitrary: fc.constantFrom(...FIXED_ROUTES) },
    { weight: 1, arbitrary: fc.array(encoded, { maxLength: 4 }).map((parts) => `/${parts.join('/')}`) },
  );
  const queryValue = fc.oneof(
    text,
    fc.integer().map(String),
    fc.constantFrom(
      'pending',
      'paid',
      'expired',
      'canceled',
      'processing',
      'invoice.paid',
      '0',
      '100',
      '101',
      '1.5',
      'NaN',
    ),
    fc.constantFrom(...target.ids),
  );
  const query = fc.oneof(
    { weight: 3, arbitrary: fc.constant('') },
    {
      weight: 6,
      arbitrary: fc
        .array(
          fc.tuple(
            fc.constantFrom('status', 'limit', 'startingAfter', 'invoiceId', 'type', 'lang', 'due', 'x'),
            queryValue,
          ),
          {
            maxLength: 5,
          },
        )
        .map((pairs) => new URLSearchParams(pairs).toString()),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '%',
        '%%',
        'limit=%zz',
        '&&&',
        'limit',
        'limit=1&limit=2',
        `a=${'b'.repeat(5000)}`,
      ),
    },
  );
  const headers = headersArbitrary(target, text);
  const wild = fc
    .record({
      method: fc.constantFrom(...METHODS),
      path,
      query,
      headers,
      body: fc.option(bodyArbitrary(target, text, secretish), { nil: null, freq: 4 }),
    })
    .map((request) => ({
      ...request,
      body: request.method === 'GET' || request.method === 'HEAD' ? null : request.body,
    }));
  return fc.oneof(
    { weight: 3, arbitrary: wild },
    { weight: 2, arbitrary: wellFormedArbitrary(target, text) },
  );
}

/** Headers: keys valid, malformed or secret-shaped; content types right and wrong; odd extras. */
function headersArbitrary(target: FuzzTarget, text: fc.Arbitrary<string>): fc.Arbitrary<[string, string][]> {
  const authorization = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...target.apiKeys.map((key) => `Bearer ${key}`)) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        `bearer ${target.apiKeys[0]}`,
        `Bearer  ${target.apiKeys[0]} `,
        `Bearer ${target.apiKeys[0]}x`,
        'Bearer sk_',
        'Bearer ',
        `Basic ${Buffer.from('a:b').toString('base64')}`,
        `Bearer ${target.xpubs[0]}`,
        `Bearer ${target.secrets[0]}`,
      ),
    },
    { weight: 1, arbitrary: text.map((value) => `Bearer ${value}`) },
  );
  const header = (name: string, value: fc.Arbitrary<string>) =>
    fc.option(
      value.map((v) => [name, headerSafe(v)] as [string, string]),
      { nil: undefined, freq: 3 },
    );
  return fc
    .tuple(
      header('authorization', authorization),
      header(
        'content-type',
        fc.oneof(
          fc.constantFrom(
            'application/json',
            'application/json; charset=utf-8',
            'text/plain',
            'multipart/form-data',
            'application/x-www-form-urlencoded',
            'application/problem+json',
            '',
          ),
          text,
        ),
      ),
      header(
        'idempotency-key',
        fc.oneof(fc.constantFrom('k1', 'k2', 'k3'), text, fc.string({ minLength: 250, maxLength: 300 })),
      ),
      header('accept-language', fc.oneof(fc.constantFrom('de', 'fr-CH, fr;q=0.9', '*', 'zz'), text)),
      header('accept', fc.constantFrom('application/json', 'text/event-stream', 'text/html', '*/*')),
      fc.array(
        fc
          .tuple(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), text)
          .map(([name, value]) => [name, headerSafe(value)] as [string, string]),
        { maxLength: 2 },
      ),
    )
    .map(([auth, type, key, language, accept, extra]) =>
      [auth, type, key, language, accept, ...extra].filter(
        (entry): entry is [string, string] => entry !== undefined,
      ),
    );
}

/**
 * Edges every run visits, whatever the seed: each operation with an over-long, a NUL and another
 * merchant's id, and with a body over the 64 KiB limit.
 */
export function edgeCases(
  target: FuzzTarget,
  operations: readonly { method: string; template: string }[],
): FuzzRequest[] {
  const auth: [string, string][] = [['authorization', `Bearer ${target.apiKeys[0]}`]];
  const json: [string, string][] = [...auth, ['content-type', 'application/json']];
  const otherMerchantsInvoice = target.ids.find(
    (id, index) => id.startsWith('inv_') && index > target.ids.length / 3,
  );
  const ids = ['x'.repeat(65), '%00', encodeURIComponent(otherMerchantsInvoice ?? 'inv_')];
  const oversized = JSON.stringify({ description: 'z'.repeat(70_000) });
  return operations.flatMap((operation) => {
    const paths = operation.template.includes('{')
      ? ids.map((id) => operation.template.replace(/\{[^}]+\}/, id))
      : [operation.template];
    return paths.flatMap((path) => [
      { method: operation.method, path, query: '', headers: auth, body: null },
      ...(operation.method === 'GET'
        ? []
        : [{ method: operation.method, path, query: '', headers: json, body: oversized }]),
    ]);
  });
}
