import type { ApiApp } from './api-env.ts';

/**
 * `/openapi.json` is generated from the same zod schemas that validate requests. `/docs` renders it
 * as plain HTML on the server: no script or stylesheet from another host, like every page we serve.
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

  app.get('/docs', (c) => {
    const document = app.getOpenAPI31Document(documentConfig);
    const sections = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.entries(item ?? {}).map(([method, operation]) => {
        const op = operation as { summary?: string; description?: string; security?: unknown[] };
        return `<section><h2><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h2><p>${escapeHtml(op.summary ?? '')}${
          op.security ? ' <em>(API key)</em>' : ''
        }</p>${op.description ? `<p>${escapeHtml(op.description)}</p>` : ''}</section>`;
      }),
    );
    return c.html(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>stablegate API</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#111}code{background:#f3f3f3;padding:.1rem .3rem;border-radius:4px}h2{font-size:1.05rem;margin-bottom:.2rem}</style></head><body><h1>stablegate API</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Authenticate with <code>Authorization: Bearer sk_…</code>. Errors are <code>application/problem+json</code> (RFC 9457) with <code>errors[].field</code>.</p>${sections.join('')}</body></html>`,
    );
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
