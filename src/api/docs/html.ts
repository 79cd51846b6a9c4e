/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * Inline Markdown of OpenAPI descriptions (CommonMark code spans only): the text is escaped first,
 * then `code` becomes <code>.
 */
export function inlineMarkdown(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** A JSON example as a preformatted block. */
export function jsonBlock(value: unknown, label: string): string {
  return `<pre class="example" aria-label="${escapeHtml(label)}"><code>${escapeHtml(JSON.stringify(value, null, 2))}</code></pre>`;
}

/** `POST /v1/invoices/{id}/cancel` → `operation-post-v1-invoices-id-cancel`: stable fragment ids. */
export function operationAnchor(method: string, path: string): string {
  const slug = path
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `operation-${method.toLowerCase()}-${slug}`;
}
