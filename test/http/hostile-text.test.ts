import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { request } from '../support/http-client.js';
import { placePaidOrder } from '../support/orders.js';
import { orderBody, shippingAddress, useTestService } from '../support/test-service.js';
import type { TestUser } from '../support/tokens.js';
import { newUser } from '../support/tokens.js';

/**
 * Text PostgreSQL cannot store (issue 13, point 1): a NUL, a lone surrogate, or bytes that are
 * not UTF-8 are refused with 400 and an `errors[]` entry naming the field, and nothing is
 * stored; any other Unicode is stored and read back exactly.
 */

const env = useTestService();
let admin: TestUser;
let productId: number;
beforeAll(async () => {
  admin = await newUser('admin');
  productId = (await env.peers.createProduct({ price: '1.00', stock: 1_000 })).id;
});

const hostile = [
  ['a NUL', 'Main\u0000St'],
  ['a lone high surrogate', 'Main \ud800 St'],
  ['a lone low surrogate', 'Main \udc00 St'],
] as const;

/** Every free-text field of a create, with how to put `value` into a valid body. */
const createFields: [string, (value: string) => Record<string, unknown>][] = [
  ['shippingAddress.name', (v) => ({ shippingAddress: { ...shippingAddress, name: v } })],
  ['shippingAddress.street', (v) => ({ shippingAddress: { ...shippingAddress, street: v } })],
  ['shippingAddress.city', (v) => ({ shippingAddress: { ...shippingAddress, city: v } })],
  ['shippingAddress.state', (v) => ({ shippingAddress: { ...shippingAddress, state: v } })],
  [
    'shippingAddress.postalCode',
    (v) => ({ shippingAddress: { ...shippingAddress, postalCode: v } }),
  ],
  ['paymentMethod', (v) => ({ paymentMethod: v })],
];

/** A create with `fields` in its body is refused with 400 and an errors[] entry for `field`. */
async function expectRefusedNaming(user: TestUser, field: string, fields: Record<string, unknown>) {
  const response = await env
    .api(user.token)
    .post('/api/orders', orderBody([{ productId, quantity: 1 }], fields));
  expect(response.status).toBe(400);
  expect(response.body.errors).toEqual(
    expect.arrayContaining([expect.objectContaining({ path: field })]),
  );
}

async function ordersOf(user: TestUser): Promise<number> {
  const listed = await env.api(user.token).get('/api/orders');
  expect(listed.status).toBe(200);
  return listed.body.pagination.total as number;
}

describe('text PostgreSQL cannot store', () => {
  for (const [label, value] of hostile) {
    for (const [field, put] of createFields) {
      it(`refuses ${label} in ${field} with 400 naming it, and stores nothing`, async () => {
        const user = await newUser();

        await expectRefusedNaming(user, field, put(value));

        expect(await ordersOf(user)).toBe(0);
      });
    }

    it(`refuses ${label} in a cancel reason and a PATCH reason, and changes nothing`, async () => {
      const user = await newUser();
      const { order } = await placePaidOrder(env, user, [{ price: '1.00', stock: 5, quantity: 1 }]);

      const cancelled = await env
        .api(user.token)
        .post(`/api/orders/${order.id}/cancel`, { reason: value });
      const patched = await env
        .api(admin.token)
        .patch(`/api/orders/${order.id}/status`, { status: 'processing', reason: value });

      expect(cancelled.status).toBe(400);
      expect(cancelled.body.errors).toEqual([expect.objectContaining({ path: 'reason' })]);
      expect(patched.status).toBe(400);
      expect(patched.body.errors).toEqual([expect.objectContaining({ path: 'reason' })]);
      const after = await env.api(user.token).get(`/api/orders/${order.id}`);
      expect(after.body).toMatchObject({ status: 'paid', version: order.version });
    });
  }

  it('refuses a body whose bytes are not UTF-8 with 400, and stores nothing', async () => {
    const user = await newUser();
    const valid = JSON.stringify(orderBody([{ productId, quantity: 1 }]));
    const [before, after] = valid.split('1 Main St');
    const bytes = Buffer.concat([
      Buffer.from(`${before ?? ''}1 Main `),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(` St${after ?? ''}`),
    ]);

    const response = await request(env.url, 'POST', '/api/orders', {
      token: user.token,
      rawBody: bytes,
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body.errors).toEqual([expect.objectContaining({ path: 'body' })]);
    expect(await ordersOf(user)).toBe(0);
  });

  it('stores any other Unicode and reads it back exactly', async () => {
    const user = await newUser();
    const street =
      'Straße 1 \u200f\u05e9\u05dc\u05d5\u05dd e\u0301 "quoted" \'single\' 🚚👩‍👩‍👧 \ufffd';

    const placed = await env.api(user.token).post(
      '/api/orders',
      orderBody([{ productId, quantity: 1 }], {
        shippingAddress: { ...shippingAddress, street, city: 'Zürich 😀' },
      }),
    );

    expect(placed.status).toBe(201);
    const read = await env.api(user.token).get(`/api/orders/${placed.body.id}`);
    expect(read.body.shippingAddress.street).toBe(street);
    expect(read.body.shippingAddress.city).toBe('Zürich 😀');
  });
});

/** Text with something unstorable inside: a NUL or a lone surrogate, anywhere. */
const unstorable = fc
  .tuple(
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff'),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
  )
  .map(([before, bad, after]) => `${before}${bad}${after}`);

/** Any well-formed Unicode but NUL, the length a street allows. */
const storable = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 60 })
  .filter((value) => !value.includes('\u0000') && value.length <= 200);

