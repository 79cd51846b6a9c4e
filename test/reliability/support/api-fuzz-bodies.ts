import fc from 'fast-check';
import type { FuzzTarget } from './api-fuzz-target.ts';
import type { FuzzRequest } from './fuzz-request.ts';

/**
 * Request bodies for the fuzzer: invoice and endpoint bodies with every field arbitrary, any JSON,
 * text that is not JSON, bodies over the 64 KiB limit; and well-formed requests with a field or two
 * broken, which reach the handlers and the store rather than stopping at the validators.
 */
export function bodyArbitrary(
  target: FuzzTarget,
  text: fc.Arbitrary<string>,
  secretish: fc.Arbitrary<string>,
): fc.Arbitrary<string> {
  const amount = fc.oneof(
    fc.constantFrom(
      '25.5',
      '0',
      '-1',
      '1e6',
      '0.0000001',
      '25.1234567',
      '１２',
      ' 1',
      '1 ',
      '.5',
      '5.',
      '00001.10',
      '1,5',
      '99999999999999999999999999999',
    ),
    fc.double().map(String),
    fc.bigInt({ min: 0n, max: 10n ** 40n }).map(String),
    fc.jsonValue(),
  );
  const metadata = fc.oneof(
    fc.dictionary(fc.string({ maxLength: 45 }), fc.string({ maxLength: 520 }), { maxKeys: 25 }),
    fc.jsonValue(),
    fc.constant({ apiKey: target.apiKeys[0], xpub: target.xpubs[0] }),
  );
  const invoiceBody = fc.record(
    {
      amount,
      currency: fc.oneof(fc.constantFrom('USDC', 'usdc', 'DAI', 'USDT', 'ETH', ''), text),
      chainId: fc.oneof(fc.constantFrom(31337, 1, 0, -1, 1.5, 2 ** 53, '31337', null), fc.integer()),
      expiresInSeconds: fc.oneof(fc.constantFrom(1, 0, 2_592_000, 2_592_001, 3600.5, -5, '60'), fc.integer()),
      orderId: fc.oneof(text, fc.jsonValue()),
      description: fc.oneof(text, fc.jsonValue(), secretish),
      metadata,
      extra: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );
  const endpointBody = fc.record(
    {
      url: fc.oneof(
        fc.constantFrom(
          'http://127.0.0.1:9/hook',
          'https://[::1]/h',
          'http://localhost:1/x',
          'http://user:pass@127.0.0.1/',
          'ftp://127.0.0.1/',
          'http://0.0.0.0/',
          'http://169.254.169.254/latest',
          'http://2130706433/',
          'javascript:alert(1)',
          `http://127.0.0.1/${'a'.repeat(3000)}`,
        ),
        text,
      ),
      events: fc.oneof(
        fc.array(fc.constantFrom('invoice.paid', 'invoice.created', 'invoice.expired', 'nope'), {
          maxLength: 9,
        }),
        fc.jsonValue(),
      ),
    },
    { requiredKeys: [] },
  );
  return fc.oneof(
    { weight: 4, arbitrary: invoiceBody.map((value) => JSON.stringify(value)) },
    { weight: 2, arbitrary: endpointBody.map((value) => JSON.stringify(value)) },
    { weight: 2, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
    { weight: 2, arbitrary: text },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{',
        '{"amount":',
        '[]',
        'null',
        '""',
        '{"__proto__":{"x":1}}',
        '{"amount":"1","amount":"2"}',
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 60_000, max: 70_000 })
        .map((size) => JSON.stringify({ description: 'z'.repeat(size) })),
    },
  );
}

/**
 * Requests a client would send (valid key, JSON content type, a real id, a valid body) with one or
 * two fields broken, so the fuzzer reaches the handlers and the store, not only the validators.
 */
