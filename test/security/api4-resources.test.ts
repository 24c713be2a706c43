import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningService } from '../../src/service.js';
import { startService } from '../../src/service.js';
import type { HttpResponse } from '../support/http-client.js';
import { apiAs, request } from '../support/http-client.js';
import { createProducts, problemJson } from '../support/orders.js';
import {
  orderBody,
  shippingAddress,
  testServiceOptions,
  useTestService,
} from '../support/test-service.js';
import { newUser } from '../support/tokens.js';
import type { TestUser } from '../support/tokens.js';

// OWASP API4:2023 Unrestricted Resource Consumption: every input has a bound, a body too large
// or too deep is refused before it costs anything, one order costs a bounded number of peer
// calls, and a user cannot place orders faster than RATE_LIMIT_ORDERS_PER_MINUTE.

const perMinute = 3;
// Every test uses fresh users, so a limit of 3 orders a minute leaves each test room; the
// refused inputs count against it too (a request over the limit is never parsed).
const env = useTestService({ orderRateLimit: { perMinute } });

// The machine's Redis (CI has it at 127.0.0.1:6379). TEST_REDIS_URL= (empty) opts out for a
// machine without one; unset, the tests use the default and fail loudly when it is down.
const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const expectProblem = (response: HttpResponse, status: number, type: string) => {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(problemJson);
  expect(response.body).toMatchObject({ type, status });
};

const placeOrder = (url: string, user: TestUser, productId: number) =>
  apiAs(url, user.token).post('/api/orders', orderBody([{ productId, quantity: 1 }]));

