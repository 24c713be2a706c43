import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../support/http-client.js';
import { useProcessCluster } from '../support/service-process.js';
import { newUser } from '../support/tokens.js';

// /docs in a real browser: the page runs under the service's CSP, also over plain http from
// another host, lists the whole document, places an order through Authorize and try-it-out, and
// deep-links operations. The machine's Chromium (Debian `chromium`), driven by playwright-core;
// CHROMIUM_PATH points at another one.
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// A name for the service's loopback address that the browser does not treat as localhost.
const remoteHost = 'order-service.test';
const screenshotFile = path.resolve(import.meta.dirname, '../../docs/images/api-reference.png');

/** Why this file cannot run here; a missing browser fails instead under REQUIRE_BROWSER=1 (CI). */
function skipReason(): string | undefined {
  if (existsSync(chromiumPath)) return undefined;
  const reason = `no Chromium at ${chromiumPath}: install Debian's chromium or set CHROMIUM_PATH`;
  if (process.env.REQUIRE_BROWSER === '1') throw new Error(`REQUIRE_BROWSER=1, but ${reason}`);
  return reason;
}

type OpenApi = { paths: Record<string, Record<string, unknown>> };

const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every operation of the document, as `POST /api/orders`. */
const operationsOf = (document: OpenApi): string[] =>
  Object.entries(document.paths).flatMap(([route, item]) =>
    Object.keys(item)
      .filter((method) => httpMethods.includes(method))
      .map((method) => `${method.toUpperCase()} ${route}`),
  );

// Runs before any page script: collects the CSP violations the browser reports to the page.
const recordCspViolations = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
  });
`;

type Reference = {
  page: Page;
  /** Console errors, uncaught exceptions and CSP violations so far. */
  problems(): Promise<string[]>;
  contentSecurityPolicy: string | undefined;
};

async function openReference(browser: Browser, origin: string): Promise<Reference> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  await page.addInitScript(recordCspViolations);

  const response = await page.goto(`${origin}/docs`);
  // Swagger UI has fetched /openapi.json and rendered it once the first operation shows.
  await page.locator('.opblock').first().waitFor();

  return {
    page,
    contentSecurityPolicy: response?.headers()['content-security-policy'],
    problems: async () => {
      const violations = await page.evaluate<string[]>('window.__cspViolations');
      return [...errors, ...violations.map((violation) => `CSP: ${violation}`)];
    },
  };
}

/** The block of one operation, as `.opblock-post` holding the summary of `/api/orders`. */
const operationBlock = (page: Page, method: string, route: string) =>
  page
    .locator(`.opblock-${method}`)
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${route}"]`) });

const reason = skipReason();

