import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApi } from '../../src/runtime/create-api.ts';
import { createTestContext, type TestContext } from '../fixtures/context.ts';

let ctx: TestContext;

beforeEach(async () => {
  ctx = await createTestContext();
});
afterEach(() => ctx.close());

type Operation = {
  security?: unknown[];
  responses: Record<string, { headers?: Record<string, { required?: boolean }> }>;
};

/** Every operation of the served document, as `METHOD /path`. */
async function operations(): Promise<[string, Operation][]> {
  const app = createApi(ctx, { checkWebhookUrl: async (url: string) => ({ ok: true as const, url }) });
  const document = (await (await app.request('/openapi.json')).json()) as {
    paths: Record<string, Record<string, Operation>>;
  };
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]): [string, Operation] => [
      `${method.toUpperCase()} ${path}`,
      operation,
    ]),
  );
}

describe('/openapi.json', () => {
  // An API key is looked up in SQLite, so every authenticated operation can find the database busy
  // (503 database_busy, Retry-After), and every one that writes can find the disk full (507).
  it('lists 503 with a required Retry-After on every authenticated operation, and 507 on every write', async () => {
    const authenticated = (await operations()).filter(([, operation]) => operation.security?.length);
    expect(authenticated.length).toBeGreaterThan(5);
    const without503 = authenticated.filter(
      ([, operation]) => operation.responses['503']?.headers?.['Retry-After']?.required !== true,
    );
    const writesWithout507 = authenticated.filter(
      ([name, operation]) => !name.startsWith('GET ') && !operation.responses['507'],
    );
    expect(without503.map(([name]) => name)).toEqual([]);
    expect(writesWithout507.map(([name]) => name)).toEqual([]);
  });

  // Every authenticated write spends a token of its API key's bucket (api/rate-limit.ts).
  it('lists 429 with a required Retry-After on every authenticated write', async () => {
    const writes = (await operations()).filter(
      ([name, operation]) => operation.security?.length && !name.startsWith('GET '),
    );
    expect(writes.length).toBeGreaterThan(3);
    const without429 = writes.filter(
      ([, operation]) => operation.responses['429']?.headers?.['Retry-After']?.required !== true,
    );
    expect(without429.map(([name]) => name)).toEqual([]);
  });

  it('documents the Retry-After of an Idempotency-Key still in flight (409) on invoice creation', async () => {
    const create = (await operations()).find(([name]) => name === 'POST /v1/invoices')?.[1];
    expect(create?.responses['409']?.headers?.['Retry-After']).toMatchObject({ required: false });
  });
});
