import { createHash } from 'node:crypto';
import { EVENT_TYPES } from '../../domain/events.ts';
import { escapeHtml, operationAnchor } from './html.ts';
import type { Components } from './json-schema.ts';
import { renderErrors } from './render-errors.ts';
import { eventAnchor, renderEvents } from './render-events.ts';
import { listOperations, renderOperation } from './render-operations.ts';
import { renderComponents, schemaAnchor } from './render-schema.ts';

export type OpenApiDocument = {
  info?: { title?: string; description?: string };
  paths?: Record<string, Record<string, unknown> | undefined>;
  components?: { schemas?: Record<string, unknown> };
};

/** System fonts and one inline stylesheet: the page loads nothing, from us or anyone else. */
const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#111;background:#fff}
.layout{display:grid;grid-template-columns:16rem minmax(0,1fr);max-width:80rem;margin:0 auto}
nav{position:sticky;top:0;max-height:100vh;overflow:auto;padding:1rem;font-size:.9rem;border-right:1px solid #e5e5e5}
nav ul{list-style:none;padding-left:.5rem;margin:.2rem 0 .8rem}main{padding:1rem 2rem;min-width:0}
code{background:#f3f3f3;padding:.05rem .3rem;border-radius:4px;font-size:.9em}pre code{background:none;padding:0}
pre{background:#f6f8fa;padding:.8rem;border-radius:6px;overflow:auto;font-size:.85rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.92rem}th,td{border-bottom:1px solid #eee;padding:.3rem .4rem;text-align:left;vertical-align:top}
.operation,.event,.schema{border-top:1px solid #ddd;padding-top:.6rem;margin-top:1.4rem}.method{font-weight:700;color:#0a5}
.muted{color:#666}:target{background:#fff7d6}h4{margin:.8rem 0 .2rem}
@media (max-width:50rem){.layout{display:block}nav{position:static;max-height:none;border:0}}
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}code,pre{background:#222}th,td{border-color:#333}:target{background:#332}nav{border-color:#333}}`;

/** The stylesheet's CSP hash source, so the page's policy allows it and nothing else. */
export const DOCS_STYLE_HASH = `sha256-${createHash('sha256').update(STYLE).digest('base64')}`;

function renderNav(document: OpenApiDocument, components: Components): string {
  const link = (href: string, text: string) => `<li><a href="#${href}">${text}</a></li>`;
  const operations = listOperations(document.paths ?? {})
    .map(({ method, path }) =>
      link(operationAnchor(method, path), `${method} <code>${escapeHtml(path)}</code>`),
    )
    .join('');
  const events = EVENT_TYPES.map((type) => link(eventAnchor(type), `<code>${type}</code>`)).join('');
  const schemas = Object.keys(components)
    .map((name) => link(schemaAnchor(name), `<code>${escapeHtml(name)}</code>`))
    .join('');
  return `<nav aria-label="Contents"><strong>stablegate API</strong><ul>${link('operations', 'Operations')}<li><ul>${operations}</ul></li>${link(
    'events',
    'Webhook events',
  )}<li><ul>${events}</ul></li>${link('errors', 'Errors')}${link('schemas', 'Schemas')}<li><ul>${schemas}</ul></li></ul></nav>`;
}

/** The whole reference, rendered from the same OpenAPI document `/openapi.json` serves. */
export function renderDocsPage(document: OpenApiDocument): string {
  const components = (document.components?.schemas ?? {}) as Components;
  const operations = listOperations(document.paths ?? {})
    .map((entry) => renderOperation(entry, components))
    .join('');
  const title = escapeHtml(document.info?.title ?? 'API');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark"><title>${title}</title><style>${STYLE}</style></head><body><div class="layout">${renderNav(
    document,
    components,
  )}<main><h1>${title}</h1><p>${escapeHtml(
    document.info?.description ?? '',
  )}</p><p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1, generated from the schemas that validate requests). JSON is camelCase; amounts are exact decimal strings in token units, never numbers. Authenticate with <code>Authorization: Bearer sk_…</code>; another merchant's object answers 404.</p><section id="operations"><h2>Operations</h2>${operations}</section>${renderEvents(
    components,
  )}${renderErrors()}<section id="schemas"><h2>Schemas</h2>${renderComponents(components)}</section></main></div></body></html>`;
}
