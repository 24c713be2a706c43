import { describe, expect, it } from 'vitest';
import { request } from '../support/http-client.js';
import { stockChangesOfProduct } from '../support/product-stock.js';
import { orderBody, shippingAddress, useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

const env = useTestService();

type InvalidCase = {
  name: string;
  /** The request body for a product that exists, with stock 10. */
  body: (productId: number) => unknown;
  headers?: Record<string, string>;
  /** Paths that must appear in the problem's `errors`. */
  paths: string[];
};

const line = (productId: number, quantity = 1) => ({ productId, quantity });
const address = (changes: Record<string, unknown>) => ({ ...shippingAddress, ...changes });
const addressWithoutStreet = Object.fromEntries(
  Object.entries(shippingAddress).filter(([field]) => field !== 'street'),
);

const invalidCases: InvalidCase[] = [
  { name: 'no items', body: () => orderBody([]), paths: ['items'] },
  {
    name: '51 items',
    body: (id) => orderBody(Array.from({ length: 51 }, (_, index) => line(id + index))),
    paths: ['items'],
  },
  { name: 'quantity 0', body: (id) => orderBody([line(id, 0)]), paths: ['items.0.quantity'] },
  {
    name: 'quantity 1001',
    body: (id) => orderBody([line(id, 1001)]),
    paths: ['items.0.quantity'],
  },
  { name: 'quantity 1.5', body: (id) => orderBody([line(id, 1.5)]), paths: ['items.0.quantity'] },
  {
    name: 'quantity as the string "2"',
    body: (id) => ({ ...orderBody([]), items: [{ productId: id, quantity: '2' }] }),
    paths: ['items.0.quantity'],
  },
  {
    name: 'the same productId twice',
    body: (id) => orderBody([line(id, 1), line(id, 2)]),
    paths: ['items.1.productId'],
  },
  {
    name: 'a userId set by the client',
    body: (id) => orderBody([line(id)], { userId: 1 }),
    paths: ['userId'],
  },
  {
    name: 'a status set by the client',
    body: (id) => orderBody([line(id)], { status: 'paid' }),
    paths: ['status'],
  },
  {
    name: 'a price set by the client on an item',
    body: (id) => ({ ...orderBody([]), items: [{ productId: id, quantity: 1, price: '0.01' }] }),
    paths: ['items.0.price'],
  },
  {
    name: 'a shipping address without street',
    body: (id) => orderBody([line(id)], { shippingAddress: addressWithoutStreet }),
    paths: ['shippingAddress.street'],
  },
  {
    name: 'an empty shipping address',
    body: (id) => orderBody([line(id)], { shippingAddress: {} }),
    paths: [
      'shippingAddress.street',
      'shippingAddress.city',
      'shippingAddress.postalCode',
      'shippingAddress.country',
    ],
  },
  {
    name: 'country in lower case ("de")',
    body: (id) => orderBody([line(id)], { shippingAddress: address({ country: 'de' }) }),
    paths: ['shippingAddress.country'],
  },
  {
    name: 'a three-letter country ("DEU")',
    body: (id) => orderBody([line(id)], { shippingAddress: address({ country: 'DEU' }) }),
    paths: ['shippingAddress.country'],
  },
  {
    name: 'a street of 201 characters',
    body: (id) => orderBody([line(id)], { shippingAddress: address({ street: 'x'.repeat(201) }) }),
    paths: ['shippingAddress.street'],
  },
  {
    name: 'an unknown shipping address field',
    body: (id) => orderBody([line(id)], { shippingAddress: address({ phone: '+49 30 1234' }) }),
    paths: ['shippingAddress.phone'],
  },
  {
    name: 'an empty paymentMethod',
    body: (id) => orderBody([line(id)], { paymentMethod: '' }),
    paths: ['paymentMethod'],
  },
  {
    name: 'a paymentMethod of 101 characters',
    body: (id) => orderBody([line(id)], { paymentMethod: 'p'.repeat(101) }),
    paths: ['paymentMethod'],
  },
];

const badKeyCases = [
  { name: 'an Idempotency-Key of 256 characters', key: 'k'.repeat(256) },
  { name: 'an Idempotency-Key containing a space', key: 'order 42' },
  { name: 'an empty Idempotency-Key', key: '' },
];

const expectNothingStored = async (token: string, productId: number) => {
  const list = await env.api(token).get('/api/orders');
  expect(list.status).toBe(200);
  expect(list.body.pagination.total).toBe(0);
  expect(await env.peers.stockOf(productId)).toBe(10);
  expect(await stockChangesOfProduct(env.sandbox, productId)).toEqual([]);
};

describe('POST /api/orders', () => {
  it.each(invalidCases)(
    'answers 400 with the field paths and stores nothing for $name',
    async ({ body, headers, paths }) => {
      const user = await newUser();
      const product = await env.peers.createProduct({ price: '10.00', stock: 10 });

      const response = await env
        .api(user.token)
        .post('/api/orders', body(product.id), headers ?? {});

      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ status: 400, errors: expect.any(Array) });
      const reported = (response.body.errors as { path: string; message: string }[]).map(
        (error) => error.path,
      );
      expect(reported).toEqual(expect.arrayContaining(paths));
      await expectNothingStored(user.token, product.id);
    },
  );

  it.each(badKeyCases)('answers 400 for $name and stores nothing', async ({ key }) => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '10.00', stock: 10 });

    const response = await env
      .api(user.token)
      .post('/api/orders', orderBody([line(product.id)]), { 'Idempotency-Key': key });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body.errors).toEqual([
      expect.objectContaining({ path: expect.stringMatching(/idempotency-key/i) }),
    ]);
    await expectNothingStored(user.token, product.id);
  });

  it('accepts every field at its limit: 50 items, quantity 1000, 200-char street, 255-char key', async () => {
    const user = await newUser();
    const products = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        env.peers.createProduct({ price: '0.01', stock: index === 0 ? 1000 : 1 }),
      ),
    );
    const fullAddress = {
      name: 'n'.repeat(200),
      street: 's'.repeat(200),
      city: 'c'.repeat(100),
      state: 't'.repeat(100),
      postalCode: 'p'.repeat(20),
      country: 'DE',
    };
    const items = products.map((product, index) => ({
      productId: product.id,
      quantity: index === 0 ? 1000 : 1,
    }));

    const response = await env
      .api(user.token)
      .post(
        '/api/orders',
        orderBody(items, { shippingAddress: fullAddress, paymentMethod: 'm'.repeat(100) }),
        { 'Idempotency-Key': `~${'k'.repeat(253)}!` },
      );

    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body.items).toHaveLength(50);
    expect(response.body.shippingAddress).toEqual(fullAddress);
    expect(response.body.totalAmount).toBe('10.49');
  });

  it('answers 400 with a problem for malformed JSON and stores nothing', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '10.00', stock: 10 });

    const response = await request(env.url, 'POST', '/api/orders', {
      rawBody: `{"items":[{"productId":${product.id},"quantity":1}],`,
      token: user.token,
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 400, type: expect.any(String) });
    await expectNothingStored(user.token, product.id);
  });

  it('answers 415 naming the media type for a body that is not JSON, and stores nothing', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '10.00', stock: 10 });
    const json = JSON.stringify(orderBody([{ productId: product.id, quantity: 1 }]));

    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
      const response = await request(env.url, 'POST', '/api/orders', {
        rawBody: json,
        headers: { 'Content-Type': contentType },
        token: user.token,
      });

      expect(response.status).toBe(415);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.headers.get('accept-post')).toBe('application/json');
      expect(response.body).toMatchObject({
        type: '/problems/unsupported-media-type',
        status: 415,
        detail: expect.stringContaining(contentType),
      });
    }
    await expectNothingStored(user.token, product.id);
  });

  it('answers 400 naming items when the total would pass what an order can hold', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '999999999999.99', stock: 10 });

    const response = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: product.id, quantity: 10 }]));

    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ path: 'items' })]);
    await expectNothingStored(user.token, product.id);
  });
});
