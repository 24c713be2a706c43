import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import type { CryptoKey, JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../src/http/admin-routes.js';
import { ordersRoutes } from '../../src/http/orders-routes.js';
import type { OrdersDeps } from '../../src/orders/orders-deps.js';
import { request } from '../support/http-client.js';
import { problemJson } from '../support/orders.js';
import type { TestService } from '../support/test-service.js';
import { orderBody, startTestService } from '../support/test-service.js';
import { testJwtSecret, uniqueUserId } from '../support/tokens.js';

// OWASP API2:2023 Broken Authentication. One service configured with everything at once — an
// HS256 secret, a JWKS URL, an issuer and an audience — so each refused token below differs from
// an accepted one in exactly one respect.

const issuer = 'https://id.example.test/';
const audience = 'order-service';
const kid = 'rsa-1';

type Route = { method: 'GET' | 'POST' | 'PATCH'; path: string; body?: unknown };

/** Every /api route the service serves, with a concrete path; checked against the routers below. */
const routes: Route[] = [
  { method: 'POST', path: '/api/orders', body: orderBody([{ productId: 1, quantity: 1 }]) },
  { method: 'GET', path: '/api/orders' },
  { method: 'GET', path: '/api/orders/1' },
  { method: 'GET', path: '/api/orders/1/history' },
  { method: 'POST', path: '/api/orders/1/cancel', body: {} },
  { method: 'PATCH', path: '/api/orders/1/status', body: { status: 'processing' } },
  { method: 'GET', path: '/api/admin/sagas' },
  { method: 'GET', path: '/api/admin/sagas/1' },
  { method: 'POST', path: '/api/admin/sagas/1/retry', body: {} },
  { method: 'POST', path: '/api/admin/sagas/1/resolve', body: { reason: 'x' } },
  // Not a route: authentication comes before routing, so probing /api reveals nothing either.
  { method: 'GET', path: '/api/no-such-route' },
];

let env: TestService;
let jwks: Server;
let rsaKey: CryptoKey;
let strangerKey: CryptoKey;
let rsaPublicPem: string;

beforeAll(async () => {
  const rsa = await generateKeyPair('RS256');
  rsaKey = rsa.privateKey;
  rsaPublicPem = await exportSPKI(rsa.publicKey);
  strangerKey = (await generateKeyPair('RS256')).privateKey;
  const keySet = JSON.stringify({
    keys: [{ ...(await exportJWK(rsa.publicKey)), kid, alg: 'RS256', use: 'sig' }],
  });
  jwks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(keySet);
  });
  jwks.listen(0, '127.0.0.1');
  await once(jwks, 'listening');
  const { port } = jwks.address() as AddressInfo;
  env = await startTestService({
    auth: {
      jwtSecret: testJwtSecret,
      jwksUrl: `http://127.0.0.1:${String(port)}/jwks.json`,
      issuer,
      audience,
    },
  });
});

