import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckInvariantsDeps } from '../../src/invariants/check-invariants.js';
import { checkInvariants, formatReport } from '../../src/invariants/check-invariants.js';
import { request } from '../support/http-client.js';
import {
  advance,
  createProducts,
  declinedCard,
  placePaidOrder,
  statusOf,
} from '../support/orders.js';
import { orderBody, useTestService } from '../support/test-service.js';
import type { TestUser } from '../support/tokens.js';
import { newUser } from '../support/tokens.js';

// The recovery loop runs once a minute here: a saga left running by a failed charge stays
// running until the test decides what happens to it. Every other flow settles in its request.
const env = useTestService({ sagaRecoveryIntervalMs: 60_000 });

const check = (orderIds: number[], overrides: Partial<CheckInvariantsDeps> = {}) =>
  checkInvariants({
    db: env.service.pool,
    productServiceUrl: env.sandbox.productUrl,
    paymentServiceUrl: env.sandbox.paymentUrl,
    orderIds,
    ...overrides,
  });

/** Behind the Order Service's back, as a bug or another client would. */
async function callPeer(baseUrl: string, path: string, body: unknown) {
  const response = await request(baseUrl, 'POST', path, {
    body,
    headers: { 'Idempotency-Key': `invariants-test-${randomUUID()}` },
  });
  if (response.status >= 300) throw new Error(`${path} answered ${response.status}`);
  return response.body;
}

/** An order left `pending` by a failing Payment Service, its place saga still running. */
async function placePendingOrder(user: TestUser): Promise<number> {
  const [product] = await createProducts(env, [{ price: '3.00', stock: 5, quantity: 1 }]);
  await env.peers.fault({ operation: 'charge', mode: 'error', status: 503 });
  const response = await env
    .api(user.token)
    .post('/api/orders', orderBody([{ productId: product!.id, quantity: 1 }]));
  await env.peers.clearFaults();
  expect(response.status).toBe(202);
  return response.body.id as number;
}

/** What a saga that ended without settling its order would leave behind. */
async function endSagaOf(orderId: number): Promise<void> {
  await env.service.pool.query(
    `update sagas set state = 'completed', lease_token = null, locked_until = null
     where order_id = $1 and state in ('running', 'compensating')`,
    [orderId],
  );
}

describe('checkInvariants', () => {
  it('finds no violation after paid, declined, cancelled, processing and delivered orders', async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const paid = await placePaidOrder(env, user, [
      { price: '29.99', stock: 5, quantity: 2 },
      { price: '5.00', stock: 3, quantity: 1 },
    ]);
    const [declinedProduct] = await createProducts(env, [
      { price: '12.50', stock: 4, quantity: 1 },
    ]);
    const declined = await env.api(user.token).post(
      '/api/orders',
      orderBody([{ productId: declinedProduct!.id, quantity: 1 }], {
        paymentMethod: declinedCard,
      }),
    );
    const cancelled = await placePaidOrder(env, user);
    const cancel = await env.api(user.token).post(`/api/orders/${cancelled.order.id}/cancel`, {});
    const processing = await placePaidOrder(env, user);
    await advance(env, admin, processing.order.id, ['processing']);
    const delivered = await placePaidOrder(env, user, [{ price: '7.10', stock: 9, quantity: 3 }]);
    await advance(env, admin, delivered.order.id, ['processing', 'shipped', 'delivered']);
    const failedId = declined.body.orderId as number;

    const report = await check([
      paid.order.id,
      failedId,
      cancelled.order.id,
      processing.order.id,
      delivered.order.id,
    ]);

    expect(declined.status).toBe(402);
    expect(await statusOf(env, user, failedId)).toBe('failed');
    expect(cancel.status).toBe(200);
    expect(report).toEqual({
      checked: { orders: 5, products: 6 },
      violations: [],
      unchecked: [],
      mode: 'sandbox-ledgers',
    });
    expect(formatReport(report).split('\n')[0]).toBe(
      'checked 5 orders over 6 products: 0 violations',
    );
  });

  it('reports a stock violation when stock comes back at the Product Service for a paid order', async () => {
    const user = await newUser();
    const { order, products } = await placePaidOrder(env, user, [
      { price: '4.00', stock: 6, quantity: 2 },
      { price: '1.00', stock: 6, quantity: 1 },
    ]);
    const product = products[0]!;

    await callPeer(env.sandbox.productUrl, `/api/products/${product.id}/stock/increase`, {
      quantity: 2,
      orderId: order.id,
    });
    const report = await check([order.id]);

    expect(report.violations).toEqual([
      {
        kind: 'stock',
        orderId: order.id,
        productId: product.id,
        expected: '2',
        actual: '0',
        message: expect.stringContaining(`order ${order.id} (paid)`),
      },
    ]);
    expect(report.checked).toEqual({ orders: 1, products: 2 });
    expect(formatReport(report)).toMatch(/^checked 1 order over 2 products: 1 violation\n/);
  });

  it('reports a charge violation when a paid order is refunded at the Payment Service', async () => {
    const user = await newUser();
    const { order } = await placePaidOrder(env, user, [{ price: '10.00', stock: 5, quantity: 1 }]);

    await callPeer(env.sandbox.paymentUrl, `/api/payments/${order.paymentId}/refund`, {
      amount: '10.00',
      reason: 'behind the order service',
    });
    const report = await check([order.id]);

    expect(report.violations).toEqual([
      {
        kind: 'charge',
        orderId: order.id,
        expected: '10.00',
        actual: '0.00',
        message: expect.any(String),
      },
    ]);
  });

  it('reports a double charge, and the net charge it causes, for a second payment', async () => {
    const user = await newUser();
    const { order } = await placePaidOrder(env, user, [{ price: '6.50', stock: 5, quantity: 2 }]);

    await callPeer(env.sandbox.paymentUrl, '/api/payments', {
      orderId: order.id,
      userId: user.id,
      amount: '13.00',
      currency: 'USD',
    });
    const report = await check([order.id]);

    expect(report.violations).toEqual([
      expect.objectContaining({ kind: 'charge', expected: '13.00', actual: '26.00' }),
      expect.objectContaining({ kind: 'double-charge', orderId: order.id }),
    ]);
  });

  it('lists a pending order with a running saga as settling, and reports it once the saga is gone', async () => {
    const user = await newUser();
    const orderId = await placePendingOrder(user);

    const whileRunning = await check([orderId]);
    await endSagaOf(orderId);
    const afterSagaEnded = await check([orderId]);

    expect(whileRunning.violations).toEqual([]);
    expect(whileRunning.unchecked).toEqual([`order ${orderId} is still settling`]);
    expect(whileRunning.checked.orders).toBe(0);
    expect(afterSagaEnded.violations).toEqual([
      expect.objectContaining({ kind: 'pending', orderId }),
    ]);
    expect(afterSagaEnded.unchecked).toEqual([]);
  });

  it('lists an order id that is not in the database as unchecked', async () => {
    const report = await check([999_999_999]);

    expect(report.violations).toEqual([]);
    expect(report.unchecked).toEqual(['order 999999999 is not in the database']);
  });
});

