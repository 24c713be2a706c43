import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { ErrorRequestHandler } from 'express';
import { SignJWT, UnsecuredJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { UnauthorizedError } from '../domain/errors.js';
import { actorOf, createAuthenticator, requireAuth } from './auth.js';
import type { Authenticator } from './auth.js';

const secret = 'auth-test-secret-that-is-long-enough-0123456789';
const secretBytes = new TextEncoder().encode(secret);
const issuer = 'https://id.example.test/';
const audience = 'order-service';

type SigningKey = {
  readonly alg: 'RS256' | 'ES256';
  readonly kid: string;
  readonly key: CryptoKey;
};
type Served = { status: number; keys: JWK[]; hits: number };

const served = new Map<string, Served>();
let server: Server;
let baseUrl: string;
let rsa: SigningKey;
let ec: SigningKey;
let stranger: SigningKey;
let rsaPublicPem: string;

async function signingKey(alg: 'RS256' | 'ES256', kid: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { signing: { alg, kid, key: privateKey }, jwk, publicKey };
}

function serve(path: string, keys: JWK[], status = 200): string {
  served.set(path, { status, keys, hits: 0 });
  return `${baseUrl}${path}`;
}

function hitsOf(path: string): number {
  return served.get(path)?.hits ?? 0;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const entry = served.get(req.url ?? '');
    if (entry === undefined) {
      res.writeHead(404).end();
      return;
    }
    entry.hits += 1;
    res.writeHead(entry.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: entry.keys }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;

  const rsaPair = await signingKey('RS256', 'rsa-1');
  const ecPair = await signingKey('ES256', 'ec-1');
  rsa = rsaPair.signing;
  ec = ecPair.signing;
  stranger = (await signingKey('RS256', 'not-in-the-set')).signing;
  rsaPublicPem = await exportSPKI(rsaPair.publicKey);
  serve('/jwks.json', [rsaPair.jwk, ecPair.jwk]);
});

afterAll(() => {
  server.close();
});

afterEach(() => {
  vi.useRealTimers();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

type Claims = JWTPayload & { role?: unknown; roles?: unknown };

/** Valid claims for user 42 expiring in an hour; `undefined` values drop a claim. */
function claims(overrides: Record<string, unknown> = {}): Claims {
  const all: Record<string, unknown> = { sub: '42', exp: nowSeconds() + 3600, ...overrides };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
}

function hs256(payload: Claims, key: Uint8Array = secretBytes): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
}

function signed(payload: Claims, { alg, kid, key }: SigningKey): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(key);
}

const bearer = (token: string) => `Bearer ${token}`;

async function expectRefused(attempt: Promise<unknown>, reason: RegExp): Promise<void> {
  const error = await attempt.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );

  expect(error).toBeInstanceOf(UnauthorizedError);
  expect(error).toHaveProperty('message', expect.stringMatching(reason));
}

