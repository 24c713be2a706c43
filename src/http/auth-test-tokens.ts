import { SignJWT } from 'jose';
import type { CryptoKey, JWTPayload } from 'jose';
import { expect } from 'vitest';
import { UnauthorizedError } from './http-errors.js';

/*
 * Tokens for the auth-*.test.ts files: claims for user 42, signed with the test secret (HS256)
 * or with a key of the test key set (auth-test-key-set.ts), and the check that one is refused.
 */

export const secret = 'auth-test-secret-that-is-long-enough-0123456789';
export const secretBytes = new TextEncoder().encode(secret);
export const issuer = 'https://id.example.test/';
export const audience = 'order-service';

export type SigningKey = {
  readonly alg: 'RS256' | 'ES256';
  readonly kid: string;
  readonly key: CryptoKey;
};

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export type Claims = JWTPayload & { role?: unknown; roles?: unknown };

/** Valid claims for user 42 expiring in an hour; `undefined` values drop a claim. */
export function claims(overrides: Record<string, unknown> = {}): Claims {
  const all: Record<string, unknown> = { sub: '42', exp: nowSeconds() + 3600, ...overrides };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
}

export function hs256(payload: Claims, key: Uint8Array = secretBytes): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
}

export function signed(payload: Claims, { alg, kid, key }: SigningKey): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(key);
}

export const bearer = (token: string) => `Bearer ${token}`;

export async function expectRefused(attempt: Promise<unknown>, reason: RegExp): Promise<void> {
  const error = await attempt.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );

  expect(error).toBeInstanceOf(UnauthorizedError);
  expect(error).toHaveProperty('message', expect.stringMatching(reason));
}
