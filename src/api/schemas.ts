import { z } from '@hono/zod-openapi';
import { EVENT_TYPES } from '../domain/events.ts';

/** The zod schemas that validate requests are the ones the OpenAPI document is built from. */

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

export const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

/**
 * RFC 9110 §10.2.3 in delay-seconds. Every 503 problem says when to retry: `database_busy` is the
 * only code that maps to 503, and problemResponse always sends it with a Retry-After. Every 429
 * (`rate_limited`) carries the seconds until its token bucket has a token again.
 */
export const RetryAfterHeaders = z.object({
  'Retry-After': z
    .number()
    .int()
    .nonnegative()
    .openapi({ description: 'Seconds to wait before retrying', example: 1 }),
});

/**
 * Problem responses for an operation's `responses`. An operation that reads SQLite (every one
 * behind an API key: the key is looked up there) lists 503 `database_busy`; one that writes also
 * lists 507 `storage_full` and 429 `rate_limited` (every authenticated write spends a token).
 */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: 'Problem',
        content: problemContent,
        ...(status === 503 || status === 429 ? { headers: RetryAfterHeaders } : {}),
      },
    ]),
  );

/**
 * 409 on an operation that takes an `Idempotency-Key`: besides its own conflicts, it answers
 * `idempotency_key_in_flight` with `Retry-After` while a request with the same key is running.
 */
export const idempotentConflict = {
  409: {
    description:
      "Problem: `idempotency_key_in_flight` (carries Retry-After) or `deposit_address_in_use` (the next deposit address is another invoice's)",
    content: problemContent,
    headers: RetryAfterHeaders.partial(),
  },
};

const DecimalString = z.string().openapi({ example: '25.5', description: 'Exact decimal in token units' });
const AddressString = z.string().regex(/^0x[0-9a-fA-F]{40}$/);

export const TokenSchema = z
  .object({ symbol: z.string(), address: AddressString, decimals: z.number().int() })
  .openapi('Token');

export const PaymentSchema = z
  .object({
    txHash: z.string(),
    logIndex: z.number().int(),
    blockNumber: z.number().int(),
    blockHash: z.string(),
    from: AddressString,
    amount: DecimalString,
    confirmations: z
      .number()
      .int()
      .openapi({
        description:
          'Blocks the watcher has followed on top of the payment’s, its own included. On a chain whose ' +
          '`confirmations` is "safe" or "finalized" (GET /v1/chains) it is shown only: the tag decides `status`',
      }),
    status: z.enum(['detected', 'confirmed', 'reverted']),
  })
  .openapi('Payment');

export const MetadataSchema = z
  .record(z.string().max(40), z.string().max(500))
  .refine((value) => Object.keys(value).length <= 20, 'at most 20 keys')
  .openapi({ description: 'Flat string→string map, ≤ 20 keys, values ≤ 500 chars' });

export const InvoiceSchema = z
  .object({
    id: z.string().openapi({ example: 'inv_01jd3x9q0000000000000000000' }),
    object: z.literal('invoice'),
    status: z.enum(['pending', 'processing', 'paid', 'expired', 'canceled']),
    exception: z.enum(['underpaid', 'overpaid', 'paid_late']).nullable(),
    amount: DecimalString,
    amountPaid: DecimalString,
    amountDue: DecimalString,
    currency: z.string(),
    chainId: z.number().int(),
    token: TokenSchema,
    depositAddress: AddressString,
    depositMode: z.enum(['xpub', 'forwarder']).openapi({
      description:
        "`xpub`: child i of the merchant's xpub; `forwarder`: a forwarder contract that can only send to the merchant's payout address, where sweeps move the funds",
    }),
    paymentUri: z.string().openapi({ description: 'EIP-681 transfer request for the amount due' }),
    checkoutUrl: z.string(),
    orderId: z.string().nullable(),
    description: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    returnUrl: z
      .string()
      .nullable()
      .openapi({ description: 'Where the checkout\'s "Back to <merchant>" button leads once paid' }),
    payments: z.array(PaymentSchema),
    createdAt: z.string(),
    expiresAt: z.string(),
    paidAt: z.string().nullable(),
  })
  .openapi('Invoice');

export const CreateInvoiceSchema = z
  .strictObject({
    amount: z
      .string()
      .max(100)
      .openapi({ example: '25.5', description: 'Positive decimal, at most the token decimals' }),
    currency: z.string().min(1).max(16).openapi({ example: 'USDC' }),
    chainId: z.number().int().positive().openapi({ example: 31337 }),
    expiresInSeconds: z.number().int().min(1).max(2_592_000).optional().openapi({ example: 3600 }),
    orderId: z.string().max(200).optional(),
    description: z.string().max(1000).optional(),
    metadata: MetadataSchema.optional(),
    returnUrl: z.string().max(2048).optional().openapi({
      example: 'https://shop.example/orders/42',
      description:
        'Shown as a "Back to <merchant>" button on the checkout page once paid. https; http only where the operator sets ALLOW_PRIVATE_WEBHOOK_URLS=true (the devnet does)',
    }),
  })
  .openapi('CreateInvoice');

export const EventTypeSchema = z.enum(EVENT_TYPES);

export const WebhookEndpointSchema = z
  .object({
    id: z.string(),
    object: z.literal('webhook_endpoint'),
    url: z.string(),
    events: z.array(EventTypeSchema).nullable(),
    status: z.enum(['enabled', 'disabled']),
    disabledReason: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('WebhookEndpoint');

export const CreateWebhookEndpointSchema = z
  .strictObject({
    url: z.string().max(2048).openapi({ example: 'https://shop.example/webhooks/stablegate' }),
    events: z
      .array(EventTypeSchema)
      .min(1)
      .max(EVENT_TYPES.length)
      .refine((types) => new Set(types).size === types.length, 'must not repeat an event type')
      .optional(),
  })
  .openapi('CreateWebhookEndpoint');

export const ListQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(10)
    .openapi({ param: { name: 'limit', in: 'query' } }),
  startingAfter: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: 'startingAfter', in: 'query' } }),
});

export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), hasMore: z.boolean() });

export const IdParamSchema = (prefix: string) =>
  z.object({
    id: z
      .string()
      .max(64)
      .openapi({ param: { name: 'id', in: 'path' }, example: `${prefix}_01jd3x9q0000000000000000000` }),
  });
