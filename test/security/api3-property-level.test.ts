import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HttpResponse } from '../support/http-client.js';
import type { OrderView } from '../support/orders.js';
import { advance, createProducts, declinedCard, placePaidOrder } from '../support/orders.js';
import { stockChangesOfProduct } from '../support/product-stock.js';
import { orderBody, shippingAddress, useTestService } from '../support/test-service.js';
import type { TestUser } from '../support/tokens.js';
import { newUser } from '../support/tokens.js';

// OWASP API3:2023 Broken Object Property Level Authorization: a client can set no property the
// service owns (mass assignment), and no response carries a property the contract does not list
// (excessive data exposure): every body's keys are checked against /openapi.json, recursively.
const env = useTestService();

const ownedByTheService = {
  userId: 1,
  status: 'paid',
  totalAmount: '0.01',
  price: '0.01',
  id: 1,
  paymentId: 'pay_forged',
  version: 99,
  createdAt: '2020-01-01T00:00:00.000Z',
} as const;

type Placement = 'top level' | 'items[]' | 'shippingAddress';

const injectionCases = (['top level', 'items[]', 'shippingAddress'] as const).flatMap(
  (placement: Placement) =>
    Object.entries(ownedByTheService).map(([field, value]) => ({ placement, field, value })),
);

function bodyWith(productId: number, placement: Placement, field: string, value: unknown) {
  const line: Record<string, unknown> = { productId, quantity: 1 };
  const address: Record<string, unknown> = { ...shippingAddress };
  const extra: Record<string, unknown> = {};
  if (placement === 'items[]') line[field] = value;
  if (placement === 'shippingAddress') address[field] = value;
  if (placement === 'top level') extra[field] = value;
  return {
    ...orderBody([line as { productId: number; quantity: number }]),
    ...extra,
    shippingAddress: address,
  };
}

const pathOf = (placement: Placement, field: string): string =>
  placement === 'top level'
    ? field
    : placement === 'items[]'
      ? `items.0.${field}`
      : `shippingAddress.${field}`;

async function ordersInDatabase(userId: number): Promise<number> {
  const client = new pg.Client({ connectionString: env.database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>(
      'select count(*) as count from orders where user_id = $1',
      [userId],
    );
    return Number(rows[0]?.count);
  } finally {
    await client.end();
  }
}

describe('mass assignment on POST /api/orders', () => {
  it.each(injectionCases)(
    'answers 400 naming $field set in $placement, storing nothing and calling no peer',
    async ({ placement, field, value }) => {
      const user = await newUser();
      const [product] = await createProducts(env, [{ price: '5.00', stock: 10, quantity: 1 }]);
      const chargesBefore = (await env.peers.requests('charge')).length;

      const response = await env
        .api(user.token)
        .post('/api/orders', bodyWith(product!.id, placement, field, value), {
          'Idempotency-Key': `forged-${user.id}`,
        });

      expect(response.status).toBe(400);
      expect(response.body.type).toBe('/problems/validation-failed');
      expect(response.body.errors).toContainEqual({
        path: pathOf(placement, field),
        message: expect.any(String),
      });
      expect(await ordersInDatabase(user.id)).toBe(0);
      expect((await env.api(user.token).get('/api/orders')).body.pagination.total).toBe(0);
      const productCalls = [
        ...(await env.peers.requests('getProduct')),
        ...(await env.peers.requests('decreaseStock')),
      ].filter((call) => call.productId === product!.id);
      expect(productCalls).toEqual([]);
      expect(await stockChangesOfProduct(env.sandbox, product!.id)).toEqual([]);
      expect(await env.peers.requests('charge')).toHaveLength(chargesBefore);
    },
  );

  it('answers 400 to service-owned fields in cancel and status-change bodies, changing nothing', async () => {
    const [user, admin] = [await newUser(), await newUser('admin')];
    const { order } = await placePaidOrder(env, user);

    const cancel = await env
      .api(user.token)
      .post(`/api/orders/${order.id}/cancel`, { reason: 'x', status: 'cancelled', version: 9 });
    const patch = await env.api(admin.token).patch(`/api/orders/${order.id}/status`, {
      status: 'processing',
      paymentId: 'pay_forged',
      totalAmount: '0.01',
    });

    expect(cancel.status).toBe(400);
    expect(cancel.body.errors.map((error: { path: string }) => error.path).sort()).toEqual([
      'status',
      'version',
    ]);
    expect(patch.status).toBe(400);
    expect(patch.body.errors.map((error: { path: string }) => error.path).sort()).toEqual([
      'paymentId',
      'totalAmount',
    ]);
    const after = await env.api(user.token).get(`/api/orders/${order.id}`);
    expect(after.body).toEqual(order);
  });
});

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
};

