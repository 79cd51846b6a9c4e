/**
 * The slice of JSON Schema (OpenAPI 3.1 uses JSON Schema 2020-12) that our zod schemas generate,
 * and the two things the reference needs from it: following `$ref`s and making an example.
 */
export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  description?: string;
  example?: unknown;
  default?: unknown;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
};

export type Components = Record<string, JsonSchema>;

/** `#/components/schemas/Invoice` → `Invoice`. */
export const refName = (ref: string): string => ref.slice(ref.lastIndexOf('/') + 1);

export function resolve(schema: JsonSchema, components: Components): JsonSchema {
  return schema.$ref ? (components[refName(schema.$ref)] ?? {}) : schema;
}

/** The non-null type of `["string", "null"]`, and whether null is allowed. */
export function typeOf(schema: JsonSchema): { type: string | undefined; nullable: boolean } {
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  return { type: types.find((type) => type !== 'null'), nullable: types.includes('null') };
}

const EXAMPLE_ADDRESS = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const EXAMPLE_HASH = `0x${'9f'.repeat(32)}`;
const EXAMPLE_TIME = '2026-01-01T12:00:00.000Z';

function exampleString(schema: JsonSchema, name: string): string {
  if (schema.pattern?.includes('{40}')) return EXAMPLE_ADDRESS;
  if (/hash$/i.test(name)) return EXAMPLE_HASH;
  if (/At$/.test(name) || schema.format === 'date-time') return EXAMPLE_TIME;
  if (/url$/i.test(name) || schema.format === 'uri') return 'https://shop.example/';
  return name ? `<${name}>` : 'string';
}

/**
 * A plausible value for a schema: its own `example` or `default` first, then one built from its
 * type. Every property is filled in, optional or not, so a reader sees each field once.
 */
export function exampleOf(schema: JsonSchema, components: Components, name = '', depth = 0): unknown {
  if (depth > 8) return null;
  if (schema.$ref) return exampleOf(resolve(schema, components), components, name, depth + 1);
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  const first = schema.anyOf?.[0] ?? schema.oneOf?.[0] ?? schema.allOf?.[0];
  if (first) return exampleOf(first, components, name, depth + 1);
  const nonNull = schema.enum?.find((value) => value !== null);
  if (nonNull !== undefined) return nonNull;
  const { type } = typeOf(schema);
  switch (type) {
    case 'object': {
      const entries = Object.entries(schema.properties ?? {}).map(([key, property]) => [
        key,
        exampleOf(property, components, key, depth + 1),
      ]);
      if (entries.length === 0 && typeof schema.additionalProperties === 'object') {
        return { key: exampleOf(schema.additionalProperties, components, 'value', depth + 1) };
      }
      return Object.fromEntries(entries);
    }
    case 'array':
      return schema.items ? [exampleOf(schema.items, components, name, depth + 1)] : [];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'string':
      return exampleString(schema, name);
    default:
      return null;
  }
}
