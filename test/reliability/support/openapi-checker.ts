import { z } from 'zod';
import { ProblemSchema } from '../../../src/api/schemas.ts';
import type { ErrorCode } from '../../../src/domain/errors.ts';
import { STATUS_BY_CODE } from '../../../src/http/problem.ts';
import type { FuzzTarget } from './api-fuzz-target.ts';
import type { FuzzRequest } from './fuzz-request.ts';

type JsonSchema = Record<string, unknown>;
type Operation = { method: string; pattern: RegExp; template: string; responses: Record<string, JsonSchema> };

/** What a public page may answer besides JSON and problem+json. */
const PAGE_TYPES =
  /^(text\/html|text\/plain|image\/svg\+xml|text\/css|text\/javascript|application\/javascript|text\/event-stream)/;

/** The media type of a Content-Type header, without parameters. */
const mediaType = (header: string | null) => (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/** Replaces `$ref`s by the component they name: zod's fromJSONSchema reads one self-contained schema. */
function deref(node: unknown, components: Record<string, JsonSchema>): unknown {
  if (Array.isArray(node)) return node.map((item) => deref(item, components));
  if (node === null || typeof node !== 'object') return node;
  const ref = (node as { $ref?: string }).$ref;
  if (ref) return deref(components[ref.replace('#/components/schemas/', '')], components);
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, deref(value, components)]));
}

function loadOperations(document: {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }> }>
  >;
  components: { schemas: Record<string, JsonSchema> };
}): Operation[] {
  return Object.entries(document.paths).flatMap(([template, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      method: method.toUpperCase(),
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      responses: Object.fromEntries(
        Object.entries(operation.responses).flatMap(([status, response]) =>
          Object.entries(response.content ?? {}).map(([type, media]) => [
            `${status} ${type}`,
            deref(media.schema, document.components.schemas) as JsonSchema,
          ]),
        ),
      ),
    })),
  );
}

export type ResponseCheck = { status: string; problem: string | null; body: unknown };

/**
 * Sends requests to the app and judges each answer against /openapi.json: below 500, JSON or
 * problem+json (or a public page's HTML, SVG, text), an RFC 9457 problem whose `status` and
 * `code` agree with the HTTP status, and the schema documented for that operation and status.
 */
export async function createResponseChecker(app: FuzzTarget['app']) {
  const operations = loadOperations(await (await app.request('/openapi.json')).json());
  const schemas = new Map<string, z.ZodType>();
  const schemaFor = (operation: Operation, key: string): z.ZodType | undefined => {
    const json = operation.responses[key];
    if (!json) return undefined;
    const cacheKey = `${operation.method} ${operation.template} ${key}`;
    let schema = schemas.get(cacheKey);
    if (!schema) {
      schema = z.fromJSONSchema(json as Parameters<typeof z.fromJSONSchema>[0]);
      schemas.set(cacheKey, schema);
    }
    return schema;
  };
  return {
    operations,
    async check(request: FuzzRequest): Promise<ResponseCheck> {
      let status = 'threw';
      let body: unknown;
      const problem = await checkResponse(app, request, operations, schemaFor, (answered, parsed) => {
        status = String(answered);
        body = parsed;
      });
      return { status, problem, body };
    },
  };
}

async function checkResponse(
  app: FuzzTarget['app'],
  request: FuzzRequest,
  operations: Operation[],
  schemaFor: (operation: Operation, key: string) => z.ZodType | undefined,
  onAnswer: (status: number, body?: unknown) => void,
): Promise<string | null> {
  const url = `${request.path}${request.query ? `?${request.query}` : ''}`;
  let response: Response;
  try {
    response = await app.request(url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === null ? {} : { body: request.body }),
    });
  } catch (error) {
    return `threw instead of answering: ${(error as Error).message}`;
  }
  const status = response.status;
  onAnswer(status);
  const type = mediaType(response.headers.get('content-type'));
  if (type === 'text/event-stream') {
    await response.body?.cancel();
    return status >= 500 ? `${status} on an event stream` : null;
  }
  const text = await response.text();
  const pathname = request.path;
  const operation = operations.find(
    (candidate) => candidate.method === request.method && candidate.pattern.test(pathname),
  );
  // Operations document 503 database_busy and 507 storage_full, but a fuzz run neither holds the
  // database nor fills the disk: here they are bugs like any 5xx (sqlite-faults.test.ts causes
  // them for real). /readyz's 503 not_ready is an answer, not a failure.
  if (status >= 500 && !(status === 503 && operation?.template === '/readyz')) {
    return `${status}: ${text.slice(0, 300)}`;
  }
  if (request.method === 'HEAD') return null;
  let body: unknown;
  if (type === 'application/json' || type === 'application/problem+json') {
    try {
      body = JSON.parse(text);
    } catch {
      return `${status} ${type} whose body is not JSON: ${text.slice(0, 200)}`;
    }
    onAnswer(status, body);
  } else if (operation || !PAGE_TYPES.test(type)) {
    return `${status} with content-type "${type}" (expected JSON or problem+json): ${text.slice(0, 200)}`;
  }
  if (type === 'application/problem+json') {
    const parsed = ProblemSchema.safeParse(body);
    if (!parsed.success) return `${status} problem that is not RFC 9457-shaped: ${text.slice(0, 300)}`;
    if (parsed.data.status !== status)
      return `problem says status ${parsed.data.status}, HTTP says ${status}`;
    if (STATUS_BY_CODE[parsed.data.code as ErrorCode] !== status) {
      return `problem code "${parsed.data.code}" does not map to ${status} in STATUS_BY_CODE`;
    }
  }
  if (!operation) return null;
  const key = `${status} ${type}`;
  const schema = schemaFor(operation, key);
  if (!schema) {
    const documented = Object.keys(operation.responses).join(', ');
    return `undocumented response "${key}" for ${operation.method} ${operation.template} (documented: ${documented}): ${text.slice(0, 200)}`;
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    return `${key} does not match the documented schema of ${operation.method} ${operation.template}: ${result.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ')}`;
  }
  return null;
}
