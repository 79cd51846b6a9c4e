import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Merchant } from '../store/merchants.ts';

/** Hono's per-request variables: the authenticated merchant, set by requireApiKey. */
export type ApiEnv = { Variables: { merchant: Merchant } };

export type ApiApp = OpenAPIHono<ApiEnv>;
