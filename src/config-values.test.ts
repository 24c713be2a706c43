import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { devSecret, peers, production } from './config-test-environments.js';

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

  it('deletes finished sagas after 30 days and sent notifications after 7, hourly, unless told otherwise', () => {
    expect(loadConfig({}, devSecret).retention).toEqual({
      isEnabled: true,
      intervalMs: 3_600_000,
      sagaDays: 30,
      outboxDays: 7,
    });
    expect(
      loadConfig(
        {
          RETENTION_ENABLED: 'false',
          RETENTION_INTERVAL_MS: '600000',
          RETENTION_SAGAS_DAYS: '90',
          RETENTION_OUTBOX_DAYS: '0.5',
        },
        devSecret,
      ).retention,
    ).toEqual({ isEnabled: false, intervalMs: 600_000, sagaDays: 90, outboxDays: 0.5 });
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
});
