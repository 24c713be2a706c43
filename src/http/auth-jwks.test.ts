import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthenticator } from './auth.js';
import type { Authenticator } from './auth.js';
import { signingKey, startKeySetServer, type KeySetServer } from './auth-test-key-set.js';
import {
  bearer,
  claims,
  expectRefused,
  hs256,
  nowSeconds,
  secret,
  signed,
  type SigningKey,
} from './auth-test-tokens.js';

let keySet: KeySetServer;
let baseUrl: string;
let rsa: SigningKey;
let ec: SigningKey;
let stranger: SigningKey;
let rsaPublicPem: string;

beforeAll(async () => {
  keySet = await startKeySetServer();
  ({ baseUrl, rsa, ec, stranger, rsaPublicPem } = keySet);
});

afterAll(() => {
  keySet.close();
});

afterEach(() => {
  vi.useRealTimers();
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
    const url = keySet.serve('/cached.json', keySet.served.get('/jwks.json')?.keys ?? []);
    const auth = createAuthenticator({ jwksUrl: url });

    for (const key of [rsa, ec, rsa, ec]) {
      await auth.authenticate(bearer(await signed(claims(), key)));
    }

    expect(keySet.hitsOf('/cached.json')).toBe(1);
  });

  it('refetches the key set for an unknown kid, at most once per 30 s', async () => {
    const rotated = await signingKey('RS256', 'rsa-rotated');
    const keys = [...(keySet.served.get('/jwks.json')?.keys ?? [])];
    const url = keySet.serve('/rotating.json', keys);
    const auth = createAuthenticator({ jwksUrl: url });
    vi.useFakeTimers({ toFake: ['Date'] });
    await auth.authenticate(bearer(await signed(claims(), rsa)));

    keys.push(rotated.jwk);
    const tooSoon = auth.authenticate(bearer(await signed(claims(), rotated.signing)));
    await expectRefused(tooSoon, /signing key is unknown/);
    vi.setSystemTime(Date.now() + 31_000);
    const later = auth.authenticate(bearer(await signed(claims(), rotated.signing)));

    await expect(later).resolves.toMatchObject({ userId: 42 });
    expect(keySet.hitsOf('/rotating.json')).toBe(2);
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
    const auth = createAuthenticator({ jwksUrl: keySet.serve('/broken.json', [], 500) });

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