describe('free text, generated (fast-check)', () => {
  it('refuses unstorable text in any create field with 400 naming it, and stores nothing', async () => {
    const user = await newUser();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...createFields),
        unstorable,
        async ([field, put], value) => {
          // A postal code is at most 20 characters: a longer one is refused for its length.
          fc.pre(field !== 'shippingAddress.postalCode' || value.length <= 20);
          await expectRefusedNaming(user, field, put(value));
        },
      ),
      { numRuns: 40 },
    );
    expect(await ordersOf(user)).toBe(0);
  });

  it('stores any other Unicode in a street and reads it back exactly', async () => {
    const user = await newUser();
    await fc.assert(
      fc.asyncProperty(storable, async (street) => {
        const placed = await env.api(user.token).post(
          '/api/orders',
          orderBody([{ productId, quantity: 1 }], {
            shippingAddress: { ...shippingAddress, street },
          }),
        );
        expect(placed.status).toBe(201);
        const read = await env.api(user.token).get(`/api/orders/${placed.body.id}`);
        expect(read.body.shippingAddress.street).toBe(street);
      }),
      { numRuns: 25 },
    );
  });
});

describe('hostile text in the query, the path and headers', () => {
  const queries = [
    ['status', 'status=%00'],
    ['status', 'status=%ED%A0%80'],
    ['page', 'page=1%00'],
    ['limit', 'limit=%FF'],
    ['userId', 'userId=%00'],
    ['createdFrom', 'createdFrom=2026-01-01T00%3A00%3A00Z%00'],
    ['after', 'after=%00'],
  ] as const;
  for (const [field, query] of queries) {
    it(`answers GET /api/orders?${query} with 400 naming ${field}`, async () => {
      const response = await env.api(admin.token).get(`/api/orders?${query}`);

      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ path: field })]),
      );
    });
  }

  for (const id of ['%00', '1%00', '%ED%A0%80', '%FF']) {
    it(`answers GET /api/orders/${id} with 400`, async () => {
      const response = await env.api(admin.token).get(`/api/orders/${id}`);

      expect(response.status).toBe(400);
      expect(response.body.detail).toMatch(/path parameter/);
    });
  }

  it('answers an Idempotency-Key that is not visible ASCII with 400 naming it, and stores nothing', async () => {
    const user = await newUser();

    const response = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId, quantity: 1 }]), { 'Idempotency-Key': 'clé-1' });

    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ path: 'idempotency-key' })]);
    expect(await ordersOf(user)).toBe(0);
  });
});

/** Sends raw bytes on a fresh connection and reads the whole answer (the server closes it). */
async function rawExchange(url: string, bytes: Buffer): Promise<string> {
  const { port } = new URL(url);
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => {
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('error', reject);
  });
}

describe('a header HTTP itself does not allow (Node rejects it before any route)', () => {
  it.each([
    ['a NUL', 'X-Reason: a\u0000b'],
    ['a bare CR', 'Idempotency-Key: a\rb'],
    ['a control character', 'X-Note: a\u0001b'],
  ])('is a 400 problem naming the headers, for %s', async (_, header) => {
    const answer = await rawExchange(
      env.url,
      Buffer.from(`GET /health HTTP/1.1\r\nHost: localhost\r\n${header}\r\n\r\n`, 'latin1'),
    );

    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    expect(JSON.parse(body)).toMatchObject({
      type: '/problems/validation-failed',
      status: 400,
      detail: expect.any(String),
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      errors: [{ path: 'headers', message: expect.any(String) }],
    });
  });
});
