import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callJson } from './json-http.js';
import { startSandbox } from './start-sandbox.js';
import type { Sandbox } from './start-sandbox.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterEach(async () => {
  await callJson('DELETE', `${sandbox.productUrl}/__sandbox/faults`);
  await callJson('DELETE', `${sandbox.paymentUrl}/__sandbox/faults`);
});

afterAll(async () => {
  await sandbox.close();
});

async function addFault(url: string, rule: Record<string, unknown>): Promise<void> {
  const { status } = await callJson('POST', `${url}/__sandbox/faults`, { body: rule });
  expect(status).toBe(201);
}

async function createProduct(stock: number): Promise<number> {
  const { body } = await callJson('POST', `${sandbox.productUrl}/__sandbox/products`, {
    body: { price: '1.00', stock },
  });
  return (body as { id: number }).id;
}

function decrease(productId: number, orderId: number, key: string, signal?: AbortSignal) {
  return callJson(
    'POST',
    `${sandbox.productUrl}/api/products/${String(productId)}/stock/decrease`,
    {
      body: { quantity: 1, orderId },
      headers: { 'Idempotency-Key': key },
      ...(signal ? { signal } : {}),
    },
  );
}

async function ledgerOf(productId: number) {
  const { body } = await callJson(
    'GET',
    `${sandbox.productUrl}/__sandbox/stock-ledger?productId=${String(productId)}`,
  );
  return (body as { data: unknown[] }).data;
}

async function requestsOf(orderId: number) {
  const { body } = await callJson(
    'GET',
    `${sandbox.productUrl}/__sandbox/requests?operation=decreaseStock&orderId=${String(orderId)}`,
  );
  return (body as { data: { status: number | null }[] }).data;
}

describe('fault mode error', () => {
  it('answers the status for the next count calls without applying them', async () => {
    const productId = await createProduct(10);
    await addFault(sandbox.productUrl, {
      operation: 'decreaseStock',
      mode: 'error',
      count: 2,
      status: 500,
    });

    const first = await decrease(productId, 4001, randomUUID());
    const second = await decrease(productId, 4001, randomUUID());
    const third = await decrease(productId, 4001, randomUUID());

    expect([first.status, second.status, third.status]).toEqual([500, 500, 200]);
    expect(third.body).toEqual({ id: productId, stock: 9 });
    expect((await requestsOf(4001)).map((entry) => entry.status)).toEqual([500, 500, 200]);
  });

  it('answers 503 to every call until the rules are cleared', async () => {
    const productId = await createProduct(10);
    await addFault(sandbox.productUrl, { operation: 'decreaseStock', mode: 'error' });

    const during = await Promise.all([1, 2, 3].map(() => decrease(productId, 4002, randomUUID())));
    await callJson('DELETE', `${sandbox.productUrl}/__sandbox/faults`);
    const after = await decrease(productId, 4002, randomUUID());

    expect(during.map((response) => response.status)).toEqual([503, 503, 503]);
    expect(after.status).toBe(200);
    expect(await ledgerOf(productId)).toHaveLength(1);
  });

  it('only touches calls that match its product and order', async () => {
    const productId = await createProduct(10);
    const otherProductId = await createProduct(10);
    await addFault(sandbox.productUrl, {
      operation: 'decreaseStock',
      mode: 'error',
      match: { productId, orderId: 4003 },
    });

    const matched = await decrease(productId, 4003, randomUUID());
    const otherOrder = await decrease(productId, 4004, randomUUID());
    const otherProduct = await decrease(otherProductId, 4003, randomUUID());

    expect([matched.status, otherOrder.status, otherProduct.status]).toEqual([503, 200, 200]);
  });
});

describe('fault mode latency', () => {
  it('delays the answer, then handles the call', async () => {
    const productId = await createProduct(10);
    await addFault(sandbox.productUrl, {
      operation: 'decreaseStock',
      mode: 'latency',
      latencyMs: 200,
      count: 1,
    });
    const startedAt = performance.now();

    const { status } = await decrease(productId, 4005, randomUUID());

    expect(status).toBe(200);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(190);
  });
});

describe('fault mode hang', () => {
  it('never answers and applies nothing', async () => {
    const productId = await createProduct(10);
    await addFault(sandbox.productUrl, { operation: 'decreaseStock', mode: 'hang', count: 1 });

    const call = decrease(productId, 4006, randomUUID(), AbortSignal.timeout(200));

    await expect(call).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(await ledgerOf(productId)).toEqual([]);
    expect(await requestsOf(4006)).toMatchObject([{ status: null }]);
  });
});

describe('fault mode process-then-error', () => {
  it('applies the call, answers the error, and replays the stored answer to a retry', async () => {
    const productId = await createProduct(10);
    const key = randomUUID();
    await addFault(sandbox.productUrl, {
      operation: 'decreaseStock',
      mode: 'process-then-error',
      count: 1,
    });

    const lost = await decrease(productId, 4007, key);
    const retry = await decrease(productId, 4007, key);

    expect(lost.status).toBe(503);
    expect(retry).toEqual({ status: 200, body: { id: productId, stock: 9 } });
    expect(await ledgerOf(productId)).toHaveLength(1);
  });
});