describe('input bounds', () => {
  it.each([
    ['no items', { items: [] }, 'items'],
    [
      '51 items',
      { items: Array.from({ length: 51 }, (_, i) => ({ productId: i + 1, quantity: 1 })) },
      'items',
    ],
    ['quantity 1001', { items: [{ productId: 1, quantity: 1001 }] }, 'items.0.quantity'],
    ['quantity 1e12', { items: [{ productId: 1, quantity: 1e12 }] }, 'items.0.quantity'],
    [
      'a productId past 2^53',
      { items: [{ productId: 2 ** 60, quantity: 1 }] },
      'items.0.productId',
    ],
    [
      'a 201-character street',
      { shippingAddress: { ...shippingAddress, street: 'x'.repeat(201) } },
      'shippingAddress.street',
    ],
    [
      'a 21-character postal code',
      { shippingAddress: { ...shippingAddress, postalCode: '1'.repeat(21) } },
      'shippingAddress.postalCode',
    ],
    ['a 101-character paymentMethod', { paymentMethod: 'p'.repeat(101) }, 'paymentMethod'],
  ])('POST /api/orders refuses %s with 400', async (_name, change, path) => {
    const user = await newUser();
    const body = { ...orderBody([{ productId: 1, quantity: 1 }]), ...change };

    const response = await env.api(user.token).post('/api/orders', body);

    expectProblem(response, 400, '/problems/validation-failed');
    expect(response.body.errors).toContainEqual(expect.objectContaining({ path }));
  });

  it.each([
    ['limit=101', 'limit'],
    ['limit=0', 'limit'],
    ['page=0', 'page'],
    ['page=90071992547410', 'page'],
    [`page=${'9'.repeat(400)}`, 'page'],
    [`status=${'x'.repeat(4000)}`, 'status'],
    [`after=${'A'.repeat(4000)}`, 'after'],
    ['foo=bar', 'foo'],
  ])('GET /api/orders refuses %s with 400', async (query, path) => {
    const user = await newUser();

    const response = await env.api(user.token).get(`/api/orders?${query}`);

    expectProblem(response, 400, '/problems/validation-failed');
    expect(response.body.errors).toContainEqual(expect.objectContaining({ path }));
  });

  it('answers the deepest page allowed with an empty page, not an error', async () => {
    const user = await newUser();

    const response = await env.api(user.token).get('/api/orders?page=90071992547409&limit=100');

    expect(response.status, response.text).toBe(200);
    expect(response.body.data).toEqual([]);
  });

  it.each([
    ['Idempotency-Key', 'k'.repeat(256)],
    ['If-Match', `"${'9'.repeat(8000)}"`],
  ])('refuses an over-long %s header with 400', async (header, value) => {
    const user = await newUser();
    const path = header === 'If-Match' ? '/api/orders/1/cancel' : '/api/orders';
    const body = header === 'If-Match' ? {} : orderBody([{ productId: 1, quantity: 1 }]);

    const response = await env.api(user.token).post(path, body, { [header]: value });

    expectProblem(response, 400, '/problems/validation-failed');
  });

  it('refuses an 8 KB bearer token with 401, and cancel and status reasons over 500 characters with 400', async () => {
    const user = await newUser();
    const admin = await newUser('admin');

    const hugeToken = await env.api(`a${'b'.repeat(8000)}.c.d`).get('/api/orders');
    const cancel = await env
      .api(user.token)
      .post('/api/orders/1/cancel', { reason: 'r'.repeat(501) });
    const change = await env
      .api(admin.token)
      .patch('/api/orders/1/status', { status: 'processing', reason: 'r'.repeat(501) });

    expectProblem(hugeToken, 401, '/problems/unauthorized');
    expectProblem(cancel, 400, '/problems/validation-failed');
    expectProblem(change, 400, '/problems/validation-failed');
  });

  it('answers headers over the server limit with 431 and goes on serving', async () => {
    const user = await newUser();

    const response = await fetch(`${env.url}/api/orders`, {
      headers: { Authorization: `Bearer ${'a'.repeat(64 * 1024)}` },
    });
    const after = await env.api(user.token).get('/api/orders');

    expect(response.status).toBe(431);
    expect(after.status).toBe(200);
  });

  it('replaces an over-long X-Request-Id instead of echoing it into logs and peer calls', async () => {
    const response = await env.api().get('/api/orders', { 'X-Request-Id': 'r'.repeat(4096) });

    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('request bodies', () => {
  const twoMegabytes = () =>
    JSON.stringify({
      ...orderBody([{ productId: 1, quantity: 1 }]),
      paymentMethod: 'x'.repeat(2 * 1024 * 1024),
    });

  it('answers a 2 MB body with 413', async () => {
    const user = await newUser();

    const response = await request(env.url, 'POST', '/api/orders', {
      rawBody: twoMegabytes(),
      token: user.token,
    });

    expectProblem(response, 413, '/problems/payload-too-large');
  });

  it('answers a 2 MB chunked body (no Content-Length) with 413', async () => {
    const user = await newUser();
    const bytes = new TextEncoder().encode(twoMegabytes());
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < bytes.length; offset += 64 * 1024) {
          controller.enqueue(bytes.subarray(offset, offset + 64 * 1024));
        }
        controller.close();
      },
    });

    const response = await fetch(`${env.url}/api/orders`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${user.token}`, 'Content-Type': 'application/json' },
      body,
      duplex: 'half',
    });

    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(problemJson);
  });

  const nested = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  const orderJsonWith = (placement: 'name' | 'unknown key', value: string) => {
    const base = JSON.stringify(orderBody([{ productId: 1, quantity: 1 }]));
    return placement === 'name'
      ? base.replace('"name":"Ada Lovelace"', `"name":${value}`)
      : base.replace(/}$/, `,"extra":${value}}`);
  };

  it.each([
    ['100 levels in shippingAddress.name', 'name', 100, 'shippingAddress.name'],
    ['100 levels under an unknown key', 'unknown key', 100, 'extra'],
    ['10,000 levels under an unknown key', 'unknown key', 10_000, 'extra'],
  ] as const)('answers %s with 400, never 500', async (_name, placement, depth, path) => {
    const user = await newUser();

    const response = await request(env.url, 'POST', '/api/orders', {
      rawBody: orderJsonWith(placement, nested(depth)),
      token: user.token,
    });

    expectProblem(response, 400, '/problems/validation-failed');
    expect(response.body.errors).toContainEqual(expect.objectContaining({ path }));
  });

  it('answers 20,000 nested arrays (the most that fit in BODY_LIMIT) with 400 and goes on serving', async () => {
    const user = await newUser();
    const depth = 20_000;

    const response = await request(env.url, 'POST', '/api/orders', {
      rawBody: `${'['.repeat(depth)}${']'.repeat(depth)}`,
      token: user.token,
    });
    const after = await env.api(user.token).get('/api/orders');

    expectProblem(response, 400, '/problems/validation-failed');
    expect(after.status).toBe(200);
  });
});

describe('peer calls per order', () => {
  it('makes at most 50 product reads and one charge for a 50-item order', async () => {
    const user = await newUser();
    const products = await createProducts(
      env,
      Array.from({ length: 50 }, () => ({ price: '1.00', stock: 3, quantity: 2 })),
    );
    const ids = new Set(products.map((product) => product.id));

    const response = await env
      .api(user.token)
      .post(
        '/api/orders',
        orderBody(products.map((product) => ({ productId: product.id, quantity: 2 }))),
      );

    expect(response.status, response.text).toBe(201);
    const reads = await env.peers.requests('getProduct');
    expect(reads.filter((read) => ids.has(read.productId ?? 0)).length).toBeLessThanOrEqual(50);
    expect(await env.peers.requests('decreaseStock', response.body.id)).toHaveLength(50);
    expect(await env.peers.requests('charge', response.body.id)).toHaveLength(1);
  });
});

describe('RATE_LIMIT_ORDERS_PER_MINUTE', () => {
  it('answers the order past the limit with 429, Retry-After and problem+json, and stores nothing for it', async () => {
    const user = await newUser();
    const [product] = await createProducts(env, [{ price: '2.00', stock: 10, quantity: 1 }]);
    const productId = product!.id;
    for (let i = 0; i < perMinute; i += 1) {
      expect((await placeOrder(env.url, user, productId)).status).toBe(201);
    }
    const readsBefore = (await env.peers.requests('getProduct')).length;

    const refused = await placeOrder(env.url, user, productId);

    expectProblem(refused, 429, '/problems/too-many-requests');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body.detail).toContain(String(retryAfter));
    expect((await env.peers.requests('getProduct')).length).toBe(readsBefore);
    expect(await env.peers.stockOf(productId)).toBe(10 - perMinute);
    const list = await env.api(user.token).get('/api/orders');
    expect(list.status).toBe(200);
    expect(list.body.pagination.total).toBe(perMinute);
  });

  it("limits each user on their own: one user's budget spent leaves another's whole", async () => {
    const spender = await newUser();
    const other = await newUser();
    const [product] = await createProducts(env, [{ price: '2.00', stock: 10, quantity: 1 }]);
    for (let i = 0; i < perMinute; i += 1) await placeOrder(env.url, spender, product!.id);

    const spenderAgain = await placeOrder(env.url, spender, product!.id);
    const otherFirst = await placeOrder(env.url, other, product!.id);

    expect(spenderAgain.status).toBe(429);
    expect(otherFirst.status).toBe(201);
  });

  it('limits only order creation: reads and cancellations go on', async () => {
    const user = await newUser();
    const [product] = await createProducts(env, [{ price: '2.00', stock: 10, quantity: 1 }]);
    const placed: number[] = [];
    for (let i = 0; i < perMinute; i += 1) {
      placed.push((await placeOrder(env.url, user, product!.id)).body.id);
    }
    expect((await placeOrder(env.url, user, product!.id)).status).toBe(429);

    const read = await env.api(user.token).get(`/api/orders/${placed[0]}`);
    const cancel = await env.api(user.token).post(`/api/orders/${placed[0]}/cancel`, {});

    expect(read.status).toBe(200);
    expect(cancel.status).toBe(200);
  });
});

describe.skipIf(testRedisUrl === '')(
  'RATE_LIMIT_ORDERS_PER_MINUTE shared through REDIS_URL (skipped only with TEST_REDIS_URL set empty)',
  () => {
    const limit = 5;
    // A prefix of its own: no other run or file shares these budgets.
    const redisKeyPrefix = `order-service-test:${randomUUID()}:`;
    const replicas: RunningService[] = [];
    let productId = 0;

    beforeAll(async () => {
      for (let i = 0; i < 2; i += 1) {
        replicas.push(
          await startService(
            ...testServiceOptions(
              env.database.url,
              env.sandbox,
              { orderRateLimit: { perMinute: limit, redisUrl: testRedisUrl } },
              { orderRateLimitKeyPrefix: redisKeyPrefix },
            ),
          ),
        );
      }
      const [product] = await createProducts(env, [{ price: '1.00', stock: 1000, quantity: 1 }]);
      productId = product!.id;
      // A replica counts once its Redis connection is ready (until then it fails open): wait for
      // each to refuse a probe user's order past the limit.
      for (const replica of replicas) {
        await vi.waitFor(
          async () => {
            const probe = await newUser();
            const answers = [];
            for (let i = 0; i <= limit; i += 1) {
              answers.push(await placeOrder(replica.url, probe, productId));
            }
            expect(answers.at(-1)?.status).toBe(429);
          },
          { timeout: 20_000, interval: 100 },
        );
      }
    }, 60_000);

    afterAll(async () => {
      await Promise.all(replicas.map((replica) => replica.stop(1000)));
    });

    it('gives a user one budget across two replicas', async () => {
      const user = await newUser();
      const [a, b] = [replicas[0]!.url, replicas[1]!.url];
      const answers: number[] = [];
      for (const url of [a, b, a, b, a])
        answers.push((await placeOrder(url, user, productId)).status);

      const onA = await placeOrder(a, user, productId);
      const onB = await placeOrder(b, user, productId);

      expect(answers).toEqual([201, 201, 201, 201, 201]);
      expectProblem(onA, 429, '/problems/too-many-requests');
      expectProblem(onB, 429, '/problems/too-many-requests');
    });

    it('starts limiting once a Redis that was down at start comes up', async () => {
      const port = await freePort();
      const late = await startService(
        ...testServiceOptions(env.database.url, env.sandbox, {
          orderRateLimit: { perMinute: 1, redisUrl: `redis://127.0.0.1:${port}` },
        }),
      );
      let redis: ChildProcess | undefined;
      try {
        const before = await newUser();
        const failingOpen = [];
        for (let i = 0; i < 2; i += 1)
          failingOpen.push(await placeOrder(late.url, before, productId));
        expect(failingOpen.map((answer) => answer.status)).toEqual([201, 201]);

        redis = spawn(
          'redis-server',
          ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
          { cwd: tmpdir(), stdio: 'ignore' },
        );

        await vi.waitFor(
          async () => {
            const user = await newUser();
            await placeOrder(late.url, user, productId);
            expect((await placeOrder(late.url, user, productId)).status).toBe(429);
          },
          { timeout: 30_000, interval: 200 },
        );
      } finally {
        redis?.kill();
        await late.stop(1000);
      }
    }, 60_000);

    it('lets exactly the limit through when requests race over both replicas', async () => {
      const user = await newUser();

      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => placeOrder(replicas[i % 2]!.url, user, productId)),
      );

      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 201)).toHaveLength(limit);
      expect(statuses.filter((status) => status === 429)).toHaveLength(12 - limit);
    });
  },
);

describe('RATE_LIMIT_ORDERS_PER_MINUTE with REDIS_URL unreachable', () => {
  it('fails open while Redis cannot be reached: orders go on, unlimited', async () => {
    const closedPort = await freePort();
    const unreachable = await startService(
      ...testServiceOptions(env.database.url, env.sandbox, {
        orderRateLimit: { perMinute: 1, redisUrl: `redis://127.0.0.1:${closedPort}` },
      }),
    );
    try {
      const user = await newUser();
      const [product] = await createProducts(env, [{ price: '1.00', stock: 10, quantity: 1 }]);

      const answers = [];
      for (let i = 0; i < 3; i += 1)
        answers.push(await placeOrder(unreachable.url, user, product!.id));

      expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201]);
    } finally {
      await unreachable.stop(1000);
    }
  });
});

/** A loopback port nothing listens on: bound once, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}
