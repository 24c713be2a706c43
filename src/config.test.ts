import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const devSecret = 'the-development-secret';
const strongSecret = 'a-production-secret-of-at-least-32-chars';
const peers = {
  PRODUCT_SERVICE_URL: 'http://products.internal:3001',
  PAYMENT_SERVICE_URL: 'http://payments.internal:3002',
  NOTIFICATION_SERVICE_URL: 'http://notifications.internal:3003',
};
/** A complete production environment; tests remove or spoil one variable at a time. */
const production = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://orders:secret@db.internal:5432/orders',
  JWT_SECRET: strongSecret,
  ...peers,
};

/** The ConfigError `load` throws (fails the test when it does not throw one). */
function configErrorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env, devSecret);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('loadConfig did not throw');
}

describe('loadConfig', () => {
  it("uses the contract's defaults for an empty environment", () => {
    const config = loadConfig({}, devSecret);

    expect(config).toMatchObject({
      port: 3004,
      currency: 'USD',
      peerTimeoutMs: 2000,
      peerMaxAttempts: 3,
      orderResponseDeadlineMs: 8000,
      sagaRecoveryIntervalMs: 5000,
      sagaDeadlineMs: 900_000,
      shutdownGraceMs: 25_000,
      logLevel: 'info',
      logDir: './logs',
      corsOrigins: [],
      isProduction: false,
      peers: undefined,
      serviceToken: undefined,
    });
    expect(config.auth).toMatchObject({
      jwtSecret: devSecret,
      isDevelopmentSecret: true,
      jwksUrl: undefined,
      issuer: undefined,
      audience: undefined,
    });
  });

  it('uses the embedded PostgreSQL under ./data when neither DATABASE_URL nor DB_HOST is set', () => {
    const config = loadConfig({ DATABASE_URL: '', DB_PORT: '5433' }, devSecret);

    expect(config.database.kind).toBe('embedded');
    expect(config.database).toMatchObject({ dataDir: expect.stringMatching(/^\.\/data(\/|$)/) });
  });

  it('reads every documented variable', () => {
    const config = loadConfig(
      {
        PORT: '8080',
        CURRENCY: 'EUR',
        PEER_TIMEOUT_MS: '1500',
        PEER_MAX_ATTEMPTS: '5',
        ORDER_RESPONSE_DEADLINE_MS: '4000',
        SAGA_RECOVERY_INTERVAL_MS: '1000',
        SAGA_DEADLINE_MS: '60000',
        SHUTDOWN_GRACE_MS: '10000',
        LOG_LEVEL: 'debug',
        LOG_DIR: '/var/log/orders',
        SERVICE_TOKEN: 'service-token',
        JWT_SECRET: 'short-is-fine-outside-production',
        JWT_ISSUER: 'https://id.example',
        JWT_AUDIENCE: 'orders',
        JWKS_URL: 'https://id.example/.well-known/jwks.json',
        ...peers,
      },
      devSecret,
    );

    expect(config).toMatchObject({
      port: 8080,
      currency: 'EUR',
      peerTimeoutMs: 1500,
      peerMaxAttempts: 5,
      orderResponseDeadlineMs: 4000,
      sagaRecoveryIntervalMs: 1000,
      sagaDeadlineMs: 60_000,
      shutdownGraceMs: 10_000,
      logLevel: 'debug',
      logDir: '/var/log/orders',
      serviceToken: 'service-token',
      auth: {
        jwtSecret: 'short-is-fine-outside-production',
        isDevelopmentSecret: false,
        issuer: 'https://id.example',
        audience: 'orders',
        jwksUrl: 'https://id.example/.well-known/jwks.json',
      },
    });
    expect(config.peers).toMatchObject({
      productServiceUrl: expect.stringMatching(/^http:\/\/products\.internal:3001\/?$/),
      paymentServiceUrl: expect.stringMatching(/^http:\/\/payments\.internal:3002\/?$/),
      notificationServiceUrl: expect.stringMatching(/^http:\/\/notifications\.internal:3003\/?$/),
    });
  });

  it('uses DATABASE_URL when set', () => {
    const config = loadConfig({ DATABASE_URL: production.DATABASE_URL }, devSecret);

    expect(config.database).toEqual({ kind: 'url', connectionString: production.DATABASE_URL });
  });

  it('uses DB_HOST and its companions when DATABASE_URL is unset', () => {
    const config = loadConfig(
      {
        DB_HOST: 'db.internal',
        DB_PORT: '6543',
        DB_NAME: 'shop',
        DB_USER: 'app',
        DB_PASSWORD: 'pw',
      },
      devSecret,
    );

    expect(config.database).toEqual({
      kind: 'fields',
      host: 'db.internal',
      port: 6543,
      database: 'shop',
      user: 'app',
      password: 'pw',
    });
  });

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

  it.each([['abc'], ['-1'], ['70000'], ['80.5']])('refuses PORT=%s, naming PORT', (port) => {
    const error = configErrorOf({ PORT: port });

    expect(error.message).toContain('PORT');
  });

  it.each([
    ['PEER_TIMEOUT_MS', 'soon'],
    ['PEER_MAX_ATTEMPTS', '0'],
    ['SAGA_DEADLINE_MS', '-5'],
    ['CURRENCY', 'dollars'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://db/orders'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    const error = configErrorOf({ [name]: value });

    expect(error.message).toContain(name);
  });

  it.each([
    [{ PRODUCT_SERVICE_URL: peers.PRODUCT_SERVICE_URL }],
    [
      {
        PRODUCT_SERVICE_URL: peers.PRODUCT_SERVICE_URL,
        PAYMENT_SERVICE_URL: peers.PAYMENT_SERVICE_URL,
      },
    ],
    [{ NOTIFICATION_SERVICE_URL: peers.NOTIFICATION_SERVICE_URL }],
  ])('refuses a partial set of peer URLs %o', (partial) => {
    const error = configErrorOf(partial);

    expect(error.message).toContain('PRODUCT_SERVICE_URL');
    expect(error.message).toContain('PAYMENT_SERVICE_URL');
    expect(error.message).toContain('NOTIFICATION_SERVICE_URL');
  });

  it('refuses a peer URL that is not a URL, naming it', () => {
    const error = configErrorOf({ ...peers, PAYMENT_SERVICE_URL: 'payments:3002' });

    expect(error.message).toContain('PAYMENT_SERVICE_URL');
  });

  it.each([
    ['https://shop.example', ['https://shop.example']],
    [
      'https://shop.example, https://admin.example ,',
      ['https://shop.example', 'https://admin.example'],
    ],
    ['', []],
    ['  ', []],
  ])('parses CORS_ORIGINS=%j', (value, expected) => {
    const config = loadConfig({ CORS_ORIGINS: value }, devSecret);

    expect(config.corsOrigins).toEqual(expected);
  });

  it('limits order creation to 60 a minute per user, in memory, unless told otherwise', () => {
    expect(loadConfig({}, devSecret).orderRateLimit).toEqual({
      perMinute: 60,
      redisUrl: undefined,
    });
    expect(
      loadConfig(
        { RATE_LIMIT_ORDERS_PER_MINUTE: '5', REDIS_URL: 'redis://:pw@cache.internal:6379/2' },
        devSecret,
      ).orderRateLimit,
    ).toEqual({ perMinute: 5, redisUrl: 'redis://:pw@cache.internal:6379/2' });
  });

  it.each([
    ['RATE_LIMIT_ORDERS_PER_MINUTE', '0'],
    ['RATE_LIMIT_ORDERS_PER_MINUTE', 'lots'],
    ['REDIS_URL', 'http://cache.internal:6379'],
  ])('refuses %s=%j, naming it', (name, value) => {
    expect(configErrorOf({ [name]: value }).message).toContain(name);
  });

  it('names every bad variable at once', () => {
    const error = configErrorOf({ PORT: 'abc', CURRENCY: 'usd' });

    expect(error.message).toContain('PORT');
    expect(error.message).toContain('CURRENCY');
  });
});
