import { beforeAll, describe, expect, it } from 'vitest';
import type { HttpResponse } from '../support/http-client.js';
import { request } from '../support/http-client.js';
import { problemJson } from '../support/orders.js';
import { orderBody, useTestService } from '../support/test-service.js';
import type { TestUser } from '../support/tokens.js';
import { newUser } from '../support/tokens.js';

const env = useTestService();
let user: TestUser;
let admin: TestUser;
beforeAll(async () => {
  user = await newUser();
  admin = await newUser('admin');
});

const oversizedBody = () =>
  JSON.stringify({ ...orderBody([{ productId: 1, quantity: 1 }]), note: 'x'.repeat(110_000) });

/** One response of each error kind the contract names, sent with `headers`. */
const errorCases: [string, (headers: Record<string, string>) => Promise<HttpResponse>][] = [
  ['401 no token', (headers) => env.api().get('/api/orders', headers)],
  [
    '403 user on an admin route',
    (headers) => env.api(user.token).patch('/api/orders/1/status', { status: 'shipped' }, headers),
  ],
  ['404 unknown route', (headers) => env.api().get('/no/such/route', headers)],
  ['404 unknown /api route', (headers) => env.api(user.token).get('/api/nothing-here', headers)],
  ['404 missing order', (headers) => env.api(admin.token).get('/api/orders/999999999', headers)],
  ['400 bad id', (headers) => env.api(user.token).get('/api/orders/abc', headers)],
  [
    '400 invalid body',
    (headers) => env.api(user.token).post('/api/orders', { items: [] }, headers),
  ],
  [
    '400 malformed JSON',
    (headers) =>
      request(env.url, 'POST', '/api/orders', {
        token: user.token,
        rawBody: '{"items": [',
        headers,
      }),
  ],
  [
    '413 body too large',
    (headers) =>
      request(env.url, 'POST', '/api/orders', {
        token: user.token,
        rawBody: oversizedBody(),
        headers,
      }),
  ],
];

describe('X-Request-Id', () => {
  it.each([
    ['200 /health', (headers: Record<string, string>) => env.api().get('/health', headers)],
    [
      '200 /api/orders',
      (headers: Record<string, string>) => env.api(user.token).get('/api/orders', headers),
    ],
    ...errorCases,
  ])('is echoed on %s', async (_name, send) => {
    const requestId = `req-${Math.random().toString(36).slice(2)}`;

    const response = await send({ 'X-Request-Id': requestId });

    expect(response.headers.get('x-request-id')).toBe(requestId);
  });

  it.each([
    ['200 /health', (headers: Record<string, string>) => env.api().get('/health', headers)],
    ...errorCases,
  ])('is generated on %s when the request has none', async (_name, send) => {
    const first = await send({});
    const second = await send({});

    expect(first.headers.get('x-request-id')).toMatch(/\S/);
    expect(second.headers.get('x-request-id')).toMatch(/\S/);
    expect(first.headers.get('x-request-id')).not.toBe(second.headers.get('x-request-id'));
  });
});

describe('problem responses', () => {
  it.each(errorCases)(
    '%s is application/problem+json with type, title, status, detail, traceId',
    async (name, send) => {
      const expectedStatus = Number(name.slice(0, 3));

      const response = await send({});

      expect(response.status).toBe(expectedStatus);
      expect(response.headers.get('content-type')).toMatch(problemJson);
      expect(response.body).toEqual(
        expect.objectContaining({
          type: expect.any(String),
          title: expect.any(String),
          status: expectedStatus,
          detail: expect.any(String),
          traceId: expect.stringMatching(/\S/),
        }),
      );
      expect(response.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
    },
  );

  it('answers 404 problem+json for an unknown route', async () => {
    const response = await env.api().get('/no/such/route');

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(problemJson);
  });

  it('answers 413 problem+json for a body over 100kb and stores nothing', async () => {
    const buyer = await newUser();

    const response = await request(env.url, 'POST', '/api/orders', {
      token: buyer.token,
      rawBody: oversizedBody(),
    });
    const orders = await env.api(buyer.token).get('/api/orders');

    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(problemJson);
    expect(orders.body.pagination.total).toBe(0);
  });

  it('answers 400 problem+json for malformed JSON', async () => {
    const response = await request(env.url, 'POST', '/api/orders', {
      token: user.token,
      rawBody: '{"items": [',
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(problemJson);
  });

  it('lists field errors with their paths for a validation failure', async () => {
    const response = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: 1, quantity: 0 }], { userId: 7 }));

    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'items.0.quantity', message: expect.any(String) },
        { path: 'userId', message: expect.any(String) },
      ]),
    );
  });
});

describe('security headers', () => {
  it.each([
    ['a success', () => env.api().get('/health')],
    ['an error', () => env.api().get('/api/orders')],
  ])('sends helmet headers on %s', async (_name, send) => {
    const response = await send();

    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).not.toBeNull();
    expect(response.headers.get('x-powered-by')).toBeNull();
  });
});

describe('CORS', () => {
  it('sends no CORS header to an arbitrary origin when CORS_ORIGINS is unset', async () => {
    const simple = await env.api().get('/health', { Origin: 'https://evil.example' });
    const preflight = await request(env.url, 'OPTIONS', '/api/orders', {
      headers: {
        Origin: 'https://evil.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });

    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  describe('with CORS_ORIGINS set', () => {
    const shop = useTestService({ corsOrigins: ['https://shop.example'] });

    it('allows a configured origin, simple request and preflight', async () => {
      const simple = await shop
        .api(user.token)
        .get('/api/orders', { Origin: 'https://shop.example' });
      const preflight = await request(shop.url, 'OPTIONS', '/api/orders', {
        headers: {
          Origin: 'https://shop.example',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization,content-type,idempotency-key',
        },
      });

      expect(simple.status).toBe(200);
      expect(simple.headers.get('access-control-allow-origin')).toBe('https://shop.example');
      expect(preflight.status).toBeLessThan(300);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example');
      expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);
    });

    it('still refuses an origin that is not configured', async () => {
      const response = await shop.api().get('/health', { Origin: 'https://evil.example' });

      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('request bodies', () => {
    it('answers 400, not 500, for a JSON body in a charset it cannot read', async () => {
      const response = await request(env.url, 'POST', '/api/orders', {
        rawBody: '{}',
        headers: { 'Content-Type': 'application/json; charset=latin1' },
        token: user.token,
      });

      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });
  });
});
