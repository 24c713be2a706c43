import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJson } from './json-http.js';
import { startSandbox } from './start-sandbox.js';
import type { Sandbox } from './start-sandbox.js';

type Product = { id: number; name: string; price: string | number; stock: number };

const anyText: unknown = expect.any(String);

let sandbox: Sandbox;
let nextOrderId = 1000;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

async function createProduct(stock: number, price: string | number = '12.34'): Promise<Product> {
  const { status, body } = await callJson('POST', `${sandbox.productUrl}/__sandbox/products`, {
    body: { price, stock },
  });
  expect(status).toBe(201);
  return body as Product;
}

function changeStock(
  kind: 'decrease' | 'increase',
  productId: number | string,
  body: unknown,
  idempotencyKey?: string,
) {
  return callJson('POST', `${sandbox.productUrl}/api/products/${String(productId)}/stock/${kind}`, {
    body,
    headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {},
  });
}

async function ledgerOf(productId: number) {
  const { body } = await callJson(
    'GET',
    `${sandbox.productUrl}/__sandbox/stock-ledger?productId=${String(productId)}`,
  );
  return (body as { data: unknown[] }).data;
}

async function stockOf(productId: number): Promise<number> {
  const { body } = await callJson('GET', `${sandbox.productUrl}/api/products/${String(productId)}`);
  return (body as Product).stock;
}

describe('GET /api/products/:id', () => {
  it('answers a seeded product with its price as a decimal string', async () => {
    const { status, body } = await callJson('GET', `${sandbox.productUrl}/api/products/7`);

    expect(status).toBe(200);
    expect(body).toEqual({ id: 7, name: 'Paper Clip', price: '0.10', stock: 100 });
  });

  it('answers a price created as a JSON number as that number', async () => {
    const product = await createProduct(3, 29.99);

    const { body } = await callJson(
      'GET',
      `${sandbox.productUrl}/api/products/${String(product.id)}`,
    );

    expect(body).toEqual({
      id: product.id,
      name: `Product ${String(product.id)}`,
      price: 29.99,
      stock: 3,
    });
  });

  it('answers 404 for an unknown product and 400 for an id that is not one', async () => {
    const unknown = await callJson('GET', `${sandbox.productUrl}/api/products/999999`);
    const malformed = await callJson('GET', `${sandbox.productUrl}/api/products/abc`);

    expect(unknown).toEqual({ status: 404, body: { error: 'not_found' } });
    expect(malformed).toEqual({ status: 400, body: { error: 'bad_request' } });
  });
});

describe('POST /api/products/:id/stock/decrease', () => {
  it('decreases the stock and records the change in the ledger', async () => {
    const product = await createProduct(10);
    const orderId = nextOrderId++;

    const { status, body } = await changeStock(
      'decrease',
      product.id,
      { quantity: 3, orderId },
      'k-1',
    );

    expect(status).toBe(200);
    expect(body).toEqual({ id: product.id, stock: 7 });
    expect(await ledgerOf(product.id)).toEqual([
      {
        productId: product.id,
        orderId,
        kind: 'decrease',
        quantity: 3,
        idempotencyKey: 'k-1',
        stockAfter: 7,
        at: anyText,
      },
    ]);
  });

  it('replays the first response for a repeated Idempotency-Key without decreasing again', async () => {
    const product = await createProduct(10);
    const key = `decrease-${randomUUID()}`;
    const body = { quantity: 3, orderId: nextOrderId++ };

    const first = await changeStock('decrease', product.id, body, key);
    const again = await changeStock('decrease', product.id, body, key);

    expect(first).toEqual({ status: 200, body: { id: product.id, stock: 7 } });
    expect(again).toEqual(first);
    expect(await stockOf(product.id)).toBe(7);
    expect(await ledgerOf(product.id)).toHaveLength(1);
  });

  it('answers 409 and changes nothing when the stock is short', async () => {
    const product = await createProduct(2);

    const { status } = await changeStock(
      'decrease',
      product.id,
      { quantity: 3, orderId: 1 },
      randomUUID(),
    );

    expect(status).toBe(409);
    expect(await stockOf(product.id)).toBe(2);
    expect(await ledgerOf(product.id)).toEqual([]);
  });

  it('lets exactly 5 of 20 concurrent decreases through on a stock of 5', async () => {
    const product = await createProduct(5);

    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        changeStock('decrease', product.id, { quantity: 1, orderId: 5000 + index }, randomUUID()),
      ),
    );

    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 409)).toHaveLength(15);
    expect(await stockOf(product.id)).toBe(0);
    expect(await ledgerOf(product.id)).toHaveLength(5);
  });

  it('applies every call that comes without a key', async () => {
    const product = await createProduct(10);

    await changeStock('decrease', product.id, { quantity: 1, orderId: 1 });
    await changeStock('decrease', product.id, { quantity: 1, orderId: 1 });

    expect(await stockOf(product.id)).toBe(8);
  });

  it('answers 404 for an unknown product', async () => {
    const { status } = await changeStock(
      'decrease',
      999999,
      { quantity: 1, orderId: 1 },
      randomUUID(),
    );

    expect(status).toBe(404);
  });

  it.each([
    { quantity: 0, orderId: 1 },
    { quantity: 1.5, orderId: 1 },
    { quantity: '1', orderId: 1 },
    { quantity: 1 },
    { quantity: 1, orderId: 0 },
    { quantity: 1, orderId: 1, extra: true },
  ])('answers 400 for the body %j', async (body) => {
    const product = await createProduct(10);

    const response = await changeStock('decrease', product.id, body, randomUUID());

    expect(response).toEqual({ status: 400, body: { error: 'bad_request' } });
    expect(await stockOf(product.id)).toBe(10);
  });
});