describe('fault mode process-then-hang', () => {
  it('charges without answering, and a retry with the same key gets the same payment', async () => {
    const orderId = 4008;
    const key = `order-${String(orderId)}-payment`;
    const charge = (signal?: AbortSignal) =>
      callJson('POST', `${sandbox.paymentUrl}/api/payments`, {
        body: { orderId, userId: 1, amount: '9.99', currency: 'EUR' },
        headers: { 'Idempotency-Key': key },
        ...(signal ? { signal } : {}),
      });
    await addFault(sandbox.paymentUrl, {
      operation: 'charge',
      mode: 'process-then-hang',
      count: 1,
      match: { orderId },
    });

    await expect(charge(AbortSignal.timeout(200))).rejects.toMatchObject({ name: 'TimeoutError' });
    const retry = await charge();

    const { body } = await callJson(
      'GET',
      `${sandbox.paymentUrl}/__sandbox/payments?orderId=${String(orderId)}`,
    );
    const payments = (body as { data: { id: string }[] }).data;
    expect(payments).toHaveLength(1);
    expect(retry).toEqual({
      status: 201,
      body: { id: payments[0]?.id, status: 'succeeded', amount: '9.99' },
    });
  });
});

describe('poison answers', () => {
  const getProduct = (productId: number) =>
    fetch(`${sandbox.productUrl}/api/products/${String(productId)}`, { redirect: 'manual' });

  it('huge-body answers 10 MB of JSON and applies nothing', async () => {
    const productId = await createProduct(10);
    await addFault(sandbox.productUrl, {
      operation: 'decreaseStock',
      mode: 'huge-body',
      status: 200,
    });

    const response = await fetch(
      `${sandbox.productUrl}/api/products/${String(productId)}/stock/decrease`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ quantity: 1, orderId: 4010 }),
      },
    );
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(text.length).toBeGreaterThan(10 * 1024 * 1024);
    expect(await ledgerOf(productId)).toEqual([]);
  });

  it('html answers an HTML page as text/html', async () => {
    const productId = await createProduct(10);
    await addFault(sandbox.productUrl, { operation: 'getProduct', mode: 'html', status: 200 });

    const response = await getProduct(productId);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/^<!doctype html>/);
  });

  it('redirect answers 302 to the location', async () => {
    const productId = await createProduct(10);
    await addFault(sandbox.productUrl, {
      operation: 'getProduct',
      mode: 'redirect',
      location: 'http://169.254.169.254/latest/meta-data/',
    });

    const response = await getProduct(productId);

    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('http://169.254.169.254/latest/meta-data/');
  });

  it('wrong-amount charges another amount, says so, and replays it to a retry', async () => {
    const orderId = 4011;
    const charge = () =>
      callJson('POST', `${sandbox.paymentUrl}/api/payments`, {
        body: { orderId, userId: 1, amount: '9.99', currency: 'EUR' },
        headers: { 'Idempotency-Key': `order-${String(orderId)}-payment` },
      });
    await addFault(sandbox.paymentUrl, {
      operation: 'charge',
      mode: 'wrong-amount',
      amount: '10.00',
      count: 1,
    });

    const first = await charge();
    const retry = await charge();

    expect(first).toMatchObject({ status: 201, body: { status: 'succeeded', amount: '10.00' } });
    expect(retry).toEqual(first);
    const { body } = await callJson(
      'GET',
      `${sandbox.paymentUrl}/__sandbox/net-charges?orderId=${String(orderId)}`,
    );
    expect(body).toEqual({
      data: [{ orderId, chargedCents: 1000, refundedCents: 0, netCents: 1000 }],
    });
  });

  it.each([
    { operation: 'getProduct', mode: 'redirect' },
    { operation: 'getProduct', mode: 'redirect', location: 'not a url' },
    { operation: 'charge', mode: 'wrong-amount' },
    { operation: 'refund', mode: 'wrong-amount', amount: '1.00' },
    { operation: 'charge', mode: 'wrong-amount', amount: '1.001' },
  ])('refuses the rule %j', async (rule) => {
    const url = rule.operation === 'getProduct' ? sandbox.productUrl : sandbox.paymentUrl;

    const { status } = await callJson('POST', `${url}/__sandbox/faults`, { body: rule });

    expect(status).toBe(400);
  });
});

describe('POST /__sandbox/faults', () => {
  it.each([
    { operation: 'charge', mode: 'error' },
    { operation: 'decreaseStock', mode: 'latency' },
    { operation: 'decreaseStock', mode: 'explode' },
    { operation: 'decreaseStock', mode: 'error', count: 0 },
  ])('refuses the rule %j on the product service', async (rule) => {
    const { status } = await callJson('POST', `${sandbox.productUrl}/__sandbox/faults`, {
      body: rule,
    });

    expect(status).toBe(400);
  });
});