describe('createAuthenticator with a secret (HS256)', () => {
  const auth = createAuthenticator({ jwtSecret: secret });

  it('refuses a token it accepted before once the token has expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const fresh = createAuthenticator({ jwtSecret: secret });
    const token = await hs256(claims({ exp: nowSeconds() + 2 }));
    await expect(fresh.authenticate(bearer(token))).resolves.toMatchObject({ userId: 42 });
    await expect(fresh.authenticate(bearer(token))).resolves.toMatchObject({ userId: 42 });

    vi.setSystemTime(Date.now() + 8_000); // past exp and the 5 s tolerance

    await expectRefused(fresh.authenticate(bearer(token)), /expired/);
  });

  it.each([
    ['a digit string', '42'],
    ['a JSON number', 42],
  ])('accepts sub as %s', async (_, sub) => {
    const token = await hs256(claims({ sub }));

    await expect(auth.authenticate(bearer(token))).resolves.toEqual({
      kind: 'user',
      userId: 42,
      role: 'user',
    });
  });

  it.each([
    ['role "admin"', { role: 'admin' }, 'admin'],
    ['roles containing "admin"', { roles: ['reader', 'admin'] }, 'admin'],
    ['role "user"', { role: 'user' }, 'user'],
    ['no role', {}, 'user'],
    ['role "Admin" (case matters)', { role: 'Admin' }, 'user'],
    ['roles as a string, not an array', { roles: 'admin' }, 'user'],
  ])('maps %s to %s', async (_, roleClaims, role) => {
    const token = await hs256(claims(roleClaims));

    const actor = await auth.authenticate(bearer(token));

    expect(actor.role).toBe(role);
  });

  it('accepts a lower-case "bearer" scheme', async () => {
    const token = await hs256(claims({ sub: 7 }));

    await expect(auth.authenticate(`bearer ${token}`)).resolves.toMatchObject({ userId: 7 });
  });

  it.each([0, -1, 'abc', 1.5, '0', '007', '', ' 42', Number.MAX_SAFE_INTEGER + 1, null])(
    'refuses sub %j',
    async (sub) => {
      const token = await hs256(claims({ sub }));

      await expectRefused(auth.authenticate(bearer(token)), /subject/);
    },
  );

  it('refuses a token without sub', async () => {
    const token = await hs256(claims({ sub: undefined }));

    await expectRefused(auth.authenticate(bearer(token)), /required claim/);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a bare scheme', 'Bearer '],
    ['two tokens', 'Bearer a.b.c d.e.f'],
  ])('refuses %s', async (_, header) => {
    await expectRefused(auth.authenticate(header), /bearer token|Bearer <token>/);
  });

  it.each([
    ['not a JWT', 'Bearer not-a-jwt'],
    ['garbage segments', 'Bearer abc.def.ghi'],
  ])('refuses %s as malformed', async (_, header) => {
    await expectRefused(auth.authenticate(header), /malformed/);
  });

  it('refuses a token signed with another secret, without echoing it', async () => {
    const token = await hs256(claims(), new TextEncoder().encode(`${secret}-but-another-one`));

    const error = await auth.authenticate(bearer(token)).catch((rejection: unknown) => rejection);

    await expectRefused(
      Promise.reject(error instanceof Error ? error : new Error(String(error))),
      /signature/,
    );
    expect(String(error)).not.toContain(token);
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const [header, , signature] = (await hs256(claims({ role: 'user' }))).split('.');
    const payload = Buffer.from(JSON.stringify(claims({ role: 'admin' }))).toString('base64url');

    await expectRefused(
      auth.authenticate(bearer(`${header}.${payload}.${signature}`)),
      /signature/,
    );
  });

  it('refuses alg "none"', async () => {
    const token = new UnsecuredJWT(claims({ role: 'admin' })).encode();

    await expectRefused(auth.authenticate(bearer(token)), /algorithm/);
  });

  it('refuses an expired token', async () => {
    const token = await hs256(claims({ exp: nowSeconds() - 60 }));

    await expectRefused(auth.authenticate(bearer(token)), /expired/);
  });

  it('accepts a token expired 2 s ago within the default 5 s clock tolerance', async () => {
    const token = await hs256(claims({ exp: nowSeconds() - 2 }));
    const strict = createAuthenticator({ jwtSecret: secret, clockToleranceSeconds: 0 });

    await expect(auth.authenticate(bearer(token))).resolves.toMatchObject({ userId: 42 });
    await expectRefused(strict.authenticate(bearer(token)), /expired/);
  });

  it('refuses a token that is not valid yet (nbf)', async () => {
    const token = await hs256(claims({ nbf: nowSeconds() + 60 }));

    await expectRefused(auth.authenticate(bearer(token)), /not valid yet/);
  });

  it('refuses a token without exp', async () => {
    const token = await hs256(claims({ exp: undefined }));

    await expectRefused(auth.authenticate(bearer(token)), /required claim/);
  });

  it('refuses exp that is not a number', async () => {
    const token = await hs256(claims({ exp: String(nowSeconds() + 3600) }));

    await expectRefused(auth.authenticate(bearer(token)), /claim/);
  });

  it('refuses an RS256 token when only a secret is configured', async () => {
    const token = await signed(claims(), rsa);

    await expectRefused(auth.authenticate(bearer(token)), /algorithm/);
  });

  it('refuses HS384 even with the right secret', async () => {
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS384' })
      .sign(secretBytes);

    await expectRefused(auth.authenticate(bearer(token)), /algorithm/);
  });
});