export function wellFormedArbitrary(
  target: FuzzTarget,
  text: fc.Arbitrary<string>,
): fc.Arbitrary<FuzzRequest> {
  const validInvoice = {
    amount: '25.5',
    currency: 'USDC',
    chainId: 31337,
    expiresInSeconds: 600,
    orderId: 'order-1',
    description: 'Fuzzed',
    metadata: { cart: '42' },
  };
  const mutation = fc.tuple(
    fc.constantFrom(...Object.keys(validInvoice), 'unknown'),
    fc.oneof(text, fc.jsonValue(), fc.constant(undefined)),
  );
  const invoice = fc
    .tuple(fc.array(mutation, { maxLength: 2 }), fc.constantFrom('25.5', '0.000001', '1000000', '3', '7.25'))
    .map(([mutations, amount]) => {
      const body: Record<string, unknown> = { ...validInvoice, amount };
      for (const [field, value] of mutations) body[field] = value;
      return JSON.stringify(body);
    });
  const endpoint = fc
    .tuple(
      fc.constantFrom(
        'http://127.0.0.1:9/hook',
        'http://localhost:9/x',
        'http://10.0.0.1/h',
        'https://[::1]:8443/h',
      ),
      fc.option(fc.subarray(['invoice.paid', 'invoice.created', 'invoice.expired', 'invoice.canceled']), {
        nil: undefined,
      }),
    )
    .map(([url, events]) => JSON.stringify(events && events.length > 0 ? { url, events } : { url }));
  const id = fc.constantFrom(...target.ids);
  const request = fc.oneof(
    fc.tuple(fc.constant('POST'), fc.constant('/v1/invoices'), invoice),
    fc.tuple(
      fc.constant('POST'),
      id.map((value) => `/v1/invoices/${value}/cancel`),
      fc.constant(null),
    ),
    fc.tuple(
      fc.constant('GET'),
      id.map((value) => `/v1/invoices/${value}`),
      fc.constant(null),
    ),
    fc.tuple(fc.constant('POST'), fc.constant('/v1/webhook-endpoints'), endpoint),
    fc.tuple(
      fc.constant('DELETE'),
      id.map((value) => `/v1/webhook-endpoints/${value}`),
      fc.constant(null),
    ),
    fc.tuple(
      fc.constantFrom('GET', 'POST'),
      fc
        .tuple(id, fc.constantFrom('', '/deliveries', '/redeliver'))
        .map(([value, tail]) => `/v1/events/${value}${tail}`),
      fc.constant(null),
    ),
    fc.tuple(
      fc.constantFrom('GET'),
      fc.constantFrom('/v1/invoices', '/v1/events', '/v1/webhook-endpoints'),
      fc.constant(null),
    ),
    fc.tuple(
      fc.constant('GET'),
      id.map((value) => `/pay/${value}/status`),
      fc.constant(null),
    ),
  );
  const query = fc.oneof(
    fc.constant(''),
    fc
      .record(
        {
          limit: fc.integer({ min: -1, max: 101 }).map(String),
          status: fc.constantFrom('pending', 'paid', 'canceled', 'bogus'),
          startingAfter: id,
          invoiceId: id,
          type: fc.constantFrom('invoice.created', 'invoice.canceled', 'nope'),
        },
        { requiredKeys: [] },
      )
      .map((params) => new URLSearchParams(params).toString()),
  );
  return fc
    .tuple(
      request,
      query,
      fc.constantFrom(...target.apiKeys),
      fc.option(fc.constantFrom('k1', 'k2', 'k3', 'k4'), { nil: undefined }),
    )
    .map(([[method, path, body], search, key, idempotencyKey]) => {
      const headers: [string, string][] = [['authorization', `Bearer ${key}`]];
      if (body !== null) headers.push(['content-type', 'application/json']);
      if (idempotencyKey && path === '/v1/invoices') headers.push(['idempotency-key', idempotencyKey]);
      return { method, path, query: method === 'GET' ? search : '', headers, body };
    });
}
