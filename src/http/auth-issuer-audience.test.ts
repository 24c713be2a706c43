import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from './auth.js';
import { startKeySetServer, type KeySetServer } from './auth-test-key-set.js';
import {
  audience,
  bearer,
  claims,
  expectRefused,
  hs256,
  issuer,
  secret,
  signed,
  type SigningKey,
} from './auth-test-tokens.js';

let keySet: KeySetServer;
let baseUrl: string;
let rsa: SigningKey;
let ec: SigningKey;

beforeAll(async () => {
  keySet = await startKeySetServer();
  ({ baseUrl, rsa, ec } = keySet);
});

afterAll(() => {
  keySet.close();
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