describe('createAuthenticator with an issuer and audience', () => {
  const auth = createAuthenticator({ jwtSecret: secret, issuer, audience });

  it('accepts matching iss and aud, aud as a string or in an array', async () => {
    const single = await hs256(claims({ iss: issuer, aud: audience }));
    const several = await hs256(claims({ iss: issuer, aud: ['billing', audience] }));

    await expect(auth.authenticate(bearer(single))).resolves.toMatchObject({ userId: 42 });
    await expect(auth.authenticate(bearer(several))).resolves.toMatchObject({ userId: 42 });
  });

  it.each([
    ['another iss', { iss: 'https://evil.example.test/', aud: audience }, /not accepted/],
    ['another aud', { iss: issuer, aud: 'another-service' }, /not accepted/],
    ['no iss', { aud: audience }, /required claim/],
    ['no aud', { iss: issuer }, /required claim/],
  ])('refuses %s', async (_, issuerAndAudience, reason) => {
    const token = await hs256(claims(issuerAndAudience));

    await expectRefused(auth.authenticate(bearer(token)), reason);
  });

  it('checks iss and aud on JWKS tokens too', async () => {
    const keySetAuth = createAuthenticator({ jwksUrl: `${baseUrl}/jwks.json`, issuer, audience });
    const good = await signed(claims({ iss: issuer, aud: audience }), rsa);
    const wrongAudience = await signed(claims({ iss: issuer, aud: 'another-service' }), ec);
    const noIssuer = await signed(claims({ aud: audience }), rsa);

    await expect(keySetAuth.authenticate(bearer(good))).resolves.toMatchObject({ userId: 42 });
    await expectRefused(keySetAuth.authenticate(bearer(wrongAudience)), /not accepted/);
    await expectRefused(keySetAuth.authenticate(bearer(noIssuer)), /required claim/);
  });
});

describe('createAuthenticator with a JWKS URL (RS256, ES256)', () => {
  it.each([
    ['RS256', () => rsa],
    ['ES256', () => ec],
  ])('accepts %s tokens signed by a key in the set', async (_, key) => {
    const auth = createAuthenticator({ jwksUrl: `${baseUrl}/jwks.json` });
    const token = await signed(claims({ sub: 9, roles: ['admin'] }), key());

    await expect(auth.authenticate(bearer(token))).resolves.toEqual({
      kind: 'user',
      userId: 9,
      role: 'admin',
    });
  });

  it('applies the same claim rules as HS256', async () => {
    const auth = createAuthenticator({ jwksUrl: `${baseUrl}/jwks.json` });

    await expectRefused(
      auth.authenticate(bearer(await signed(claims({ exp: nowSeconds() - 60 }), rsa))),
      /expired/,
    );
    await expectRefused(
      auth.authenticate(bearer(await signed(claims({ nbf: nowSeconds() + 60 }), ec))),
      /not valid yet/,
    );
    await expectRefused(
      auth.authenticate(bearer(await signed(claims({ exp: undefined }), rsa))),
      /required claim/,
    );
    await expectRefused(
      auth.authenticate(bearer(await signed(claims({ sub: 'abc' }), ec))),
      /subject/,
    );
  });

  it('refuses a token signed by a key that claims a kid from the set', async () => {
    const auth = createAuthenticator({ jwksUrl: `${baseUrl}/jwks.json` });
    const token = await signed(claims(), { ...stranger, kid: rsa.kid });

    await expectRefused(auth.authenticate(bearer(token)), /signature/);
  });

  it('refuses an unknown kid', async () => {
    const auth = createAuthenticator({ jwksUrl: `${baseUrl}/jwks.json` });
    const token = await signed(claims(), stranger);

    await expectRefused(auth.authenticate(bearer(token)), /signing key is unknown/);
  });

  it('refuses HS256 when only a JWKS URL is configured', async () => {
    const auth = createAuthenticator({ jwksUrl: `${baseUrl}/jwks.json` });
    const token = await hs256(claims(), new TextEncoder().encode(rsaPublicPem));

    await expectRefused(auth.authenticate(bearer(token)), /algorithm/);
  });

  it('fetches the key set once for many tokens', async () => {
    const url = serve('/cached.json', served.get('/jwks.json')?.keys ?? []);
    const auth = createAuthenticator({ jwksUrl: url });

    for (const key of [rsa, ec, rsa, ec]) {
      await auth.authenticate(bearer(await signed(claims(), key)));
    }

    expect(hitsOf('/cached.json')).toBe(1);
  });

  it('refetches the key set for an unknown kid, at most once per 30 s', async () => {
    const rotated = await signingKey('RS256', 'rsa-rotated');
    const keys = [...(served.get('/jwks.json')?.keys ?? [])];
    const url = serve('/rotating.json', keys);
    const auth = createAuthenticator({ jwksUrl: url });
    vi.useFakeTimers({ toFake: ['Date'] });
    await auth.authenticate(bearer(await signed(claims(), rsa)));

    keys.push(rotated.jwk);
    const tooSoon = auth.authenticate(bearer(await signed(claims(), rotated.signing)));
    await expectRefused(tooSoon, /signing key is unknown/);
    vi.setSystemTime(Date.now() + 31_000);
    const later = auth.authenticate(bearer(await signed(claims(), rotated.signing)));

    await expect(later).resolves.toMatchObject({ userId: 42 });
    expect(hitsOf('/rotating.json')).toBe(2);
  });

  it('refuses, without crashing, when the JWKS URL is unreachable', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    closed.close();
    await once(closed, 'close');
    const auth = createAuthenticator({ jwksUrl: `http://127.0.0.1:${String(port)}/jwks.json` });

    await expectRefused(
      auth.authenticate(bearer(await signed(claims(), rsa))),
      /could not be fetched/,
    );
  });

  it('refuses when the JWKS URL answers 500', async () => {
    const auth = createAuthenticator({ jwksUrl: serve('/broken.json', [], 500) });

    await expectRefused(
      auth.authenticate(bearer(await signed(claims(), ec))),
      /could not be fetched/,
    );
  });
});

