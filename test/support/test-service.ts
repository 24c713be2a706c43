import { afterAll, afterEach, beforeAll } from 'vitest';
import { startSandbox } from '../../sandbox/start-sandbox.js';
import type { Sandbox } from '../../sandbox/start-sandbox.js';
import type { Config } from '../../src/config.js';
import { loadConfig } from '../../src/config.js';
import { developmentJwtSecret } from '../../src/dev-secret.js';
import { createLogger } from '../../src/observability/logger.js';
import type { RunningService, ServiceRuntime } from '../../src/service.js';
import { startService } from '../../src/service.js';
import type { Api } from './http-client.js';
import { apiAs } from './http-client.js';
import type { SandboxClient } from './sandbox-client.js';
import { sandboxClient } from './sandbox-client.js';
import { createTestDatabase } from './test-database.js';
import type { TestDatabase } from './test-database.js';
import { testJwtSecret } from './tokens.js';

export type TestService = {
  url: string;
  service: RunningService;
  sandbox: Sandbox;
  peers: SandboxClient;
  database: TestDatabase;
  /** The API as the holder of `token` (anonymous without one). */
  api(token?: string): Api;
  close(): Promise<void>;
};

/** Config fields a test changes; `auth` and `orderRateLimit` are merged into the defaults. */
export type ConfigOverrides = Partial<Omit<Config, 'auth' | 'orderRateLimit'>> & {
  auth?: Partial<Config['auth']>;
  orderRateLimit?: Partial<Config['orderRateLimit']>;
};

/**
 * The Config for tests, parsed by loadConfig like the service's own: fast timeouts, port 0, the
 * sandbox as peers; then `overrides`.
 */
export function testConfig(
  databaseUrl: string,
  sandbox: Sandbox,
  overrides: ConfigOverrides = {},
): Config {
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      PORT: '0',
      DATABASE_URL: databaseUrl,
      PRODUCT_SERVICE_URL: sandbox.productUrl,
      PAYMENT_SERVICE_URL: sandbox.paymentUrl,
      NOTIFICATION_SERVICE_URL: sandbox.notificationUrl,
      JWT_SECRET: testJwtSecret,
      PEER_TIMEOUT_MS: '500',
      ORDER_RESPONSE_DEADLINE_MS: '3000',
      SAGA_RECOVERY_INTERVAL_MS: '200',
      // Suites place dozens of orders per user and minute; the rate limit has its own tests.
      RATE_LIMIT_ORDERS_PER_MINUTE: '100000',
      LOG_LEVEL: 'error',
      // Retention keeps its production defaults: no test's rows are old enough; the retention
      // tests age theirs.
    },
    developmentJwtSecret,
  );
  return Object.freeze({
    ...config,
    ...overrides,
    auth: { ...config.auth, ...overrides.auth },
    orderRateLimit: { ...config.orderRateLimit, ...overrides.orderRateLimit },
  });
}

/** startService's two arguments for tests: testConfig, and a silent logger on loopback. */
export function testServiceOptions(
  databaseUrl: string,
  sandbox: Sandbox,
  overrides: ConfigOverrides = {},
  runtime: Partial<ServiceRuntime> = {},
): [Config, ServiceRuntime] {
  return [
    testConfig(databaseUrl, sandbox, overrides),
    {
      connectionString: databaseUrl,
      peers: {
        productServiceUrl: sandbox.productUrl,
        paymentServiceUrl: sandbox.paymentUrl,
        notificationServiceUrl: sandbox.notificationUrl,
      },
      host: '127.0.0.1',
      version: 'test',
      logger: createLogger({ level: 'error', logDir: undefined, console: false }),
      ...runtime,
    },
  ];
}

/**
 * The service in-process on port 0, on its own fresh database, with its own sandbox peers on
 * loopback ports: one per test file, so files run in parallel without sharing anything.
 */
export async function startTestService(
  overrides: ConfigOverrides = {},
  runtime: Partial<ServiceRuntime> = {},
): Promise<TestService> {
  const database = await createTestDatabase();
  const sandbox = await startSandbox();
  const service = await startService(
    ...testServiceOptions(database.url, sandbox, overrides, runtime),
  );
  return {
    url: service.url,
    service,
    sandbox,
    peers: sandboxClient(sandbox),
    database,
    api: (token) => apiAs(service.url, token),
    async close() {
      await service.stop(1000);
      await sandbox.close();
      await database.drop();
    },
  };
}

export const shippingAddress = {
  name: 'Ada Lovelace',
  street: '1 Main St',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

export function orderBody(
  items: { productId: number; quantity: number }[],
  extra: Record<string, unknown> = {},
) {
  return { items, shippingAddress, paymentMethod: 'pm_card_visa', ...extra };
}

/**
 * One service for the calling test file: started before its tests, faults cleared after each,
 * closed at the end. The returned object is filled in by `beforeAll`.
 */
export function useTestService(
  overrides: ConfigOverrides = {},
  runtime: Partial<ServiceRuntime> = {},
): TestService {
  const env = {} as TestService;
  beforeAll(async () => {
    Object.assign(env, await startTestService(overrides, runtime));
  });
  afterEach(async () => {
    await env.peers.clearFaults();
  });
  afterAll(async () => {
    await env.close();
  });
  return env;
}
