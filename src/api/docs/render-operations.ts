import type { ErrorCode } from '../../domain/errors.ts';
import { STATUS_BY_CODE, toProblem } from '../../http/problem.ts';
import { escapeHtml, inlineMarkdown, jsonBlock, operationAnchor } from './html.ts';
import { type Components, exampleOf, type JsonSchema } from './json-schema.ts';
import { codesForStatus } from './render-errors.ts';
import { constraintsOf, renderSchema, typeLabel } from './render-schema.ts';

type Parameter = { name: string; in: string; required?: boolean; description?: string; schema?: JsonSchema };
type Content = Record<string, { schema?: JsonSchema }>;
type Header = { required?: boolean; description?: string; schema?: JsonSchema };
export type Operation = {
  summary?: string;
  description?: string;
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Content };
  responses?: Record<string, { description?: string; headers?: Record<string, Header>; content?: Content }>;
};
export type OperationEntry = { method: string; path: string; operation: Operation };

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

/** Every operation of the document, in its order, as `{ method, path, operation }`. */
export function listOperations(paths: Record<string, Record<string, unknown> | undefined>): OperationEntry[] {
  return Object.entries(paths).flatMap(([path, item]) =>
    Object.entries(item ?? {})
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        operation: operation as Operation,
      })),
  );
}

function renderParameters(parameters: Parameter[]): string {
  if (parameters.length === 0) return '';
  const rows = parameters.map((parameter) => {
    const schema = parameter.schema ?? {};
    const about = [
      parameter.description ? inlineMarkdown(parameter.description) : '',
      ...constraintsOf(schema),
    ]
      .filter(Boolean)
      .join('; ');
    return `<tr><td><code>${escapeHtml(parameter.name)}</code></td><td>${escapeHtml(parameter.in)}</td><td>${typeLabel(
      schema,
    )}</td><td>${parameter.required ? 'required' : 'optional'}</td><td>${about}</td></tr>`;
  });
  return `<h4>Parameters</h4><table class="fields"><thead><tr><th>name</th><th>in</th><th>type</th><th></th><th>meaning</th></tr></thead><tbody>${rows.join(
    '',
  )}</tbody></table>`;
}

function renderRequestBody(body: Operation['requestBody'], components: Components): string {
  const entries = Object.entries(body?.content ?? {});
  return entries
    .map(
      ([mediaType, { schema }]) =>
        `<h4>Request body <span class="muted">(${escapeHtml(mediaType)}${body?.required ? ', required' : ''})</span></h4>${
          schema
            ? renderSchema(schema, components) + jsonBlock(exampleOf(schema, components), 'Example request')
            : ''
        }`,
    )
    .join('');
}

/** A problem example for a status: the first code that maps to it, as problemResponse sends it. */
function problemExample(status: number): unknown {
  const code = (Object.keys(STATUS_BY_CODE) as ErrorCode[]).find(
    (candidate) => STATUS_BY_CODE[candidate] === status,
  );
  return code ? toProblem(code, 'Detail for this request.') : undefined;
}

function renderResponse(
  status: string,
  response: NonNullable<Operation['responses']>[string],
  components: Components,
): string {
  const headers = Object.entries(response.headers ?? {})
    .map(
      ([name, header]) =>
        `<li><code>${escapeHtml(name)}</code> ${header.required ? '(always)' : '(when it applies)'}: ${inlineMarkdown(
          header.description ?? '',
        )}</li>`,
    )
    .join('');
  const content = Object.entries(response.content ?? {})
    .map(([mediaType, { schema }]) => {
      if (!schema) return '';
      if (mediaType === 'application/problem+json') {
        const codes = codesForStatus(Number(status));
        const example = problemExample(Number(status));
        return `<p>${typeLabel(schema)}${codes ? `; codes: ${codes}` : ''}</p>${
          example
            ? `<details><summary>Example</summary>${jsonBlock(example, `Example ${status}`)}</details>`
            : ''
        }`;
      }
      return `<p>${escapeHtml(mediaType)}: ${typeLabel(schema)}</p>${
        schema.$ref ? '' : renderSchema(schema, components)
      }<details><summary>Example</summary>${jsonBlock(exampleOf(schema, components), `Example ${status}`)}</details>`;
    })
    .join('');
  return `<li data-status="${escapeHtml(status)}"><strong>${escapeHtml(status)}</strong> ${inlineMarkdown(
    response.description ?? '',
  )}${headers ? `<ul>${headers}</ul>` : ''}${content}</li>`;
}

export function renderOperation({ method, path, operation }: OperationEntry, components: Components): string {
  const responses = Object.entries(operation.responses ?? {})
    .map(([status, response]) => renderResponse(status, response, components))
    .join('');
  const auth = operation.security?.length
    ? '<p class="auth">Requires <code>Authorization: Bearer sk_…</code>.</p>'
    : '<p class="auth">Public: no API key.</p>';
  return `<section class="operation" id="${operationAnchor(method, path)}" data-operation="${method} ${escapeHtml(
    path,
  )}"><h3><span class="method">${method}</span> <code>${escapeHtml(path)}</code></h3><p>${inlineMarkdown(
    operation.summary ?? '',
  )}</p>${operation.description ? `<p>${inlineMarkdown(operation.description)}</p>` : ''}${auth}${renderParameters(
    operation.parameters ?? [],
  )}${renderRequestBody(operation.requestBody, components)}<h4>Responses</h4><ul class="responses">${responses}</ul></section>`;
}