describe('the API reference at /docs, in Chromium', () => {
  if (reason !== undefined) {
    it('renders, lists every operation and places an order', (context) => {
      // Printed, so a run that skipped says why in its log (the default reporter hides the note).
      process.stdout.write(`api-reference-browser: skipped: ${reason}\n`);
      context.skip(reason);
    });
    return;
  }

  const cluster = useProcessCluster();
  let browser: Browser;
  let started: Promise<{ base: string; document: OpenApi }> | undefined;
  /** The service, started by the first test that needs it (ready() polls, so inside a test). */
  const service = () =>
    (started ??= cluster
      .start()
      .ready()
      .then(async (base) => ({
        base,
        document: (await request<OpenApi>(base, 'GET', '/openapi.json')).body,
      })));
  beforeAll(async () => {
    // As root (CI, containers) Chromium's sandbox cannot start.
    browser = await chromium.launch({
      executablePath: chromiumPath,
      chromiumSandbox: false,
      args: [`--host-resolver-rules=MAP ${remoteHost} 127.0.0.1`],
    });
  });
  afterAll(async () => {
    await browser.close();
  });

  it('renders under the service CSP with no console error and no CSP violation', async () => {
    const { base } = await service();
    const reference = await openReference(browser, base);

    await reference.page.locator('.btn.authorize').waitFor();

    expect(reference.contentSecurityPolicy).toMatch(/(^|;)\s*script-src 'self'(;|$)/);
    expect(reference.contentSecurityPolicy).toContain("default-src 'self'");
    expect(await reference.problems()).toEqual([]);
    await reference.page.close();
  });

  it('shows every operation of /openapi.json, each once', async () => {
    const { base, document } = await service();
    const { page } = await openReference(browser, base);
    const expected = operationsOf(document);

    await expect.poll(() => page.locator('.opblock').count()).toBe(expected.length);
    const shown = await page.locator('.opblock .opblock-summary').evaluateAll((summaries) =>
      summaries.map((summary) => {
        const method = summary.querySelector('.opblock-summary-method')?.textContent ?? '';
        const route = summary.querySelector('.opblock-summary-path')?.getAttribute('data-path');
        return `${method.toUpperCase()} ${route ?? ''}`;
      }),
    );

    expect(shown.sort()).toEqual(expected.sort());
    if (process.env.UPDATE_SCREENSHOT === '1') {
      await mkdir(path.dirname(screenshotFile), { recursive: true });
      await page.screenshot({ path: screenshotFile });
    }
    await page.close();
  });

  it('places an order through Authorize and try-it-out: 201, and the order is there', async () => {
    const { base } = await service();
    const user = await newUser();
    const product = await cluster.peers.createProduct({ price: '12.50', stock: 3 });
    const body = {
      items: [{ productId: product.id, quantity: 1 }],
      shippingAddress: {
        street: '1 Reference Road',
        city: 'Lisbon',
        postalCode: '1000-001',
        country: 'PT',
      },
    };
    const reference = await openReference(browser, base);
    const { page } = reference;

    await page.locator('.btn.authorize').first().click();
    const dialog = page.locator('.modal-ux');
    await dialog.getByLabel('auth-bearer-value').fill(user.token);
    await dialog.getByRole('button', { name: 'Apply credentials' }).click();
    // Authorized: the dialog offers Logout in place of Authorize.
    await dialog.getByRole('button', { name: 'Remove authorization' }).waitFor();
    await dialog.locator('.btn-done').click();
    await dialog.waitFor({ state: 'detached' });
    const placeOrder = operationBlock(page, 'post', '/api/orders');
    await placeOrder.locator('.opblock-summary').click();
    await placeOrder.locator('.try-out__btn').click();
    await placeOrder.locator('textarea.body-param__text').fill(JSON.stringify(body));
    await placeOrder.locator('.btn.execute').click();
    const status = placeOrder.locator('.live-responses-table tr.response .response-col_status');
    await status.waitFor();

    expect((await status.textContent())?.trim()).toBe('201');
    const orders = await request<{ data: { items: { productId: number }[] }[] }>(
      base,
      'GET',
      '/api/orders',
      { token: user.token },
    );
    expect(orders.body.data.map((order) => order.items.map((item) => item.productId))).toEqual([
      [product.id],
    ]);
    expect(await reference.problems()).toEqual([]);
    await page.close();
  }, 45_000);

  it('renders over plain http at a host that is not localhost: nothing upgraded to https', async () => {
    const { base, document } = await service();
    const reference = await openReference(browser, base.replace('127.0.0.1', remoteHost));

    await expect
      .poll(() => reference.page.locator('.opblock').count())
      .toBe(operationsOf(document).length);

    expect(reference.contentSecurityPolicy).toContain("script-src 'self'");
    expect(reference.contentSecurityPolicy).not.toContain('upgrade-insecure-requests');
    // Chromium's notice that Cross-Origin-Opener-Policy needs https: about the transport.
    const problems = await reference.problems();
    expect(
      problems.filter(
        (problem) => !/Cross-Origin-Opener-Policy header has been ignored/.test(problem),
      ),
    ).toEqual([]);
    await reference.page.close();
  });

  it('deep-links an operation: the address of an expanded one opens it expanded', async () => {
    const { base } = await service();
    const { page } = await openReference(browser, base);
    await operationBlock(page, 'post', '/api/orders').locator('.opblock-summary').click();
    await expect.poll(() => new URL(page.url()).hash).toMatch(/^#\/.+/);
    const address = page.url();
    const again = await browser.newPage();
    again.setDefaultTimeout(15_000);

    await again.goto(address);

    // Expanded: its "Try it out" button shows without a click.
    await operationBlock(again, 'post', '/api/orders').locator('.try-out__btn').waitFor();
    await Promise.all([page.close(), again.close()]);
  });
});
