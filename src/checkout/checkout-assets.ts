import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Context } from 'hono';

/** A year, the longest max-age RFC 9111 suggests; safe because each URL carries its content hash. */
const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';

type Asset = { body: string; contentType: string; hash: string };

export type CheckoutAssets = {
  /** Versioned URLs for the page: `/pay/assets/<name>?v=<hash>`. */
  urls: { script: string; style: string };
  /** Answers `/pay/assets/:name`, or null for a name that is not ours. */
  serve(c: Context, name: string): Response | null;
};

function loadAsset(name: string, contentType: string): Asset {
  const body = readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');
  return { body, contentType, hash: createHash('sha256').update(body).digest('hex').slice(0, 16) };
}

/**
 * The page's only script and stylesheet, read once at startup and served by the gateway itself:
 * the CSP allows `'self'` and nothing else, so there is no CDN and no inline code. The URL carries
 * a hash of the content, so it can be cached for a year and a new release is fetched at once; a
 * request with a stale or missing hash gets the current file, revalidated instead of cached.
 */
export function createCheckoutAssets(): CheckoutAssets {
  const assets = new Map<string, Asset>([
    ['checkout.js', loadAsset('checkout.js', 'text/javascript; charset=utf-8')],
    ['checkout.css', loadAsset('checkout.css', 'text/css; charset=utf-8')],
  ]);
  const urlOf = (name: string) => `/pay/assets/${name}?v=${assets.get(name)?.hash ?? ''}`;
  return {
    urls: { script: urlOf('checkout.js'), style: urlOf('checkout.css') },
    serve(c, name) {
      const asset = assets.get(name);
      if (!asset) return null;
      const etag = `"${asset.hash}"`;
      const cacheControl = c.req.query('v') === asset.hash ? IMMUTABLE_CACHE : 'no-cache';
      const headers = { 'content-type': asset.contentType, 'cache-control': cacheControl, etag };
      if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
      return c.body(asset.body, 200, headers);
    },
  };
}
