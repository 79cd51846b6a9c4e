import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/domain/events.ts';
import { STATUS_BY_CODE } from '../../src/http/problem.ts';
import { useCheckoutBrowser } from '../checkout/browser-harness.ts';

/**
 * /docs in Chromium, driven by the served /openapi.json and the exhaustive STATUS_BY_CODE table,
 * so an operation or error code added later is checked without touching this file. The harness
 * fails each test on any request to another host or any console error (a CSP violation is one).
 */
const harness = useCheckoutBrowser();

type ServedDocument = {
  paths: Record<
    string,
    Record<string, { parameters?: { name: string }[]; responses: Record<string, unknown> }>
  >;
  components: { schemas: Record<string, unknown> };
};

async function openApi(): Promise<ServedDocument> {
  return (await (await fetch(`${harness.baseUrl}/openapi.json`)).json()) as ServedDocument;
}

describe('/docs in Chromium', () => {
  it('documents every operation of /openapi.json with its parameters and response statuses', async () => {
    const served = await openApi();
    const page = await harness.openPage();
    const response = await page.goto(`${harness.baseUrl}/docs`);
    expect(response?.status()).toBe(200);
    const operations = Object.entries(served.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        name: `${method.toUpperCase()} ${path}`,
        operation,
      })),
    );
    expect(operations.length).toBeGreaterThan(10);
    const rendered = await page.evaluate(() =>
      Object.fromEntries(
        [...document.querySelectorAll<HTMLElement>('[data-operation]')].map((section) => [
          section.dataset.operation,
          {
            text: section.textContent ?? '',
            statuses: [...section.querySelectorAll<HTMLElement>('[data-status]')].map(
              (item) => item.dataset.status,
            ),
          },
        ]),
      ),
    );
    for (const { name, operation } of operations) {
      const section = rendered[name];
      expect(section, name).toBeDefined();
      expect(section?.statuses, name).toEqual(Object.keys(operation.responses));
      for (const parameter of operation.parameters ?? [])
        expect(section?.text, name).toContain(parameter.name);
    }
    // The request of POST /v1/invoices: every field and a JSON example.
    const create = rendered['POST /v1/invoices']?.text ?? '';
    for (const field of ['amount', 'currency', 'chainId', 'expiresInSeconds', 'metadata'])
      expect(create).toContain(field);
    expect(create).toContain('"amount": "25.5"');
    // Every named schema has its section, and every in-page link lands on an element.
    for (const name of Object.keys(served.components.schemas)) {
      expect(await page.locator(`[id="schema-${name}"]`).count(), name).toBe(1);
    }
    const dangling = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLAnchorElement>('a[href^="#"]')]
        .map((link) => link.getAttribute('href')?.slice(1) ?? '')
        .filter((id) => !document.getElementById(id)),
    );
    expect(dangling).toEqual([]);
    // Nothing loaded but the page itself: no script, stylesheet, font or image, here or elsewhere.
    expect(harness.requested).toEqual(['/docs']);
    expect(await page.locator('script').count()).toBe(0);
  });

  it('has an anchor with status and meaning for every error code, and a problem type lands on it', async () => {
    const page = await harness.openPage();
    await page.goto(`${harness.baseUrl}/docs`);
    for (const [code, status] of Object.entries(STATUS_BY_CODE)) {
      const row = page.locator(`[id="error-${code}"]`);
      expect(await row.count(), code).toBe(1);
      const cells = await row.locator('td').allInnerTexts();
      expect(cells[0], code).toBe(code);
      expect(cells[1], code).toBe(String(status));
      expect(cells[3]?.length ?? 0, code).toBeGreaterThan(10);
    }
    // A real problem body's `type`, followed as a browser would: the fragment is the target.
    const problem = (await (await fetch(`${harness.baseUrl}/v1/invoices`)).json()) as {
      type: string;
      code: string;
    };
    expect(problem.type).toBe('/docs#error-unauthorized');
    await page.goto(new URL(problem.type, harness.baseUrl).href);
    expect(await page.evaluate(() => document.querySelector(':target')?.id)).toBe('error-unauthorized');
  });

  it('documents the event envelope, each event type with an example, and the order for 1 and N confirmations', async () => {
    const page = await harness.openPage();
    await page.goto(`${harness.baseUrl}/docs#events`);
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what the reader reads.
    const envelope = await page.locator('#events').innerText();
    for (const field of ['id', 'type', 'createdAt', 'data.invoice', 'data.sweep', 'webhook-signature'])
      expect(envelope).toContain(field);
    expect(envelope).toContain('invoice.processing never fires');
    for (const type of EVENT_TYPES) {
      const section = page.locator(`[id="event-${type}"]`);
      expect(await section.count(), type).toBe(1);
      const example = JSON.parse((await section.locator('pre').textContent()) ?? '{}') as {
        type: string;
        data: { invoice?: { object: string; amount: string }; sweep?: { object: string; status: string } };
      };
      expect(example.type).toBe(type);
      if (type.startsWith('sweep.'))
        expect(example.data.sweep).toMatchObject({ object: 'sweep', status: type.slice('sweep.'.length) });
      else expect(example.data.invoice).toMatchObject({ object: 'invoice', amount: '25.5' });
    }
  });
});
