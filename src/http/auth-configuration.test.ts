import { describe, expect, it } from 'vitest';
import { createAuthenticator } from './auth.js';

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