describe('checkInvariants against peers that are not the sandbox', () => {
  // A Product Service that follows only the public contract: no /__sandbox routes.
  const publicOnly = createServer((_req, res) => {
    res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"not_found"}');
  });
  let publicOnlyUrl = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => publicOnly.listen(0, '127.0.0.1', resolve));
    publicOnlyUrl = `http://127.0.0.1:${(publicOnly.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => publicOnly.close(resolve));
  });

  it('lists stock and charges as unchecked and still checks pending orders', async () => {
    const user = await newUser();
    const { order } = await placePaidOrder(env, user);
    const pendingId = await placePendingOrder(user);
    await endSagaOf(pendingId);

    const report = await check([order.id, pendingId], { productServiceUrl: publicOnlyUrl });

    expect(report.mode).toBe('public-contract');
    expect(report.checked).toEqual({ orders: 2, products: 0 });
    expect(report.violations).toEqual([
      expect.objectContaining({ kind: 'pending', orderId: pendingId }),
    ]);
    expect(report.unchecked).toEqual([
      expect.stringMatching(/^stock: .*answered 404.*cannot be tied to orders/),
      expect.stringMatching(/^charges: /),
    ]);
  });
});

describe('npm run check:invariants', () => {
  const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
  const cli = fileURLToPath(new URL('../../src/cli/check-invariants.ts', import.meta.url));
  const peers = () => ({
    PRODUCT_SERVICE_URL: env.sandbox.productUrl,
    PAYMENT_SERVICE_URL: env.sandbox.paymentUrl,
  });

  /** Runs the command without blocking: the sandbox it reads runs in this process. */
  function run(variables: Record<string, string>, args: string[] = []) {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => name !== 'DATABASE_URL' && !name.startsWith('DB_'),
      ),
    );
    // A temporary directory as cwd: no .env file there to supply a database.
    const child = spawn(tsx, [cli, ...args], {
      cwd: tmpdir(),
      env: { ...inherited, ...variables },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      child.on('close', (code) => {
        resolve({ code, stdout, stderr });
      });
    });
  }

  it('exits 2 and names the variables when no database is configured', async () => {
    const result = await run(peers());

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/DATABASE_URL.*DB_HOST/);
  });

  it('prints the report and exits 1 when the database holds violations', async () => {
    const result = await run({ DATABASE_URL: env.database.url, ...peers() });

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^checked \d+ orders over \d+ products: [1-9]\d* violations?\n/);
    expect(result.stdout).toContain('mode: sandbox-ledgers');
    expect(result.stdout).toContain('violation [pending]');
    expect(result.stdout).toContain('violation [stock]');
  });

  it('exits 0 when the orders given as arguments hold', async () => {
    const user = await newUser();
    const { order } = await placePaidOrder(env, user);

    const result = await run({ DATABASE_URL: env.database.url, ...peers() }, [String(order.id)]);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^checked 1 order over 1 product: 0 violations\n/);
  });
});