describe('createAuthenticator with both a secret and a JWKS URL', () => {
  let auth: Authenticator;
  beforeAll(() => {
    auth = createAuthenticator({ jwtSecret: secret, jwksUrl: `${baseUrl}/jwks.json` });
  });

  it('checks HS256 against the secret and RS256/ES256 against the JWKS', async () => {
    const tokens = [await hs256(claims()), await signed(claims(), rsa), await signed(claims(), ec)];

    for (const token of tokens) {
      await expect(auth.authenticate(bearer(token))).resolves.toMatchObject({ userId: 42 });
    }
  });

  it('refuses HS256 signed with the RSA public key as the secret (key confusion)', async () => {
    const token = await hs256(claims({ role: 'admin' }), new TextEncoder().encode(rsaPublicPem));

    await expectRefused(auth.authenticate(bearer(token)), /signature/);
  });

  it('refuses HS256 with a kid from the JWKS, signed with that public key', async () => {
    const token = await new SignJWT(claims({ role: 'admin' }))
      .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
      .sign(new TextEncoder().encode(rsaPublicPem));

    await expectRefused(auth.authenticate(bearer(token)), /signature/);
  });
});

describe('createAuthenticator configuration', () => {
  it('throws when neither a secret nor a JWKS URL is given', () => {
    expect(() => createAuthenticator({})).toThrow(/jwtSecret or jwksUrl/);
    expect(() => createAuthenticator({ jwtSecret: undefined, jwksUrl: undefined })).toThrow();
  });

  it('throws for an empty secret or an invalid JWKS URL', () => {
    expect(() => createAuthenticator({ jwtSecret: '' })).toThrow(/empty/);
    expect(() => createAuthenticator({ jwksUrl: 'not a url' })).toThrow();
  });
});

describe('requireAuth', () => {
  let app: Server;
  let url: string;

  beforeAll(async () => {
    const auth = createAuthenticator({ jwtSecret: secret });
    const toStatus: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
      res.status(error instanceof UnauthorizedError ? 401 : 500).json({
        message: error instanceof Error ? error.message : 'unknown',
      });
    };
    const express5 = express();
    express5.get('/whoami', requireAuth(auth), (_req, res) => {
      res.json(actorOf(res));
    });
    express5.get('/unguarded', (_req, res) => {
      res.json(actorOf(res));
    });
    express5.use(toStatus);
    app = express5.listen(0, '127.0.0.1');
    await once(app, 'listening');
    url = `http://127.0.0.1:${String((app.address() as AddressInfo).port)}`;
  });

  afterAll(() => {
    app.close();
  });

  it('puts the actor in res.locals for the next handler', async () => {
    const token = await hs256(claims({ sub: 5, role: 'admin' }));

    const response = await fetch(`${url}/whoami`, { headers: { authorization: bearer(token) } });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ kind: 'user', userId: 5, role: 'admin' });
  });

  it('passes UnauthorizedError to the error handler', async () => {
    const missing = await fetch(`${url}/whoami`);
    const expired = await fetch(`${url}/whoami`, {
      headers: { authorization: bearer(await hs256(claims({ exp: nowSeconds() - 60 }))) },
    });

    expect(missing.status).toBe(401);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ message: 'The token has expired.' });
  });

  it('makes actorOf throw when requireAuth did not run', async () => {
    const response = await fetch(`${url}/unguarded`);

    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      message: 'No actor: requireAuth must run before this handler.',
    });
  });
});
