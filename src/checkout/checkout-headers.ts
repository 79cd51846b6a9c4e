import type { MiddlewareHandler } from 'hono';

/**
 * CSP Level 3 for the payer's page: scripts, styles and fetches only from this origin (so no
 * inline script can run even if a merchant name were to slip through escaping), images from here
 * or `data:`, no plugins, no forms, no base rewriting, and no framing (clickjacking of "Pay").
 */
export const CHECKOUT_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Security headers on every checkout response, including its 404s and assets. */
export function checkoutHeaders(): MiddlewareHandler {
  return async function checkoutHeaders(c, next) {
    await next();
    c.res.headers.set('content-security-policy', CHECKOUT_CSP);
    c.res.headers.set('x-content-type-options', 'nosniff');
    // The page URL is a bearer capability for the invoice: never leak it to another site.
    c.res.headers.set('referrer-policy', 'no-referrer');
    // For browsers that predate frame-ancestors.
    c.res.headers.set('x-frame-options', 'DENY');
    c.res.headers.set('cross-origin-opener-policy', 'same-origin');
    c.res.headers.set('cross-origin-resource-policy', 'same-origin');
  };
}
