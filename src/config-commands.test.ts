import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  loadInvariantCheckConfig,
  loadMigrateConfig,
  loadTokenConfig,
} from './config.js';
import { production } from './config-test-environments.js';

describe('loadMigrateConfig', () => {
  it('needs only the database settings, even in production', () => {
    const config = loadMigrateConfig({
      NODE_ENV: 'production',
      DATABASE_URL: production.DATABASE_URL,
      MIGRATION_LOCK_WAIT_MS: '1000',
    });

    expect(config).toEqual({
      database: { kind: 'url', connectionString: production.DATABASE_URL },
      migrationLockWaitMs: 1000,
    });
  });

  it('refuses the embedded PostgreSQL in production, as the service does', () => {
    expect(() => loadMigrateConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
  });
});

describe('loadInvariantCheckConfig', () => {
  it("reads the database from DB_* and defaults the peers to the sandbox's ports", () => {
    const config = loadInvariantCheckConfig({ DB_HOST: 'db.internal', DB_NAME: 'shop' });

    expect(config).toMatchObject({
      database: { kind: 'fields', host: 'db.internal', port: 5432, database: 'shop' },
      productServiceUrl: 'http://127.0.0.1:3001',
      paymentServiceUrl: 'http://127.0.0.1:3002',
    });
  });

  it('refuses to run without a database rather than start an embedded one', () => {
    expect(() => loadInvariantCheckConfig({})).toThrow(/DATABASE_URL.*DB_HOST/);
  });

  it('names a bad peer URL', () => {
    expect(() =>
      loadInvariantCheckConfig({ DATABASE_URL: production.DATABASE_URL, PAYMENT_SERVICE_URL: 'x' }),
    ).toThrow(/PAYMENT_SERVICE_URL/);
  });
});

describe('loadTokenConfig', () => {
  it('reads the JWT settings as loadConfig does, blank meaning unset', () => {
    const config = loadTokenConfig({ JWT_SECRET: ' ', JWT_ISSUER: 'orders', DATABASE_URL: 'x' });

    expect(config).toEqual({ jwtSecret: undefined, issuer: 'orders', audience: undefined });
  });
});
