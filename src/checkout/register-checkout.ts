import type { Context, Env, Hono, MiddlewareHandler } from 'hono';
import type { Config } from '../config/env.ts';
import type { Clock } from '../domain/clock.ts';
import { isId } from '../domain/ids.ts';
import { clientKey } from '../http/client-address.ts';
import { problemResponse } from '../http/problem.ts';
import { rateLimitedResponse } from '../http/rate-limited-response.ts';
import { createTokenBuckets } from '../http/token-buckets.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { readInvoiceVersion } from '../store/invoice-version.ts';
import { type InvoiceWithTransfers, loadInvoice } from '../store/invoices.ts';
import { getMerchant } from '../store/merchants.ts';
import type { Sql } from '../store/sql.ts';
import type { Store } from '../store/store.ts';
import { createCheckoutAssets } from './checkout-assets.ts';
import { checkoutHeaders } from './checkout-headers.ts';
import { renderCheckoutPage, renderNotFoundPage } from './checkout-page.tsx';
import { type CheckoutStatus, toCheckoutStatus } from './checkout-status.ts';
import { toCheckoutView } from './checkout-view.ts';
import { negotiateLanguage } from './i18n.ts';
import { createQrCache } from './qr-cache.ts';
import { renderQrSvg } from './qr-code.ts';
import { streamCheckoutStatus } from './status-stream.ts';
import { createStreamLimits } from './stream-limits.ts';
import { createWalletChainResolver } from './wallet-chain.ts';

/** What the payer's routes use: the store, the clock, the QR render counter and three settings. */
export type CheckoutDeps = {
  store: Pick<Store, 'read'>;
  clock: Clock;
  logger: Logger;
  metrics: Pick<Metrics, 'checkoutQrRenders'>;
  config: Pick<Config, 'chains' | 'limits' | 'trustProxyHops'>;
};

/** The invoice and its merchant's name, as the page shows them: one snapshot. */
function* loadPageInvoice(id: string): Sql<{ found: InvoiceWithTransfers; merchantName: string } | null> {
  const found = yield* loadInvoice(id);
  if (!found) return null;
  const merchant = yield* getMerchant(found.invoice.merchantId);
  return { found, merchantName: merchant?.name ?? '' };
}

/** What a client refused a status stream is asked to wait before opening another. */
const STREAM_RETRY_AFTER_S = 30;

/**
 * The payer's side (docs/security.md, "Who can reach what": anyone on the internet): public, unauthenticated routes keyed by the invoice id,
 * whose 80 random bits make the URL the capability. They answer only what a payer needs: no
 * merchant id, orderId or metadata, and nothing of any other invoice.
 *
 * - `GET /pay/:id` the page (HTML), `GET /pay/:id/status` its status (JSON),
 * - `GET /pay/:id/events` the status as Server-Sent Events, `GET /pay/:id/qr.svg` the QR code of
 *   what is still due, `GET /pay/assets/:name` the page's script and stylesheet.
 *
 * Every route but the static assets spends a token of its client address's bucket
 * (`RATE_LIMIT_PAY_*`); streams are capped per client, per invoice and per process as well.
 */
export function registerCheckout<E extends Env>(app: Hono<E>, deps: CheckoutDeps): void {
  const assets = createCheckoutAssets();
  const resolveAddChain = createWalletChainResolver();
  const { limits, trustProxyHops } = deps.config;
  const streamLimits = createStreamLimits(limits.streams);
  const clientOf = (c: Context) => clientKey(c, trustProxyHops);
  const payBuckets = createTokenBuckets(limits.pay, { clock: deps.clock });
  const limitClient: MiddlewareHandler<E> = async (c, next) => {
    const taken = payBuckets.take(clientOf(c));
    if (!taken.ok) return rateLimitedResponse(c, taken.retryAfterS, 'Too many requests from this address.');
    await next();
    return undefined;
  };
  const qrCodes = createQrCache({
    render: (text) => {
      deps.metrics.checkoutQrRenders.inc();
      return renderQrSvg(text);
    },
  });
  const chainOf = (chainId: number) => deps.config.chains.find((chain) => chain.chainId === chainId);

  // An id that is not an invoice id is answered as not found without asking the store.
  const load = async (id: string): Promise<InvoiceWithTransfers | null> =>
    isId('inv', id) ? deps.store.read(loadInvoice, id) : null;
  const statusOf = (found: InvoiceWithTransfers): CheckoutStatus =>
    toCheckoutStatus(found, chainOf(found.invoice.chainId), deps.clock.now());
  const languageOf = (c: Context) =>
    negotiateLanguage({ query: c.req.query('lang'), acceptLanguage: c.req.header('accept-language') });
  const notFoundJson = (c: Context, id: string) =>
    problemResponse(c, 'invoice_not_found', `No invoice ${id}.`);

  app.use('/pay/*', checkoutHeaders());

  app.get('/pay/assets/:name', async (c) => {
    const served = assets.serve(c, c.req.param('name'));
    return served ?? c.html(await renderNotFoundPage(languageOf(c), assets.urls.style), 404);
  });

  app.get('/pay/:id', limitClient, async (c) => {
    const language = languageOf(c);
    // The page shows live state and is chosen by Accept-Language: never cache it shared.
    c.header('cache-control', 'no-store');
    c.header('vary', 'Accept-Language');
    const id = c.req.param('id');
    const page = isId('inv', id) ? await deps.store.read(loadPageInvoice, id) : null;
    if (!page) return c.html(await renderNotFoundPage(language, assets.urls.style), 404);
    const { found, merchantName } = page;
    const { invoice } = found;
    const chain = chainOf(invoice.chainId);
    const view = toCheckoutView({
      invoiceId: invoice.id,
      merchantName,
      description: invoice.description,
      status: statusOf(found),
      language,
      addChain: chain ? await resolveAddChain(chain) : null,
      assets: assets.urls,
    });
    return c.html(await renderCheckoutPage(view), 200);
  });

  app.get('/pay/:id/status', limitClient, async (c) => {
    const found = await load(c.req.param('id'));
    if (!found) return notFoundJson(c, c.req.param('id'));
    return c.json(statusOf(found), 200, { 'cache-control': 'no-store' });
  });

  app.get('/pay/:id/events', limitClient, async (c) => {
    const id = c.req.param('id');
    if (!(await load(id))) return notFoundJson(c, id);
    // HEAD is answered by this GET handler with the body dropped: a stream nobody reads would
    // never end, and would hold its slot for good.
    if (c.req.method === 'HEAD') return c.body(null, 200, { 'content-type': 'text/event-stream' });
    const release = streamLimits.acquire(id, clientOf(c));
    if (!release) {
      c.header('retry-after', String(STREAM_RETRY_AFTER_S));
      return problemResponse(
        c,
        'too_many_streams',
        'Too many open status streams; poll the status JSON instead.',
      );
    }
    return streamCheckoutStatus(
      c,
      {
        readVersion: () => deps.store.read(readInvoiceVersion, id),
        readStatus: async () => {
          const found = await load(id);
          return found ? statusOf(found) : null;
        },
      },
      { logger: deps.logger, onClose: release },
    );
  });

  app.get('/pay/:id/qr.svg', limitClient, async (c) => {
    const found = await load(c.req.param('id'));
    if (!found) return notFoundJson(c, c.req.param('id'));
    // Always the EIP-681 request for what is due now; the page's `?due=` only busts caches. The
    // request names the invoice's deposit address and the amount due, so it is the cache key.
    const svg = await qrCodes.get(found.invoice.id, statusOf(found).paymentUri);
    return c.body(svg, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'no-cache' });
  });
}
