import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import { BaseError, DatabaseBusyError, type FieldError, StorageFullError } from '../domain/errors.ts';
import { problemResponse, STATUS_BY_CODE } from '../http/problem.ts';
import type { Logger } from '../observability/logger.ts';
import type { ApiDeps, ApiOptions } from './api-deps.ts';
import type { ApiApp, ApiEnv } from './api-env.ts';
import { requireApiKey } from './auth.ts';
import { limitBodySize } from './body-limit.ts';
import { registerDocs } from './docs.ts';
import { createApiKeyLimiter } from './rate-limit.ts';
import { registerCancelInvoice } from './routes/cancel-invoice.ts';
import { registerCreateApiKey } from './routes/create-api-key.ts';
import { registerCreateInvoice } from './routes/create-invoice.ts';
import { registerCreateSweeps } from './routes/create-sweeps.ts';
import { registerEvents } from './routes/events.ts';
import { registerGetInvoice } from './routes/get-invoice.ts';
import { registerGetSweep } from './routes/get-sweep.ts';
import { registerHealth } from './routes/health.ts';
import { registerListApiKeys } from './routes/list-api-keys.ts';
import { registerListBalances } from './routes/list-balances.ts';
import { registerListChains } from './routes/list-chains.ts';
import { registerListInvoices } from './routes/list-invoices.ts';
import { registerListSweeps } from './routes/list-sweeps.ts';
import { registerMetrics } from './routes/metrics.ts';
import { registerReportSweepTransaction } from './routes/report-sweep-transaction.ts';
import { registerRevokeApiKey } from './routes/revoke-api-key.ts';
import { registerRollWebhookSecret } from './routes/roll-webhook-secret.ts';
import { registerWebhookEndpoints } from './routes/webhook-endpoints.ts';

/** Bodies over 64 KiB are refused with 413 before they are read whole (docs/security.md, "Limits and their defaults"). */
export const MAX_BODY_BYTES = 64 * 1024;

/** zod issues as RFC 9457 `errors[]`, one entry per bad field, named by its path. */
export function fieldErrors(error: ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: base ? `${base}.${key}` : key, message: 'unknown field' }));
    }
    return [{ field: base || '(body)', message: issue.message }];
  });
}

export function createApp(deps: ApiDeps, options: ApiOptions): ApiApp {
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const target = result.target === 'json' ? 'body' : result.target;
        return problemResponse(
          c,
          'validation_failed',
          `The request ${target} has invalid fields.`,
          fieldErrors(result.error),
        );
      }
      return undefined;
    },
  });

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath;
    deps.metrics.httpRequestDuration.observe(
      { method: c.req.method, route, status: String(c.res.status) },
      (performance.now() - started) / 1000,
    );
  });
  app.use('*', limitBodySize(MAX_BODY_BYTES));
  // One instance for every authenticated path, so each key has one set of rate-limit buckets.
  const authenticate = requireApiKey(deps.store, createApiKeyLimiter(deps.config.limits, deps.clock));
  app.use('/v1/invoices', authenticate);
  app.use('/v1/invoices/*', authenticate);
  app.use('/v1/webhook-endpoints', authenticate);
  app.use('/v1/webhook-endpoints/*', authenticate);
  app.use('/v1/events', authenticate);
  app.use('/v1/events/*', authenticate);
  app.use('/v1/api-keys', authenticate);
  app.use('/v1/api-keys/*', authenticate);
  app.use('/v1/sweeps', authenticate);
  app.use('/v1/sweeps/*', authenticate);
  app.use('/v1/balances', authenticate);

  // The routes whose commits write events or deliveries wake the delivery relay after them.
  const wakes: Pick<ApiOptions, 'onEvents'> = options.onEvents ? { onEvents: options.onEvents } : {};
  registerCreateInvoice(app, { ...deps, ...wakes });
  registerListInvoices(app, deps);
  registerGetInvoice(app, deps);
  registerCancelInvoice(app, { ...deps, ...wakes });
  registerWebhookEndpoints(app, deps, options.checkWebhookUrl);
  registerRollWebhookSecret(app, deps);
  registerCreateApiKey(app, deps);
  registerListApiKeys(app, deps);
  registerRevokeApiKey(app, deps);
  registerEvents(app, { ...deps, ...wakes });
  registerCreateSweeps(app, { ...deps, sweeps: options.sweeps });
  registerReportSweepTransaction(app, { ...deps, ...wakes, sweeps: options.sweeps });
  registerListSweeps(app, deps);
  registerGetSweep(app, deps);
  registerListBalances(app, deps);
  registerListChains(app, deps);
  registerHealth(app, options.readiness);
  if (options.serveMetrics !== false) registerMetrics(app, deps);
  options.mount?.(app);
  registerDocs(app);

  app.notFound((c) => problemResponse(c, 'route_not_found', `No route ${c.req.method} ${c.req.path}.`));
  app.onError((error, c) => handleError(deps.logger, error, c));
  return app;
}

/**
 * Every error by its class. The store throws the database's failures typed, whichever engine runs
 * (busy → DatabaseBusyError, full → StorageFullError), so nothing here reads an engine's codes. A
 * class whose code maps to 500 is a bug or a server-side misconfiguration (e.g. a secret the key
 * cannot open): its detail goes to the log, the client gets internal_error.
 */
function handleError(logger: Logger, error: unknown, c: Context): Response {
  if (error instanceof StorageFullError) {
    logger.error({ route: c.req.routePath }, 'database or disk is full');
    return problemResponse(c, error.code, error.message);
  }
  if (error instanceof DatabaseBusyError) {
    logger.warn({ route: c.req.routePath }, 'database busy');
    return problemResponse(c, error.code, error.message);
  }
  if (error instanceof BaseError && STATUS_BY_CODE[error.code] !== 500)
    return problemResponse(c, error.code, error.message, error.errors);
  if (error instanceof HTTPException) {
    if (error.status === 415) {
      return problemResponse(c, 'unsupported_media_type', 'Send the body as application/json.');
    }
    if (error.status === 413) return problemResponse(c, 'payload_too_large', error.message);
    if (error.status === 400)
      return problemResponse(c, 'malformed_json', 'The request body is not valid JSON.');
  }
  logger.error({ err: error, method: c.req.method, route: c.req.routePath }, 'unhandled error');
  return problemResponse(c, 'internal_error', 'An unexpected error occurred; it has been logged.');
}
