import { describe, expect, it } from 'vitest';
import { request } from '../support/http-client.js';
import { problemJson } from '../support/orders.js';
import { useTestService } from '../support/test-service.js';

// /docs over HTTP: what the page loads and how it is cached. It running in a browser is
// test/docs/api-reference-browser.test.ts.
const env = useTestService();

/** The swagger-ui-dist version the page puts on its asset URLs. */
async function assetVersion(): Promise<string> {
  const page = await env.api().get('/docs');
  const version = /swagger-ui-bundle\.js\?v=([\w.-]+)"/.exec(page.text)?.[1];
  if (version === undefined) throw new Error(`no versioned bundle in the page:\n${page.text}`);
  return version;
}

describe('GET /docs', () => {
  it('answers a page that loads Swagger UI and our initializer from /docs/assets, no inline script', async () => {
    const response = await env.api().get('/docs');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const scripts = [...response.text.matchAll(/<script([^>]*)>/g)].map((match) => match[1]);
    expect(scripts).toEqual([
      expect.stringMatching(/^ src="\/docs\/assets\/swagger-ui-bundle\.js\?v=[\w.-]+"$/),
      ' src="/docs/assets/init.js"',
    ]);
    expect(response.text).toMatch(/href="\/docs\/assets\/swagger-ui\.css\?v=[\w.-]+"/);
  });

  it("keeps the service's CSP but for upgrade-insecure-requests, which would load it over https", async () => {
    const directives = async (path: string) =>
      (await env.api().get(path)).headers
        .get('content-security-policy')
        ?.split(';')
        .map((directive) => directive.trim());

    const page = await directives('/docs');
    const elsewhere = await directives('/openapi.json');

    expect(elsewhere).toContain('upgrade-insecure-requests');
    expect(page).toEqual(
      elsewhere?.filter((directive) => directive !== 'upgrade-insecure-requests'),
    );
  });
});

describe('GET /docs/assets/{file}', () => {
  it('serves the initializer: /openapi.json, no validator, no token kept in storage', async () => {
    const response = await env.api().get('/docs/assets/init.js');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.text).toContain("url: '/openapi.json'");
    expect(response.text).toContain('validatorUrl: null');
    expect(response.text).toContain('persistAuthorization: false');
  });

  it('caches a Swagger UI file for a year at the versioned URL, and revalidates it at the bare one', async () => {
    const version = await assetVersion();

    const versioned = await env.api().get(`/docs/assets/swagger-ui-bundle.js?v=${version}`);
    const bare = await env.api().get('/docs/assets/swagger-ui.css');
    const etag = versioned.headers.get('etag') ?? '';
    const again = await request(env.url, 'GET', `/docs/assets/swagger-ui-bundle.js?v=${version}`, {
      // fetch adds `Cache-Control: no-cache` to a conditional request unless it has one; send
      // then never answers 304. A browser revalidating sends max-age=0.
      headers: { 'If-None-Match': etag, 'Cache-Control': 'max-age=0' },
    });

    expect(versioned.status).toBe(200);
    expect(versioned.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(versioned.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(versioned.text).toContain('SwaggerUIBundle');
    expect(bare.status).toBe(200);
    expect(bare.headers.get('content-type')).toMatch(/^text\/css/);
    expect(bare.headers.get('cache-control')).toBe('no-cache');
    expect(etag).not.toBe('');
    expect(again.status).toBe(304);
  });

  it.each([
    'index.html',
    'swagger-initializer.js',
    'swagger-ui-bundle.js.map',
    'package.json',
    '..%2Fpackage.json',
    '..%2F..%2Fpackage.json',
  ])('answers 404 for %s, which the page does not load', async (file) => {
    const response = await env.api().get(`/docs/assets/${file}`);

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(problemJson);
  });

  it('counts every file under one route label in the metrics', async () => {
    for (const file of ['init.js', 'swagger-ui.css', 'favicon-32x32.png', 'index.html']) {
      await env.api().get(`/docs/assets/${file}`);
    }

    const metrics = (await env.api().get('/metrics')).text;
    const routes = new Set(
      [...metrics.matchAll(/^http_requests_total\{[^}]*route="([^"]*)"/gm)].map((m) => m[1]),
    );
    expect(routes).toContain('/docs/assets/:file');
    expect([...routes].filter((route) => /\.(js|css|png|html)$/.test(route ?? ''))).toEqual([]);
  });
});