afterAll(async () => {
  await env.close();
  jwks.close();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Claims the service accepts; `undefined` in `overrides` drops a claim. */
function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  const all: Record<string, unknown> = {
    sub: String(uniqueUserId()),
    role: 'user',
    iss: issuer,
    aud: audience,
    iat: nowSeconds(),
    exp: nowSeconds() + 600,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
}

const hs256 = (payload: JWTPayload, secret = testJwtSecret) =>
  new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(secret));

const rs256 = (payload: JWTPayload, key = rsaKey) =>
  new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(key);

/** A JWS with any header, its signature an HMAC-SHA256 under `secret` (for confusion attacks). */
function hmacSigned(header: Record<string, unknown>, payload: JWTPayload, secret: string) {
  const input = `${base64url(header)}.${base64url(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

function send(route: Route, headers: Record<string, string>, query = '') {
  return request(env.url, route.method, `${route.path}${query}`, {
    headers,
    ...(route.body === undefined ? {} : { body: route.body }),
  });
}

type Outcome = { route: string; status: number; challenge: string | null; type: string | null };

/** Sends the same credentials to every route; one row per route, for a readable diff. */
async function sendEverywhere(headers: Record<string, string>, query = ''): Promise<Outcome[]> {
  return Promise.all(
    routes.map(async (route) => {
      const response = await send(route, headers, query);
      return {
        route: `${route.method} ${route.path}`,
        status: response.status,
        challenge: response.headers.get('www-authenticate'),
        type: response.headers.get('content-type'),
      };
    }),
  );
}

const refusedEverywhere = (): Outcome[] =>
  routes.map((route) => ({
    route: `${route.method} ${route.path}`,
    status: 401,
    challenge: expect.stringMatching(/^Bearer\b/),
    type: expect.stringMatching(problemJson),
  }));

describe('the route table', () => {
  it('lists every /api route the routers serve', () => {
    const deps = {} as OrdersDeps;
    const served = [...ordersRoutes(deps).stack, ...adminRoutes(deps).stack].flatMap((layer) => {
      const route = layer.route as
        { path: string; methods: Record<string, boolean | undefined> } | undefined;
      if (route === undefined) return [];
      return Object.keys(route.methods).map((method) => `${method.toUpperCase()} ${route.path}`);
    });
    const listed = routes.map(
      (route) => `${route.method} ${route.path.replace(/\/1(?=\/|$)/, '/:id')}`,
    );

    expect(served.length).toBeGreaterThan(0);
    expect(listed).toEqual(expect.arrayContaining(served));
  });
});

describe('API2 authentication on every /api route', () => {
  it('lets a valid HS256 token and a valid RS256 token (JWKS) through on every route', async () => {
    const viaSecret = await sendEverywhere(bearer(await hs256(claims())));
    const viaKeySet = await sendEverywhere(bearer(await rs256(claims())));

    for (const outcome of [...viaSecret, ...viaKeySet]) {
      expect(outcome, outcome.route).toMatchObject({ challenge: null });
      expect(outcome.status, outcome.route).not.toBe(401);
    }
  });

  it.each<[string, () => Record<string, string> | Promise<Record<string, string>>]>([
    ['no Authorization header', () => ({})],
    ['an empty Authorization header', () => ({ Authorization: '' })],
    ['"Bearer" with no token', () => ({ Authorization: 'Bearer' })],
    ['"Bearer " and spaces', () => ({ Authorization: 'Bearer    ' })],
    ['a garbage bearer token', () => bearer('not-a-jwt')],
    ['three garbage segments', () => bearer('abc.def.ghi')],
    ['a JWT-shaped string of dots', () => bearer('..')],
    [
      'another scheme (Basic)',
      () => ({ Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }),
    ],
    ['the raw token without a scheme', async () => ({ Authorization: await hs256(claims()) })],
    [
      'a token signed with another secret',
      async () => bearer(await hs256(claims(), 'another-secret-that-is-long-enough-0123456789')),
    ],
    [
      'alg "none"',
      () => bearer(`${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.`),
    ],
    [
      'alg "None" with a signature',
      () => bearer(hmacSigned({ alg: 'None', typ: 'JWT' }, claims(), testJwtSecret)),
    ],
    [
      'HS384 with the right secret',
      () => bearer(hmacSigned({ alg: 'HS384', typ: 'JWT' }, claims(), testJwtSecret)),
    ],
    [
      'an RS256 header, HMAC-signed with the HS secret (algorithm confusion)',
      () => bearer(hmacSigned({ alg: 'RS256', kid, typ: 'JWT' }, claims(), testJwtSecret)),
    ],
    [
      'an RS256 header without kid, HMAC-signed with the HS secret',
      () => bearer(hmacSigned({ alg: 'RS256', typ: 'JWT' }, claims(), testJwtSecret)),
    ],
    [
      'HS256 signed with the JWKS public key as the secret (key confusion)',
      () => bearer(hmacSigned({ alg: 'HS256', kid, typ: 'JWT' }, claims(), rsaPublicPem)),
    ],
    [
      'RS256 signed by a key that is not in the JWKS, claiming its kid',
      async () => bearer(await rs256(claims(), strangerKey)),
    ],
    [
      'a payload changed after signing',
      async () => {
        const [header, , signature] = (await hs256(claims())).split('.');
        return bearer(`${header}.${base64url(claims({ role: 'admin' }))}.${signature}`);
      },
    ],
    [
      'an expired token (HS256)',
      async () => bearer(await hs256(claims({ iat: nowSeconds() - 600, exp: nowSeconds() - 60 }))),
    ],
    [
      'an expired token (RS256)',
      async () => bearer(await rs256(claims({ iat: nowSeconds() - 600, exp: nowSeconds() - 60 }))),
    ],
    ['a token without exp', async () => bearer(await hs256(claims({ exp: undefined })))],
    ['nbf 60 s in the future', async () => bearer(await hs256(claims({ nbf: nowSeconds() + 60 })))],
    ['a wrong iss', async () => bearer(await hs256(claims({ iss: 'https://evil.example/' })))],
    ['no iss', async () => bearer(await hs256(claims({ iss: undefined })))],
    ['a wrong aud', async () => bearer(await hs256(claims({ aud: 'another-service' })))],
    ['no aud', async () => bearer(await hs256(claims({ aud: undefined })))],
    ['a wrong aud (RS256)', async () => bearer(await rs256(claims({ aud: 'another-service' })))],
    ['no sub', async () => bearer(await hs256(claims({ sub: undefined })))],
    ['sub 0', async () => bearer(await hs256(claims({ sub: 0 })))],
    ['sub "0"', async () => bearer(await hs256(claims({ sub: '0' })))],
    ['sub "-1"', async () => bearer(await hs256(claims({ sub: '-1' })))],
    ['sub -1', async () => bearer(await hs256(claims({ sub: -1 })))],
    ['sub "1e3"', async () => bearer(await hs256(claims({ sub: '1e3' })))],
    ['sub 1.5', async () => bearer(await hs256(claims({ sub: 1.5 })))],
    ['sub ""', async () => bearer(await hs256(claims({ sub: '' })))],
    ['sub "007"', async () => bearer(await hs256(claims({ sub: '007' })))],
    ['sub beyond 2^53', async () => bearer(await hs256(claims({ sub: '9007199254740993' })))],
  ])('answers 401 with WWW-Authenticate: Bearer to %s', async (_name, credentials) => {
    const headers = await credentials();

    const outcomes = await sendEverywhere(headers);

    expect(outcomes).toEqual(refusedEverywhere());
  });

  it.each([['access_token'], ['token']])(
    'ignores a valid token in the query string (?%s=) and answers 401',
    async (parameter) => {
      const token = await hs256(claims({ role: 'admin' }));

      const outcomes = await sendEverywhere({}, `?${parameter}=${encodeURIComponent(token)}`);

      expect(outcomes).toEqual(refusedEverywhere());
    },
  );

  it('ignores a valid token in a form body (access_token=) and answers 401', async () => {
    const token = await hs256(claims());

    const response = await request(env.url, 'POST', '/api/orders', {
      rawBody: `access_token=${encodeURIComponent(token)}`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
  });

  it('answers with a problem that echoes neither the token nor the secret', async () => {
    const token = await hs256(claims(), 'another-secret-that-is-long-enough-0123456789');
    const signature = token.split('.')[2] ?? '';

    const response = await send({ method: 'GET', path: '/api/orders' }, bearer(token));

    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ type: '/problems/unauthorized', status: 401 });
    expect(response.text).not.toContain(signature);
    expect(response.text).not.toContain(testJwtSecret);
  });
});

// src/http/auth.ts: 5 s of clock tolerance on exp and nbf (ADR 0005), for skew between the
// identity provider's clock and ours; beyond it the token is refused (the expired/nbf cases above).
describe('clock tolerance', () => {
  it('accepts a token that expired 1 s ago, within the 5 s tolerance', async () => {
    const token = await hs256(claims({ iat: nowSeconds() - 600, exp: nowSeconds() - 1 }));

    const response = await send({ method: 'GET', path: '/api/orders' }, bearer(token));

    expect(response.status).toBe(200);
  });

  it('accepts a token whose nbf is 2 s ahead, within the 5 s tolerance', async () => {
    const token = await hs256(claims({ nbf: nowSeconds() + 2 }));

    const response = await send({ method: 'GET', path: '/api/orders' }, bearer(token));

    expect(response.status).toBe(200);
  });

  it('refuses a token that expired 10 s ago, beyond the tolerance', async () => {
    const token = await hs256(claims({ iat: nowSeconds() - 600, exp: nowSeconds() - 10 }));

    const response = await send({ method: 'GET', path: '/api/orders' }, bearer(token));

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
  });
});
