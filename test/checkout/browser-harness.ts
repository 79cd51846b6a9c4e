import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect, inject } from 'vitest';
import { type ChainConfig, RPC_DEFAULTS } from '../../src/config/chains.ts';
import { type CheckoutFixture, createCheckoutFixture } from './checkout-fixture.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
/** Deadline for anything the page must show: SSE polls every 500 ms, so this is generous. */
export const UI_TIMEOUT_MS = 10_000;

// biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what the payer reads.
export const textOf = (page: Page, selector: string) => page.locator(selector).innerText();

export const waitForText = (page: Page, selector: string, text: string) =>
  page.locator(selector, { hasText: text }).waitFor({ timeout: UI_TIMEOUT_MS });

/**
 * The gateway's app with the checkout mounted, served by @hono/node-server on a free 127.0.0.1
 * port, and one Chromium for the file. Each test opens its own browser context; after each test
 * the harness asserts that the page requested nothing from another host and logged no error
 * (a CSP violation is a console error, so this also proves the CSP holds).
 */
export function useCheckoutBrowser(options: { chain?: Partial<ChainConfig> } = {}) {
  const state = {
    fixture: undefined as CheckoutFixture | undefined,
    server: undefined as ServerType | undefined,
    browser: undefined as Browser | undefined,
    context: undefined as BrowserContext | undefined,
    baseUrl: '',
    foreignRequests: [] as string[],
    pageErrors: [] as string[],
    /** Paths the page requested from the gateway, in order. */
    requested: [] as string[],
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH.`);
    }
    const chain: ChainConfig = {
      chainId: inject('chainId'),
      name: 'Anvil',
      rpcUrls: [inject('rpcUrl')],
      wsUrls: [],
      ...RPC_DEFAULTS,
      confirmations: 2,
      pollIntervalMs: 100,
      tokens: inject('tokens'),
      ...options.chain,
    };
    const fixture = await createCheckoutFixture({ chain, merchantName: 'Teahouse' });
    state.fixture = fixture;
    state.server = await new Promise<ServerType>((resolve) => {
      const started = serve({ fetch: fixture.app.fetch, hostname: '127.0.0.1', port: 0 }, () =>
        resolve(started),
      );
    });
    state.baseUrl = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
    state.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await state.browser?.close();
    await new Promise<void>((resolve) => (state.server ? state.server.close(() => resolve()) : resolve()));
    await state.fixture?.ctx.close();
  });

  beforeEach(() => {
    state.foreignRequests = [];
    state.pageErrors = [];
    state.requested = [];
  });

  afterEach(async () => {
    await state.context?.close();
    expect(state.foreignRequests).toEqual([]);
    expect(state.pageErrors).toEqual([]);
  });

  return {
    get fixture(): CheckoutFixture {
      if (!state.fixture) throw new Error('the harness has not started');
      return state.fixture;
    },
    get baseUrl() {
      return state.baseUrl;
    },
    get requested(): readonly string[] {
      return state.requested;
    },
    /** A fresh browser context (cookies, locale → Accept-Language) and page; the previous one closes. */
    async openPage(locale = 'en-US'): Promise<Page> {
      if (!state.browser) throw new Error('the harness has not started');
      await state.context?.close();
      const context = await state.browser.newContext({ locale, viewport: { width: 1100, height: 900 } });
      state.context = context;
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('data:')) return route.continue();
        if (new URL(url).origin === state.baseUrl) {
          state.requested.push(new URL(url).pathname);
          return route.continue();
        }
        state.foreignRequests.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') state.pageErrors.push(message.text());
      });
      page.on('pageerror', (error) => state.pageErrors.push(error.message));
      return page;
    },
  };
}