type Operation = {
  responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
};

type OpenApi = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
};

/**
 * Where `value`'s keys differ from `schema`'s: a key the schema does not list, or a required one
 * missing, at any depth. Only keys are compared; values are the other tests' business.
 */
function keyMismatches(document: OpenApi, schema: JsonSchema, value: unknown, at = '$'): string[] {
  if (schema.$ref !== undefined) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = document.components.schemas[name];
    if (target === undefined) return [`${at}: unresolved ${schema.$ref}`];
    return keyMismatches(document, target, value, at);
  }
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches !== undefined) {
    const results = branches.map((branch) => keyMismatches(document, branch, value, at));
    return results.find((result) => result.length === 0) ?? results[0] ?? [];
  }
  if (Array.isArray(value)) {
    if (schema.items === undefined) return [`${at}: an array where the schema has none`];
    return value.flatMap((item, index) =>
      keyMismatches(document, schema.items!, item, `${at}[${index}]`),
    );
  }
  if (typeof value !== 'object' || value === null) return [];
  if (schema.properties === undefined) return [`${at}: an object whose keys are not documented`];
  const properties = schema.properties;
  const keys = Object.keys(value);
  return [
    ...keys.filter((key) => !(key in properties)).map((key) => `${at}.${key}: not in the schema`),
    ...(schema.required ?? [])
      .filter((key) => !keys.includes(key))
      .map((key) => `${at}.${key}: required but missing`),
    ...keys
      .filter((key) => key in properties)
      .flatMap((key) =>
        keyMismatches(
          document,
          properties[key]!,
          (value as Record<string, unknown>)[key],
          `${at}.${key}`,
        ),
      ),
  ];
}

