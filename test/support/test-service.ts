import { afterAll, afterEach, beforeAll } from 'vitest';
import { startSandbox } from '../../sandbox/start-sandbox.js';
import type { Sandbox } from '../../sandbox/start-sandbox.js';
import { createLogger } from '../../src/observability/logger.js';
import type { RunningService, ServiceOptions } from '../../src/service.js';
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

/** Service options for tests: fast timeouts, a silent logger, the sandbox as peers. */
export function testServiceOptions(
  databaseUrl: string,
  sandbox: Sandbox,
  overrides: Partial<ServiceOptions> = {},
): ServiceOptions {
  return {
    connectionString: databaseUrl,
    poolMax: 10,
    port: 0,
    host: '127.0.0.1',
    peers: {
      productServiceUrl: sandbox.productUrl,
      paymentServiceUrl: sandbox.paymentUrl,
      notificationServiceUrl: sandbox.notificationUrl,
    },
    auth: { jwtSecret: testJwtSecret },
    serviceToken: undefined,
    currency: 'USD',
    peerTimeoutMs: 500,
    peerMaxAttempts: 3,
    orderResponseDeadlineMs: 3000,
    sagaRecoveryIntervalMs: 200,
    sagaDeadlineMs: 900_000,
    corsOrigins: [],
    bodyLimit: '100kb',
    // Suites place dozens of orders per user and minute; the rate limit has its own tests.
    orderRateLimit: { perMinute: 100_000 },
    // The production defaults: no test's rows are old enough; the retention tests age theirs.
    retention: { isEnabled: true, intervalMs: 3_600_000, sagaDays: 30, outboxDays: 7 },
    version: 'test',
    logger: createLogger({ level: 'error', logDir: undefined, console: false }),
    ...overrides,
  };
}

/**
 * The service in-process on port 0, on its own fresh database, with its own sandbox peers on
 * loopback ports: one per test file, so files run in parallel without sharing anything.
 */
export async function startTestService(
  overrides: Partial<ServiceOptions> = {},
): Promise<TestService> {
  const database = await createTestDatabase();
  const sandbox = await startSandbox();
  const service = await startService(testServiceOptions(database.url, sandbox, overrides));
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
export function useTestService(overrides: Partial<ServiceOptions> = {}): TestService {
  const env = {} as TestService;
  beforeAll(async () => {
    Object.assign(env, await startTestService(overrides));
  });
  afterEach(async () => {
    await env.peers.clearFaults();
  });
  afterAll(async () => {
    await env.close();
  });
  return env;
}
