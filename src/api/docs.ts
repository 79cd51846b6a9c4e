import type { ApiApp } from './api-env.ts';
import { DOCS_STYLE_HASH, type OpenApiDocument, renderDocsPage } from './docs/render-docs-page.ts';

/**
 * `/openapi.json` is generated from the same zod schemas that validate requests. `/docs` renders it
 * on the server (src/api/docs/): operations, webhook events, error codes (`/docs#error-<code>`, the
 * `type` of every problem body) and schemas, with no script, stylesheet or font from anywhere.
 */
export function registerDocs(app: ApiApp): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'API key, `sk_…`',
  });
  const documentConfig = {
    openapi: '3.1.0',
    info: {
      title: 'stablegate API',
      version: '1',
      description: 'Self-hosted, non-custodial stablecoin payment gateway. Errors are RFC 9457 problem+json.',
    },
  };
  app.doc31('/openapi.json', documentConfig);

  // Rendered once, on first request: every route is registered by then and the document is fixed.
  let page: string | undefined;
  app.get('/docs', (c) => {
    page ??= renderDocsPage(app.getOpenAPI31Document(documentConfig) as unknown as OpenApiDocument);
    // Nothing but its own inline stylesheet may load (CSP Level 3 hash source).
    c.header(
      'content-security-policy',
      `default-src 'none'; style-src '${DOCS_STYLE_HASH}'; base-uri 'none'; frame-ancestors 'none'`,
    );
    return c.html(page);
  });
}