describe('response bodies against /openapi.json', () => {
  let document: OpenApi;
  beforeAll(async () => {
    document = (await env.api().get('/openapi.json')).body as OpenApi;
  });

  /** The response's keys are exactly those its documented schema lists, at every depth. */
  function expectDocumented(
    path: string,
    method: string,
    response: HttpResponse,
    expectedStatus: number,
  ): void {
    expect(response.status).toBe(expectedStatus);
    const documented = document.paths[path]?.[method]?.responses[String(response.status)];
    expect(documented, `${method} ${path} ${response.status} is documented`).toBeDefined();
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!;
    const schema = documented?.content?.[mediaType]?.schema;
    expect(schema, `${method} ${path} ${response.status} documents ${mediaType}`).toBeDefined();
    expect(keyMismatches(document, schema!, response.body)).toEqual([]);
  }

  /** Not even inside a value: the payment method, keys, saga state, a peer's own error text. */
  const expectNoInternals = (...responses: HttpResponse[]): void => {
    for (const response of responses) {
      expect(response.text).not.toMatch(/pm_card|paymentMethod|idempotency|saga|lease|sandbox/i);
    }
  };

  it('POST /api/orders: 201, 402, 409 and 422 carry only documented keys', async () => {
    const user = await newUser();
    const [plenty, scarce] = await createProducts(env, [
      { price: '3.10', stock: 10, quantity: 1 },
      { price: '4.20', stock: 1, quantity: 2 },
    ]);
    const line = (productId: number, quantity = 1) => [{ productId, quantity }];
    const key = { 'Idempotency-Key': `shape-${user.id}` };

    const created = await env.api(user.token).post('/api/orders', orderBody(line(plenty!.id)), key);
    const replayed = await env
      .api(user.token)
      .post('/api/orders', orderBody(line(plenty!.id)), key);
    const declined = await env
      .api(user.token)
      .post('/api/orders', orderBody(line(plenty!.id), { paymentMethod: declinedCard }));
    const short = await env.api(user.token).post('/api/orders', orderBody(line(scarce!.id, 2)));
    const unknown = await env.api(user.token).post('/api/orders', orderBody(line(999_999_999)));

    expectDocumented('/api/orders', 'post', created, 201);
    expectDocumented('/api/orders', 'post', replayed, 201);
    expectDocumented('/api/orders', 'post', declined, 402);
    expectDocumented('/api/orders', 'post', short, 409);
    expectDocumented('/api/orders', 'post', unknown, 422);
    const base = ['detail', 'status', 'title', 'traceId', 'type'];
    expect(Object.keys(declined.body).sort()).toEqual([...base, 'orderId', 'reason'].sort());
    expect(Object.keys(short.body).sort()).toEqual([...base, 'productIds'].sort());
    expect(Object.keys(unknown.body).sort()).toEqual([...base, 'productIds'].sort());
    expectNoInternals(created, replayed, declined, short, unknown);
  });

  it('GET one, list (page and cursor), history, cancel and PATCH carry only documented keys', async () => {
    const [user, admin] = [await newUser(), await newUser('admin')];
    const first = (await placePaidOrder(env, user)).order;
    const second = (await placePaidOrder(env, user)).order;
    await advance(env, admin, second.id, ['processing']);

    const one = await env.api(user.token).get(`/api/orders/${first.id}`);
    const page = await env.api(user.token).get('/api/orders?limit=1');
    const cursor = await env
      .api(user.token)
      .get(`/api/orders?limit=1&after=${encodeURIComponent(page.body.pagination.nextCursor)}`);
    const history = await env.api(user.token).get(`/api/orders/${second.id}/history`);
    const cancelled = await env.api(user.token).post(`/api/orders/${first.id}/cancel`);
    const stale = await env
      .api(user.token)
      .post(`/api/orders/${second.id}/cancel`, {}, { 'If-Match': '"1"' });
    const shipped = await env
      .api(admin.token)
      .patch(`/api/orders/${second.id}/status`, { status: 'shipped' });
    const illegal = await env
      .api(admin.token)
      .patch(`/api/orders/${second.id}/status`, { status: 'paid' });
    const invalid = await env.api(user.token).get('/api/orders?limit=0');

    expectDocumented('/api/orders/{id}', 'get', one, 200);
    expectDocumented('/api/orders', 'get', page, 200);
    expectDocumented('/api/orders', 'get', cursor, 200);
    expectDocumented('/api/orders/{id}/history', 'get', history, 200);
    expectDocumented('/api/orders/{id}/cancel', 'post', cancelled, 200);
    expectDocumented('/api/orders/{id}/cancel', 'post', stale, 412);
    expectDocumented('/api/orders/{id}/status', 'patch', shipped, 200);
    expectDocumented('/api/orders/{id}/status', 'patch', illegal, 409);
    expectDocumented('/api/orders', 'get', invalid, 400);
    expect((one.body as OrderView).id).toBe(first.id);
    expectNoInternals(one, page, cursor, history, cancelled, stale, shipped, illegal, invalid);
  });

  it('admin saga list and retry carry only documented keys', async () => {
    const admin: TestUser = await newUser('admin');
    await placePaidOrder(env, await newUser());

    const sagas = await env.api(admin.token).get('/api/admin/sagas?state=completed&limit=5');
    const finished = await env
      .api(admin.token)
      .post(`/api/admin/sagas/${sagas.body.data[0].id}/retry`);

    expectDocumented('/api/admin/sagas', 'get', sagas, 200);
    expect(sagas.body.data.length).toBeGreaterThan(0);
    expectDocumented('/api/admin/sagas/{id}/retry', 'post', finished, 409);
    const one = await env.api(admin.token).get(`/api/admin/sagas/${sagas.body.data[0].id}`);
    expectDocumented('/api/admin/sagas/{id}', 'get', one, 200);
    const notParked = await env
      .api(admin.token)
      .post(`/api/admin/sagas/${sagas.body.data[0].id}/resolve`, { reason: 'x' });
    expectDocumented('/api/admin/sagas/{id}/resolve', 'post', notParked, 409);
  });
});
