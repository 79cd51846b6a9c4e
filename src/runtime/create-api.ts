import { createApp } from '../api/app.ts';
import type { ReadinessCheck } from '../api/routes/health.ts';
import { registerCheckout } from '../checkout/register-checkout.ts';
import { checkWebhookUrl } from '../notify/url-guard.ts';
import type { AppContext } from './context.ts';

/** The HTTP app with its real dependencies: the SSRF guard and the readiness checks. */
export function createApi(ctx: AppContext, options: { readiness?: ReadinessCheck } = {}) {
  return createApp(ctx, {
    checkWebhookUrl: (url) => checkWebhookUrl(url, { allowPrivate: ctx.config.allowPrivateWebhookUrls }),
    ...(options.readiness ? { readiness: options.readiness } : {}),
    serveMetrics: ctx.config.metrics === null,
    mount: (app) => registerCheckout(app, ctx),
  });
}
