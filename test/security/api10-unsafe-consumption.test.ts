import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemJson } from '../support/orders.js';
import type { FaultRule } from '../support/sandbox-client.js';
import { orderBody, useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';
import type { TestUser } from '../support/tokens.js';

// OWASP API10:2023 Unsafe Consumption of APIs: the peers are parsed like any other input. Each
// poison must end in 503 (product unusable, nothing stored), 422, or a compensated order — never
// in float drift, a followed redirect, or a request that outlives the peer timeouts.

// Tests in this file share the service's peer clients and their circuit breakers (5 consecutive
// failures open one): each no-answer test lets its peer answer again before the next one.
const peerTimeoutMs = 500;
const peerMaxAttempts = 3;
const env = useTestService({ peerTimeoutMs, peerMaxAttempts });
// Every attempt may use its whole timeout, plus the backoff between attempts (≤ 2 s each) and
// generous room for a loaded machine: a bound, not a measurement.
const responseBoundMs = peerTimeoutMs * peerMaxAttempts + 2_000 * (peerMaxAttempts - 1) + 5_000;
const poll = { timeout: 15_000 };

/** Stands where a redirect points: the cloud metadata address, in miniature. Counts its hits. */
let metadata: { server: Server; url: string; hits: number };

beforeAll(async () => {
  const server = createServer((_req, res) => {
    metadata.hits += 1;
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"secret":"instance-role"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
  metadata = { server, url: `http://127.0.0.1:${String(address.port)}/latest/meta-data/`, hits: 0 };
});

afterAll(async () => {
  metadata.server.closeAllConnections();
  await new Promise((resolve) => metadata.server.close(resolve));
});

async function placeTimed(user: TestUser, productId: number, quantity = 1) {
  const startedAt = performance.now();
  const response = await env
    .api(user.token)
    .post('/api/orders', orderBody([{ productId, quantity }]));
  return { response, elapsedMs: performance.now() - startedAt };
}

/** Clears the faults first: reading the stock back goes through the poisoned lookup. */
async function expectNothingStored(user: TestUser, productId: number, stock: number) {
  await env.peers.clearFaults();
  const list = await env.api(user.token).get('/api/orders');
  expect(list.body.data).toEqual([]);
  expect(await env.peers.stockOf(productId)).toBe(stock);
  expect(await env.peers.requests('decreaseStock')).not.toContainEqual(
    expect.objectContaining({ productId }),
  );
}

describe('POST /api/orders with a hostile Product Service', () => {
  it.each(['29.999', -1, '-1.00', '1e3', 'NaN', '', 0])(
    'answers 503 and stores nothing when a price is %j',
    async (price) => {
      const user = await newUser();
      const product = await env.peers.createProduct({ price: '10.00', stock: 5 });
      await env.peers.setRawPrice(product.id, price);

      const { response } = await placeTimed(user, product.id);

      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toMatch(problemJson);
      expect(response.body.type).toBe('/problems/product-service-unavailable');
      await expectNothingStored(user, product.id, 5);
    },
  );

  it('charges exactly 89.97 for three at the JSON number 29.99, never a float sum', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '1.00', stock: 5 });
    await env.peers.setRawPrice(product.id, 29.99);

    const { response } = await placeTimed(user, product.id, 3);

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      totalAmount: '89.97',
      items: [{ productId: product.id, quantity: 3, price: '29.99' }],
    });
    expect(await env.peers.payments(response.body.id)).toMatchObject([{ amount: '89.97' }]);
  });

  it.each<{ name: string; rule: Omit<FaultRule, 'operation'> }>([
    { name: 'a 10 MB body', rule: { mode: 'huge-body', status: 200 } },
    { name: 'an HTML page', rule: { mode: 'html', status: 200 } },
    { name: 'a body that is not JSON', rule: { mode: 'garbage', status: 200 } },
  ])('answers 503 in time and stores nothing when the product is $name', async ({ rule }) => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '10.00', stock: 5 });
    await env.peers.fault({ operation: 'getProduct', ...rule, match: { productId: product.id } });

    const { response, elapsedMs } = await placeTimed(user, product.id);

    expect(response.status).toBe(503);
    expect(response.body.type).toBe('/problems/product-service-unavailable');
    expect(elapsedMs).toBeLessThan(responseBoundMs);
    await expectNothingStored(user, product.id, 5);
  });

  it('does not follow a redirect to another host: 503, and the target is never called', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '10.00', stock: 5 });
    await env.peers.fault({
      operation: 'getProduct',
      mode: 'redirect',
      location: metadata.url,
      match: { productId: product.id },
    });
    const hitsBefore = metadata.hits;

    const { response } = await placeTimed(user, product.id);

    expect(response.status).toBe(503);
    expect(metadata.hits).toBe(hitsBefore);
    expect(JSON.stringify(response.body)).not.toContain('instance-role');
    await expectNothingStored(user, product.id, 5);
  });

  it('answers 503 within the configured timeout × attempts when the product lookup hangs', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '10.00', stock: 5 });
    await env.peers.fault({
      operation: 'getProduct',
      mode: 'hang',
      match: { productId: product.id },
    });

    const { response, elapsedMs } = await placeTimed(user, product.id);

    expect(response.status).toBe(503);
    expect(elapsedMs).toBeLessThan(responseBoundMs);
    const lookups = await env.peers.requests('getProduct');
    expect(lookups.filter((call) => call.productId === product.id)).toHaveLength(peerMaxAttempts);
    await expectNothingStored(user, product.id, 5);
  });

  it('answers 422 for a product the peer says does not exist, even in HTML', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '10.00', stock: 5 });
    await env.peers.fault({
      operation: 'getProduct',
      mode: 'html',
      status: 404,
      match: { productId: product.id },
    });

    const { response } = await placeTimed(user, product.id);

    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({
      type: '/problems/unknown-products',
      productIds: [product.id],
    });
    await expectNothingStored(user, product.id, 5);
  });
});

