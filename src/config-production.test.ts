import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { configErrorOf, devSecret, production, strongSecret } from './config-test-environments.js';

describe('loadConfig', () => {
  it('accepts a complete production environment', () => {
    const config = loadConfig(production, devSecret);

    expect(config).toMatchObject({ isProduction: true, database: { kind: 'url' } });
    expect(config.auth).toMatchObject({ jwtSecret: strongSecret, isDevelopmentSecret: false });
  });

  it('refuses production without a database, naming DATABASE_URL', () => {
    const error = configErrorOf({ ...production, DATABASE_URL: undefined });

    expect(error.message).toContain('DATABASE_URL');
    expect(error.message).toContain('DB_HOST');
  });

  it('accepts production with DB_HOST instead of DATABASE_URL', () => {
    const config = loadConfig(
      { ...production, DATABASE_URL: undefined, DB_HOST: 'db.internal' },
      devSecret,
    );

    expect(config.database.kind).toBe('fields');
  });

  it('refuses a production JWT_SECRET shorter than 32 characters, naming JWT_SECRET', () => {
    const error = configErrorOf({ ...production, JWT_SECRET: 'x'.repeat(31) });

    expect(error.message).toContain('JWT_SECRET');
  });

  it('refuses the development secret as a production JWT_SECRET, however long', () => {
    const longDevelopmentSecret = 'a-public-development-secret-of-more-than-32-chars';

    let error: unknown;
    try {
      loadConfig({ ...production, JWT_SECRET: longDevelopmentSecret }, longDevelopmentSecret);
    } catch (thrown) {
      error = thrown;
    }

    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toHaveProperty(
      'message',
      expect.stringMatching(/JWT_SECRET: the public development secret/),
    );
  });

  it("refuses the Kubernetes example's placeholder as a production JWT_SECRET", () => {
    const example = readFileSync(
      new URL('../deploy/k8s/base/secret.example.yaml', import.meta.url),
      'utf8',
    );
    const placeholder = /^\s*JWT_SECRET:\s*(\S+)\s*$/m.exec(example)?.[1] ?? '';

    expect(placeholder.length).toBeGreaterThanOrEqual(32);
    expect(configErrorOf({ ...production, JWT_SECRET: placeholder }).message).toMatch(
      /JWT_SECRET: the example placeholder/,
    );
  });

  it('accepts a production JWT_SECRET of exactly 32 characters', () => {
    const config = loadConfig({ ...production, JWT_SECRET: 'x'.repeat(32) }, devSecret);

    expect(config.auth.jwtSecret).toBe('x'.repeat(32));
  });

  it('refuses production with neither JWT_SECRET nor JWKS_URL, naming JWT_SECRET', () => {
    const error = configErrorOf({ ...production, JWT_SECRET: undefined });

    expect(error.message).toContain('JWT_SECRET');
  });

  it('accepts production with JWKS_URL and no JWT_SECRET', () => {
    const config = loadConfig(
      { ...production, JWT_SECRET: undefined, JWKS_URL: 'https://id.example/jwks.json' },
      devSecret,
    );

    expect(config.auth).toMatchObject({
      jwtSecret: undefined,
      jwksUrl: 'https://id.example/jwks.json',
      isDevelopmentSecret: false,
    });
  });
});
