import type { ApiOptions } from '../api/api-deps.ts';
import { createApp } from '../api/app.ts';
import type { ReadinessCheck } from '../api/routes/health.ts';
import { registerCheckout } from '../checkout/register-checkout.ts';
import { checkWebhookUrl } from '../notify/url-guard.ts';
import { createSweepService } from '../sweep/create-sweep-service.ts';
import type { AppContext } from './context.ts';

/**
 * The HTTP app with its real dependencies: the SSRF guard, the sweep service, the readiness checks
 * and the payer's checkout routes. Tests pass `checkWebhookUrl` to accept their loopback receivers.
 */
export function createApi(
  ctx: AppContext,
  options: {
    readiness?: ReadinessCheck;
    checkWebhookUrl?: ApiOptions['checkWebhookUrl'];
    onEvents?: ApiOptions['onEvents'];
  } = {},
) {
  return createApp(ctx, {
    checkWebhookUrl:
      options.checkWebhookUrl ??
      ((url) => checkWebhookUrl(url, { allowPrivate: ctx.config.allowPrivateWebhookUrls })),
    sweeps: createSweepService(ctx),
    ...(options.readiness ? { readiness: options.readiness } : {}),
    ...(options.onEvents ? { onEvents: options.onEvents } : {}),
    serveMetrics: ctx.config.metrics === null,
    mount: (app) => registerCheckout(app, ctx),
  });
}
