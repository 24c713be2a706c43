import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { orderId, productId } from '../domain/ids.js';
import type { PeerClientOptions } from './peer-http.js';
import { stockDecreaseKey, stockIncreaseKey } from './peer-keys.js';
import { createProductClient } from './product-client.js';
import { startStandInPeer, type StandInPeer } from './stand-in-peer.js';

let peer: StandInPeer;
const ctx = { requestId: 'req-1' };

beforeEach(async () => {
  peer = await startStandInPeer();
});

afterEach(async () => {
  await peer.close();
});

function client(overrides: Partial<PeerClientOptions> = {}) {
  return createProductClient({
    baseUrl: peer.baseUrl,
    // Long enough that a loaded machine never turns a slow answer into a retry (which fails the
    // tests counting one request); the timeout tests set 50 ms against a peer answering at 500.
    timeoutMs: 2_000,
    maxAttempts: 3,
    backoff: { initialDelayMs: 1, maxDelayMs: 5 },
    ...overrides,
  });
}

const mug = productId(1);

describe('getProduct', () => {
  it.each([
    { price: '0.10', priceCents: 10 },
    { price: 0.1, priceCents: 10 },
    { price: '29.99', priceCents: 2999 },
    { price: 29.99, priceCents: 2999 },
    { price: 7, priceCents: 700 },
  ])('turns price $price into $priceCents cents', async ({ price, priceCents }) => {
    peer.answer({ status: 200, body: { id: 1, name: 'Mug', price, stock: 10 } });

    const lookup = await client().getProduct(mug, ctx);

    expect(lookup).toEqual({
      kind: 'found',
      product: { id: 1, name: 'Mug', priceCents, stock: 10 },
    });
    expect(peer.requests[0]).toMatchObject({ method: 'GET', path: '/api/products/1' });
  });

  it('is not-found on 404, after one request', async () => {
    peer.answer({ status: 404 });

    expect(await client().getProduct(mug, ctx)).toEqual({ kind: 'not-found' });
    expect(peer.requests).toHaveLength(1);
  });

  it('is unavailable after retrying 503', async () => {
    peer.answer({ status: 503 });

    expect(await client().getProduct(mug, ctx)).toEqual({ kind: 'unavailable' });
    expect(peer.requests).toHaveLength(3);
  });

  it.each([
    { case: 'not JSON', answer: { status: 200, rawBody: 'Mug' } },
    {
      case: 'three decimals',
      answer: { status: 200, body: { id: 1, name: 'Mug', price: 0.123, stock: 1 } },
    },
    {
      case: 'a word for a price',
      answer: { status: 200, body: { id: 1, name: 'Mug', price: 'cheap', stock: 1 } },
    },
    {
      case: 'negative stock',
      answer: { status: 200, body: { id: 1, name: 'Mug', price: '1.00', stock: -1 } },
    },
    ...['29.999', -1, '-1.00', '1e3', 1e21, 'NaN', '', 0, '0.00'].map((price) => ({
      case: `price ${JSON.stringify(price)}`,
      answer: { status: 200, body: { id: 1, name: 'Mug', price, stock: 1 } },
    })),
    {
      case: 'another product',
      answer: { status: 200, body: { id: 2, name: 'Mug', price: '1.00', stock: 1 } },
    },
    {
      case: 'an HTML page',
      answer: {
        status: 200,
        contentType: 'text/html',
        rawBody: JSON.stringify({ id: 1, name: 'Mug', price: '1.00', stock: 1 }),
      },
    },
  ])('is unavailable, not a crash, on a 200 with $case', async ({ answer }) => {
    peer.answer(answer);

    expect(await client().getProduct(mug, ctx)).toEqual({ kind: 'unavailable' });
  });
});

describe('decreaseStock', () => {
  const request = {
    productId: mug,
    quantity: 2,
    orderId: orderId(17),
    idempotencyKey: stockDecreaseKey(orderId(17), mug),
  };

  it('is changed on 200, sending quantity, orderId and the key', async () => {
    peer.answer({ status: 200, body: { id: 1, stock: 8 } });

    const result = await client().decreaseStock(request, ctx);

    expect(result).toEqual({ kind: 'changed', stock: 8 });
    expect(peer.requests[0]).toMatchObject({
      method: 'POST',
      path: '/api/products/1/stock/decrease',
      body: { quantity: 2, orderId: 17 },
      headers: { 'idempotency-key': 'order-17-stock-decrease-1' },
    });
  });

  it('is insufficient after exactly one request on 409, and never opens the breaker', async () => {
    const product = client({ breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 } });
    peer.answer({ status: 409 });

    const first = await product.decreaseStock(request, ctx);
    const second = await product.decreaseStock(request, ctx);

    expect(first).toEqual({ kind: 'insufficient' });
    expect(second).toEqual({ kind: 'insufficient' });
    expect(peer.requests).toHaveLength(2);
  });

  it.each([400, 401, 403, 422])(
    'is rejected with the status on a %i the contract gives no meaning, after one request',
    async (status) => {
      peer.answer({ status });

      const decreased = await client().decreaseStock(request, ctx);
      const increased = await client().increaseStock(request, ctx);

      expect(decreased).toEqual({ kind: 'rejected', status });
      expect(increased).toEqual({ kind: 'rejected', status });
      expect(peer.requests).toHaveLength(2);
    },
  );

  it('is not-found on 404, and unknown on a malformed 200', async () => {
    peer.answer({ status: 404 }, { status: 200, body: { id: 1 } });

    expect(await client().decreaseStock(request, ctx)).toEqual({ kind: 'not-found' });
    expect(await client().decreaseStock(request, ctx)).toEqual({ kind: 'unknown' });
  });

  it('is unknown after maxAttempts timeouts, all with the same key', async () => {
    peer.answer({ status: 200, body: { id: 1, stock: 8 }, delayMs: 500 });

    const result = await client({ timeoutMs: 50 }).decreaseStock(request, ctx);

    expect(result).toEqual({ kind: 'unknown' });
    // In-process, the peer may handle the last request after the client gave up on it.
    await expect.poll(() => peer.requests.length).toBe(3);
    expect(peer.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      'order-17-stock-decrease-1',
      'order-17-stock-decrease-1',
      'order-17-stock-decrease-1',
    ]);
  });
});

describe('increaseStock', () => {
  const request = {
    productId: mug,
    quantity: 2,
    orderId: orderId(17),
    idempotencyKey: stockIncreaseKey(orderId(17), mug),
  };

  it('is changed on 200 after a 502, with the same key', async () => {
    peer.answer({ status: 502 }, { status: 200, body: { id: 1, stock: 10 } });

    const result = await client().increaseStock(request, ctx);

    expect(result).toEqual({ kind: 'changed', stock: 10 });
    expect(peer.requests.map((r) => [r.path, r.headers['idempotency-key']])).toEqual([
      ['/api/products/1/stock/increase', 'order-17-stock-increase-1'],
      ['/api/products/1/stock/increase', 'order-17-stock-increase-1'],
    ]);
  });

  it('is not-found on 404', async () => {
    peer.answer({ status: 404 });

    expect(await client().increaseStock(request, ctx)).toEqual({ kind: 'not-found' });
  });
});
