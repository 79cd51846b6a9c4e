import { escapeHtml, inlineMarkdown } from './html.ts';
import { type Components, type JsonSchema, refName, resolve, typeOf } from './json-schema.ts';

/** Where a named schema (an OpenAPI component) is described on the page. */
export const schemaAnchor = (name: string) => `schema-${name}`;

const schemaLink = (name: string) => `<a href="#${schemaAnchor(name)}"><code>${escapeHtml(name)}</code></a>`;

/** A short type label: `string`, `integer`, `Invoice` (linked), `array of Payment`, `"a" | "b"`. */
export function typeLabel(schema: JsonSchema): string {
  if (schema.$ref) return schemaLink(refName(schema.$ref));
  const { type, nullable } = typeOf(schema);
  const orNull = nullable ? ' | null' : '';
  const values = schema.enum?.filter((value) => value !== null);
  if (values?.length) {
    return values.map((value) => `<code>${escapeHtml(JSON.stringify(value))}</code>`).join(' | ') + orNull;
  }
  if (type === 'array') return `array of ${schema.items ? typeLabel(schema.items) : 'any'}${orNull}`;
  if (type === 'object' && typeof schema.additionalProperties === 'object' && !schema.properties) {
    return `map of string → ${typeLabel(schema.additionalProperties)}${orNull}`;
  }
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return variants.map(typeLabel).join(' | ');
  return `${type ?? 'any'}${orNull}`;
}

/** Validation limits as words: what a client must respect to avoid a 400. */
export function constraintsOf(schema: JsonSchema): string[] {
  const notes: string[] = [];
  const range = (low: number | undefined, high: number | undefined, unit: string) => {
    if (low !== undefined && high !== undefined) notes.push(`${low}–${high}${unit}`);
    else if (low !== undefined) notes.push(`≥ ${low}${unit}`);
    else if (high !== undefined) notes.push(`≤ ${high}${unit}`);
  };
  range(schema.minimum, schema.maximum, '');
  range(schema.minLength, schema.maxLength, ' chars');
  range(schema.minItems, schema.maxItems, ' items');
  if (schema.pattern) notes.push(`pattern <code>${escapeHtml(schema.pattern)}</code>`);
  if (schema.default !== undefined)
    notes.push(`default <code>${escapeHtml(JSON.stringify(schema.default))}</code>`);
  return notes;
}

function isInlineObject(schema: JsonSchema): boolean {
  return !schema.$ref && typeOf(schema).type === 'object' && schema.properties !== undefined;
}

/**
 * An object schema as a table of its fields (type, required, description, limits); inline nested
 * objects become nested tables, named schemas a link to their own section.
 */
export function renderSchema(schema: JsonSchema, components: Components, depth = 0): string {
  const resolved = depth === 0 ? resolve(schema, components) : schema;
  if (!isInlineObject(resolved)) {
    const notes = constraintsOf(resolved);
    return `<p>${typeLabel(schema)}${notes.length ? ` (${notes.join(', ')})` : ''}</p>`;
  }
  const required = new Set(resolved.required ?? []);
  const rows = Object.entries(resolved.properties ?? {}).map(([name, property]) => {
    const notes = constraintsOf(property);
    const about = [property.description ? inlineMarkdown(property.description) : '', ...notes]
      .filter(Boolean)
      .join('; ');
    const nested = depth < 3 && isInlineObject(property) ? renderSchema(property, components, depth + 1) : '';
    const label = isInlineObject(property) ? 'object' : typeLabel(property);
    return `<tr><td><code>${escapeHtml(name)}</code></td><td>${label}</td><td>${
      required.has(name) ? 'required' : 'optional'
    }</td><td>${about}${nested}</td></tr>`;
  });
  const closed =
    resolved.additionalProperties === false ? '<p class="muted">Unknown fields are refused (400).</p>' : '';
  return `<table class="fields"><thead><tr><th>field</th><th>type</th><th></th><th>meaning</th></tr></thead><tbody>${rows.join(
    '',
  )}</tbody></table>${closed}`;
}

/** Every named schema with its own anchor, so `typeLabel` links always land. */
export function renderComponents(components: Components): string {
  return Object.entries(components)
    .map(
      ([name, schema]) =>
        `<section id="${schemaAnchor(name)}" class="schema"><h3><code>${escapeHtml(name)}</code></h3>${
          schema.description ? `<p>${inlineMarkdown(schema.description)}</p>` : ''
        }${renderSchema(schema, components)}</section>`,
    )
    .join('');
}
