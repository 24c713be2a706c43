import { SignJWT } from 'jose';
import type { JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { placePaidOrder, problemJson } from '../support/orders.js';
import { orderBody, useTestService } from '../support/test-service.js';
import { testJwtSecret, tokenFor, uniqueUserId } from '../support/tokens.js';

const env = useTestService();

const now = () => Math.floor(Date.now() / 1000);
const secretKey = new TextEncoder().encode(testJwtSecret);
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An HS256 token with exactly these claims (no defaults added). */
const signed = (claims: JWTPayload, alg = 'HS256') =>
  new SignJWT(claims).setProtectedHeader({ alg }).sign(secretKey);

const routes: { method: 'get' | 'post' | 'patch'; path: string; body?: unknown }[] = [
  { method: 'get', path: '/api/orders' },
  {
    method: 'post',
    path: '/api/orders',
    body: orderBody([{ productId: 1, quantity: 1 }]),
  },
  { method: 'get', path: '/api/orders/1' },
  { method: 'get', path: '/api/orders/1/history' },
  { method: 'patch', path: '/api/orders/1/status', body: { status: 'processing' } },
  { method: 'post', path: '/api/orders/1/cancel', body: {} },
];

function call(token: string | undefined, route: (typeof routes)[number]) {
  const api = env.api(token);
  return route.method === 'get' ? api.get(route.path) : api[route.method](route.path, route.body);
}

async function expectUnauthorized(token: string | undefined, path = '/api/orders') {
  const response = await env.api(token).get(path);
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
  expect(response.headers.get('content-type')).toMatch(problemJson);
  expect(response.body).toMatchObject({ status: 401 });
}

describe('authentication on /api routes', () => {
  it.each(routes.map((route) => [`${route.method.toUpperCase()} ${route.path}`, route] as const))(
    'answers 401 with WWW-Authenticate: Bearer to %s without a token',
    async (_name, route) => {
      const response = await call(undefined, route);

      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
      expect(response.headers.get('content-type')).toMatch(problemJson);
      expect(response.body).toMatchObject({ status: 401 });
      expect(typeof response.body.title).toBe('string');
    },
  );

  it('stores nothing and touches no stock for an unauthenticated order', async () => {
    const product = await env.peers.createProduct({ price: '1.00', stock: 3 });

    const response = await env
      .api()
      .post('/api/orders', orderBody([{ productId: product.id, quantity: 1 }]));

    expect(response.status).toBe(401);
    const lookups = await env.peers.requests('getProduct');
    expect(lookups.filter((call) => call.productId === product.id)).toHaveLength(0);
    expect(await env.peers.stockOf(product.id)).toBe(3);
  });

  it('answers 401 to a garbage token', async () => {
    await expectUnauthorized('not-a-jwt');
  });

  it('answers 401 to another scheme than Bearer', async () => {
    const response = await env
      .api()
      .get('/api/orders', { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
  });

  it('answers 401 to an expired token', async () => {
    const token = await signed({
      sub: String(uniqueUserId()),
      role: 'user',
      iat: now() - 3600,
      exp: now() - 600,
    });

    await expectUnauthorized(token);
  });

  it('answers 401 to a token that is not valid yet', async () => {
    const token = await signed({
      sub: String(uniqueUserId()),
      nbf: now() + 600,
      exp: now() + 1200,
    });

    await expectUnauthorized(token);
  });

  it('answers 401 to a token signed with another secret', async () => {
    const token = await tokenFor(uniqueUserId(), 'admin', {
      secret: 'some-other-secret-that-is-long-enough-0123456789',
    });

    await expectUnauthorized(token);
  });

  it('answers 401 to alg "none"', async () => {
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({
      sub: String(uniqueUserId()),
      role: 'admin',
      exp: now() + 600,
    })}.`;

    await expectUnauthorized(token);
  });

  it('answers 401 to a token whose payload was changed after signing', async () => {
    const [header, , signature] = (await tokenFor(uniqueUserId())).split('.');
    const payload = base64url({ sub: String(uniqueUserId()), role: 'admin', exp: now() + 600 });

    await expectUnauthorized(`${header}.${payload}.${signature}`);
  });

  it('answers 401 to a token without exp', async () => {
    await expectUnauthorized(await signed({ sub: String(uniqueUserId()), role: 'user' }));
  });

  it.each([['abc'], ['0'], ['-5'], ['1.5']])(
    'answers 401 to a token whose sub is %s',
    async (sub) => {
      await expectUnauthorized(await signed({ sub, exp: now() + 600 }));
    },
  );

  it('answers 401 on the single-order routes too', async () => {
    await expectUnauthorized('not-a-jwt', '/api/orders/1');
  });
});

describe('roles and subjects', () => {
  it('treats roles: ["admin"] as an admin', async () => {
    const adminId = uniqueUserId();
    const token = await signed({
      sub: String(adminId),
      roles: ['user', 'admin'],
      exp: now() + 600,
    });
    const other = uniqueUserId();

    const listing = await env.api(token).get(`/api/orders?userId=${other}`);
    const patch = await env.api(token).patch('/api/orders/999999999/status', { status: 'shipped' });

    expect(listing.status).toBe(200);
    expect(patch.status).toBe(404);
  });

  it('treats any other role as a plain user', async () => {
    const token = await signed({
      sub: String(uniqueUserId()),
      role: 'superuser',
      roles: ['editor'],
      exp: now() + 600,
    });

    const patch = await env.api(token).patch('/api/orders/999999999/status', { status: 'shipped' });

    expect(patch.status).toBe(403);
    expect(patch.headers.get('content-type')).toMatch(problemJson);
  });

  it('accepts sub as a digit string and as a JSON number, both the same user', async () => {
    const id = uniqueUserId();
    const asString = { id, role: 'user' as const, token: await tokenFor(id) };
    const asNumber = await signed({ sub: id as unknown as string, role: 'user', exp: now() + 600 });
    const { order } = await placePaidOrder(env, asString);

    const viaString = await env.api(asString.token).get(`/api/orders/${order.id}`);
    const viaNumber = await env.api(asNumber).get(`/api/orders/${order.id}`);

    expect(order.userId).toBe(id);
    expect(viaString.status).toBe(200);
    expect(viaNumber.status).toBe(200);
    expect(viaNumber.body).toMatchObject({ id: order.id, userId: id });
  });
});