describe('POST /api/products/:id/stock/increase', () => {
  it('increases the stock once per Idempotency-Key', async () => {
    const product = await createProduct(1);
    const key = `increase-${randomUUID()}`;

    const first = await changeStock('increase', product.id, { quantity: 2, orderId: 7 }, key);
    const again = await changeStock('increase', product.id, { quantity: 2, orderId: 7 }, key);

    expect(first).toEqual({ status: 200, body: { id: product.id, stock: 3 } });
    expect(again).toEqual(first);
    expect(await ledgerOf(product.id)).toMatchObject([
      { kind: 'increase', quantity: 2, stockAfter: 3 },
    ]);
  });
});

describe('product control API', () => {
  it('gives created products fresh ids that never meet the seeded catalogue', async () => {
    const created = await Promise.all([createProduct(1), createProduct(1), createProduct(1)]);

    const ids = created.map((product) => product.id);
    expect(new Set(ids).size).toBe(3);
    expect(ids.every((id) => id > 10)).toBe(true);
  });

  it('sets the stock of a product', async () => {
    const product = await createProduct(1);

    const { status } = await callJson(
      'PUT',
      `${sandbox.productUrl}/__sandbox/products/${String(product.id)}/stock`,
      { body: { stock: 42 } },
    );

    expect(status).toBe(200);
    expect(await stockOf(product.id)).toBe(42);
  });

  it.each(['29.999', -1, '1e3', 'NaN', 29.99])(
    'serves a raw price %j exactly as given',
    async (price) => {
      const product = await createProduct(1);

      const { status } = await callJson(
        'PUT',
        `${sandbox.productUrl}/__sandbox/products/${String(product.id)}/price`,
        { body: { price } },
      );
      const served = await fetch(`${sandbox.productUrl}/api/products/${String(product.id)}`);

      expect(status).toBe(200);
      expect(await served.text()).toContain(`"price":${JSON.stringify(price)}`);
    },
  );

  it('filters the stock ledger by order', async () => {
    const product = await createProduct(10);
    const orderId = nextOrderId++;
    await changeStock('decrease', product.id, { quantity: 1, orderId }, randomUUID());
    await changeStock(
      'decrease',
      product.id,
      { quantity: 1, orderId: nextOrderId++ },
      randomUUID(),
    );

    const { body } = await callJson(
      'GET',
      `${sandbox.productUrl}/__sandbox/stock-ledger?orderId=${String(orderId)}`,
    );

    expect(body).toMatchObject({ data: [{ productId: product.id, orderId, stockAfter: 9 }] });
  });

  it.each([
    { price: 12.345, stock: 1 },
    { price: '12.3', stock: 1 },
    { price: '1.00', stock: -1 },
  ])('refuses the product %j', async (body) => {
    const { status } = await callJson('POST', `${sandbox.productUrl}/__sandbox/products`, { body });

    expect(status).toBe(400);
  });
});