describe('POST /api/orders with a hostile Payment Service', () => {
  it('fails the order, restores stock and refunds the charge when the peer charged another amount', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '19.99', stock: 4 });
    await env.peers.fault({
      operation: 'charge',
      mode: 'wrong-amount',
      amount: '199.90',
      count: 1,
    });

    const { response } = await placeTimed(user, product.id, 2);

    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(problemJson);
    expect(response.body.type).toBe('/problems/payment-service-error');
    const orderId = response.body.orderId as number;
    const order = await env.api(user.token).get(`/api/orders/${orderId}`);
    expect(order.body).toMatchObject({ status: 'failed', totalAmount: '39.98', paymentId: null });
    expect(await env.peers.stockOf(product.id)).toBe(4);
    expect(await env.peers.netCharge(orderId)).toMatchObject({
      chargedCents: 19990,
      refundedCents: 19990,
      netCents: 0,
    });
  });

  it.each<{ name: string; rule: Omit<FaultRule, 'operation'> }>([
    { name: 'an HTML page', rule: { mode: 'html', status: 201 } },
    { name: 'a 10 MB body', rule: { mode: 'huge-body', status: 201 } },
    { name: 'a redirect to another host', rule: { mode: 'redirect', status: 302 } },
  ])(
    'treats a charge answered with $name as unknown: 202, then paid with one charge',
    async ({ rule }) => {
      const user = await newUser();
      const product = await env.peers.createProduct({ price: '7.50', stock: 3 });
      await env.peers.fault({ operation: 'charge', ...rule, location: metadata.url, count: 1 });
      const hitsBefore = metadata.hits;

      const { response, elapsedMs } = await placeTimed(user, product.id);

      expect(response.status).toBe(202);
      expect(response.body.status).toBe('pending');
      expect(elapsedMs).toBeLessThan(responseBoundMs);
      const orderId = response.body.id as number;
      await expect
        .poll(
          async () => (await env.api(user.token).get(`/api/orders/${orderId}`)).body.status,
          poll,
        )
        .toBe('paid');
      expect(await env.peers.payments(orderId)).toHaveLength(1);
      expect(await env.peers.netCharge(orderId)).toMatchObject({ netCents: 750 });
      expect(metadata.hits).toBe(hitsBefore);
    },
  );
});
