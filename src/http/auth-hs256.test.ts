import { SignJWT, UnsecuredJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthenticator } from './auth.js';
import { signingKey } from './auth-test-key-set.js';
import {
  bearer,
  claims,
  expectRefused,
  hs256,
  nowSeconds,
  secret,
  secretBytes,
  signed,
  type SigningKey,
} from './auth-test-tokens.js';

/** An RS256 key: the secret-only authenticator must refuse what it signs. */
let rsa: SigningKey;

beforeAll(async () => {
  rsa = (await signingKey('RS256', 'rsa-1')).signing;
});

afterEach(() => {
  vi.useRealTimers();
});

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
