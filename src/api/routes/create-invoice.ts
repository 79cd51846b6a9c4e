import { createHash } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import type { TypedResponse } from 'hono';
import { ValidationError } from '../../domain/errors.ts';
import { type InvoiceResource, toInvoiceResource } from '../../domain/invoice.ts';
import { parseAmount } from '../../domain/money.ts';
import { parseReturnUrl } from '../../domain/return-url.ts';
import { runIdempotent, type StoredResponse } from '../../store/idempotency.ts';
import { createInvoice, type NewInvoice } from '../../store/invoices.ts';
import type { Sql } from '../../store/sql.ts';
import type { ApiConfig, ApiDeps, ApiOptions } from '../api-deps.ts';
import type { ApiApp } from '../api-env.ts';
import { CreateInvoiceSchema, errorResponses, InvoiceSchema, idempotentConflict } from '../schemas.ts';

const DEFAULT_EXPIRES_IN_S = 3600;

const route = createRoute({
  method: 'post',
  path: '/v1/invoices',
  summary: 'Create an invoice',
  description:
    'Stores an invoice with a fresh deposit address. With an Idempotency-Key, the same key and body replay the first response.',
  security: [{ bearer: [] }],
  request: {
    headers: z.object({
      'idempotency-key': z
        .string()
        .min(1)
        .max(255)
        .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
        .optional()
        .openapi({ description: 'Replays the first response for a retried request (kept ≥ 24 h)' }),
    }),
    body: { required: true, content: { 'application/json': { schema: CreateInvoiceSchema } } },
  },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: InvoiceSchema } } },
    ...errorResponses(400, 401, 413, 415, 422, 429, 503, 507),
    ...idempotentConflict,
  },
});

export function registerCreateInvoice(
  app: ApiApp,
  deps: Pick<ApiDeps, 'store' | 'clock'> &
    Pick<ApiOptions, 'onEvents'> & {
      config: Pick<ApiConfig, 'chains' | 'publicUrl' | 'allowPrivateWebhookUrls'>;
    },
): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const merchant = c.get('merchant');
    const chain = deps.config.chains.find((candidate) => candidate.chainId === body.chainId);
    if (!chain) {
      const known = deps.config.chains.map((candidate) => candidate.chainId).join(', ');
      throw new ValidationError([{ field: 'chainId', message: `unsupported chain; configured: ${known}` }]);
    }
    const token = chain.tokens.find(
      (candidate) => candidate.symbol.toUpperCase() === body.currency.toUpperCase(),
    );
    if (!token) {
      const known = chain.tokens.map((candidate) => candidate.symbol).join(', ');
      throw new ValidationError([
        { field: 'currency', message: `not accepted on chain ${chain.chainId}; use one of ${known}` },
      ]);
    }
    const amount = parseAmount(body.amount, token.decimals);
    if (!amount.ok) throw new ValidationError([{ field: 'amount', message: amount.message }]);
    const returnUrl =
      body.returnUrl === undefined
        ? undefined
        : parseReturnUrl(body.returnUrl, { allowHttp: deps.config.allowPrivateWebhookUrls });
    if (returnUrl && !returnUrl.ok) {
      throw new ValidationError([{ field: 'returnUrl', message: returnUrl.message }]);
    }

    const now = deps.clock.now();
    const input: NewInvoice = {
      merchantId: merchant.id,
      chainId: chain.chainId,
      token,
      amount: amount.value,
      expiresInSeconds: body.expiresInSeconds ?? DEFAULT_EXPIRES_IN_S,
      orderId: body.orderId,
      description: body.description,
      metadata: body.metadata,
      returnUrl: returnUrl?.url,
    };
    const options = { publicUrl: deps.config.publicUrl, now };
    // The invoice and its response are made in the step, so a stored idempotent response and the
    // invoice it shows commit together.
    function* create(): Sql<StoredResponse> {
      const created = yield* createInvoice(input, options);
      return {
        status: 201,
        body: JSON.stringify(toInvoiceResource(created.invoice, created.transfers, deps.config)),
      };
    }
    const key = c.req.valid('header')['idempotency-key'];
    // The validated body, canonically re-serialized: whitespace or key order do not make it "different".
    const requestHash = key && createHash('sha256').update(JSON.stringify(body)).digest('hex');
    // One write, grouped with the other writes of this moment into one commit on SQLite.
    const response = await deps.store.write(function* () {
      if (key && requestHash) {
        return yield* runIdempotent({ merchantId: merchant.id, key, requestHash, now }, create);
      }
      return { ...(yield* create()), replayed: false };
    });
    // A replay sends the stored response: the same invoice, even if it has moved on since. The
    // stored JSON goes out as it is, byte for byte, not parsed and serialised again; it is the
    // InvoiceResource made above, which the route's type cannot see through a string.
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (response.replayed) headers['idempotent-replayed'] = 'true';
    // invoice.created was committed with the invoice; a replay committed nothing new.
    else deps.onEvents?.();
    return c.body(response.body, 201, headers) as unknown as TypedResponse<InvoiceResource, 201, 'json'>;
  });
}
