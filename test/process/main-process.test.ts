import pg from 'pg';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../sandbox/start-sandbox.js';
import type { Sandbox } from '../../sandbox/start-sandbox.js';
import { apiAs } from '../support/http-client.js';
import { sandboxClient } from '../support/sandbox-client.js';
import type { TestDatabase } from '../support/test-database.js';
import { createTestDatabase } from '../support/test-database.js';
import { serviceEnv, startServiceProcess } from '../support/service-process.js';
import { orderBody } from '../support/test-service.js';
import { newUser, testJwtSecret } from '../support/tokens.js';

let database: TestDatabase;
let sandbox: Sandbox;
let logDir: string;
beforeAll(async () => {
  database = await createTestDatabase();
  sandbox = await startSandbox();
  logDir = await mkdtemp(path.join(tmpdir(), 'order-service-logs-'));
});
afterAll(async () => {
  await sandbox.close();
  await database.drop();
  await rm(logDir, { recursive: true, force: true });
});

/** The service as it runs in production, on the test database and sandbox. */
const startProduction = (extra: Record<string, string> = {}) =>
  startServiceProcess({
    ...serviceEnv(database.url, sandbox, {
      LOG_DIR: logDir,
      SHUTDOWN_GRACE_MS: '10000',
      PEER_TIMEOUT_MS: '5000',
    }),
    NODE_ENV: 'production',
    ...extra,
  });

describe('the service process', () => {
  it('drains an in-flight order on SIGTERM, then exits 0', async () => {
    const service = startProduction();
    const url = await service.ready();
    const user = await newUser();
    const peers = sandboxClient(sandbox);
    const product = await peers.createProduct({ price: '3.50', stock: 4 });
    await peers.fault({ operation: 'charge', mode: 'latency', latencyMs: 1000, count: 1 });

    const placing = apiAs(url, user.token).post(
      '/api/orders',
      orderBody([{ productId: product.id, quantity: 1 }]),
      {
        'X-Request-Id': 'drain-me',
      },
    );
    await expect
      .poll(async () => (await peers.requests('charge')).length, { timeout: 10_000 })
      .toBe(1);
    service.child.kill('SIGTERM');
    const response = await placing.catch((error: unknown) => {
      throw new Error(`${String(error)}\n${service.output()}`);
    });
    const code = await service.exited;

    expect(response.status).toBe(201);
    expect(response.body.status).toBe('paid');
    expect(code).toBe(0);
    const log = await readFile(path.join(logDir, 'all.log'), 'utf8');
    expect(log).toMatch(/"requestId":"drain-me"/);
    expect(log).not.toContain(user.token);
  });

  it('lets a saga still running after its 202 finish on SIGTERM, within the grace period', async () => {
    const service = startProduction({ ORDER_RESPONSE_DEADLINE_MS: '300' });
    const url = await service.ready();
    const user = await newUser();
    const peers = sandboxClient(sandbox);
    const product = await peers.createProduct({ price: '2.25', stock: 4 });
    await peers.fault({ operation: 'charge', mode: 'latency', latencyMs: 1500, count: 1 });

    const placed = await apiAs(url, user.token).post(
      '/api/orders',
      orderBody([{ productId: product.id, quantity: 1 }]),
    );
    expect(placed.status).toBe(202);
    service.child.kill('SIGTERM');
    const code = await service.exited;

    expect(code).toBe(0);
    expect(service.output()).not.toMatch(/Cannot use a pool after calling end/);
    expect((await peers.netCharge(placed.body.id)).netCents).toBe(225);
    const pool = new pg.Pool({ connectionString: database.url });
    const { rows } = await pool.query<{ status: string }>(
      'select status from orders where id = $1',
      [placed.body.id],
    );
    await pool.end();
    expect(rows[0]?.status).toBe('paid');
  });

  it('refuses to start in production without a database, naming the variable', async () => {
    const service = startServiceProcess({ NODE_ENV: 'production', JWT_SECRET: testJwtSecret });

    const code = await service.exited;

    expect(code).toBe(1);
    expect(service.output()).toMatch(/DATABASE_URL or DB_HOST/);
  });

  it('stops at start on an invalid value, naming the variable', async () => {
    const service = startServiceProcess({ PORT: 'abc', DATABASE_URL: database.url });

    const code = await service.exited;

    expect(code).toBe(1);
    expect(service.output()).toMatch(/PORT/);
  });
});
