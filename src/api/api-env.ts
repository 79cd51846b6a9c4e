import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Merchant } from '../domain/merchant.ts';

/**
 * Hono's per-request variables, set by requireApiKey: the authenticated merchant, and the id of
 * the API key that authenticated it, which per-key rate limits are keyed on.
 */
export type ApiEnv = { Variables: { merchant: Merchant; apiKeyId: string } };

export type ApiApp = OpenAPIHono<ApiEnv>;
