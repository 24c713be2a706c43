import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HttpResponse } from '../support/http-client.js';
import { request } from '../support/http-client.js';
import { placePaidOrder } from '../support/orders.js';
import type { OrderView } from '../support/orders.js';
import { useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';
import type { TestUser } from '../support/tokens.js';

// Property-based fuzzing of the public API, its inputs derived from the service's own
// /openapi.json and then broken on purpose. Two properties for every request: the service never
// answers 5xx, and a 4xx stores nothing (orders, charges, stock changes, the target order).
// Seeded and bounded: FUZZ_SEED=<seed> replays a run; fast-check prints the seed and the
// shrunk counterexample on failure.

const env = useTestService();
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const runs = (numRuns: number) => ({ numRuns, ...(seed === undefined ? {} : { seed }) });

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  format?: string;
  pattern?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
};
type Parameter = { name: string; in: string; schema: JsonSchema };
type OpenApi = {
  components: { schemas: Record<string, JsonSchema> };
  paths: Record<string, Record<string, { parameters?: Parameter[] }>>;
};

let openApi: OpenApi;
let admin: TestUser;
let owner: TestUser;
/** Orders the PATCH and cancel fuzzing aim at, besides ids that do not exist. */
let targets: OrderView[];
/** Products with stock for a million orders, so valid bodies also reach the saga. */
let productIds: number[];

beforeAll(async () => {
  openApi = (await request<OpenApi>(env.url, 'GET', '/openapi.json')).body;
  admin = await newUser('admin');
  owner = await newUser();
  const products = await Promise.all([
    env.peers.createProduct({ price: '1.00', stock: 1_000_000 }),
    env.peers.createProduct({ price: '0.10', stock: 1_000_000 }),
  ]);
  productIds = products.map((product) => product.id);
  targets = await Promise.all([1, 2, 3].map(async () => (await placePaidOrder(env, owner)).order));
});

/** Any JSON value fast-check can think of, prototype-pollution keys included. */
const anyJson = fc.jsonValue({ maxDepth: 3 });
const pollutionKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
);
const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\u202e',
    '😀',
    'NaN',
    '-0',
    '1e400',
    '0x10',
    "'; drop table orders;--",
  ),
  fc.nat({ max: 20_000 }).map((length) => 'x'.repeat(length)),
);
const nastyNumber = fc.oneof(
  fc.constantFrom(0, -1, -0, 1.5, 1e21, 2 ** 53, 2 ** 63, -(2 ** 63), Number.MAX_VALUE),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Values valid for `schema`, from the OpenAPI document; `hints` bias named properties. */
function validOf(
  schema: JsonSchema,
  hints: Record<string, fc.Arbitrary<unknown>> = {},
): fc.Arbitrary<unknown> {
  if (schema.$ref !== undefined) {
    const name = schema.$ref.split('/').pop() ?? '';
    const target = openApi.components.schemas[name];
    if (target === undefined) throw new Error(`no schema ${schema.$ref}`);
    return validOf(target, hints);
  }
  const options = schema.anyOf ?? schema.oneOf;
  if (options !== undefined) return fc.oneof(...options.map((option) => validOf(option, hints)));
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type ?? 'any') {
    case 'object': {
      const properties = schema.properties ?? {};
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, property] of Object.entries(properties)) {
        const hint = hints[key];
        record[key] =
          hint === undefined
            ? validOf(property, hints)
            : fc.oneof({ weight: 9, arbitrary: hint }, validOf(property, hints));
      }
      return fc.record(record, { requiredKeys: schema.required ?? [] });
    }
    case 'array':
      // Unique by productId: order-api.md refuses an order naming a product twice.
      return fc.uniqueArray(validOf(schema.items ?? {}, hints), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 5, 5),
        selector: (item) =>
          typeof item === 'object' && item !== null && 'productId' in item ? item.productId : item,
      });
    case 'integer':
      return fc.integer({
        min: schema.minimum ?? Number.MIN_SAFE_INTEGER,
        max: schema.maximum ?? Number.MAX_SAFE_INTEGER,
      });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'string':
      if (schema.format === 'date-time') {
        return fc
          .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
          .map((date) => date.toISOString());
      }
      if (schema.pattern !== undefined) return fc.stringMatching(new RegExp(schema.pattern));
      return fc.oneof(
        {
          weight: 3,
          arbitrary: fc.string({
            minLength: schema.minLength ?? 0,
            maxLength: Math.min(schema.maxLength ?? 30, 30),
          }),
        },
        // Any Unicode, and text PostgreSQL cannot store (issue 13): a NUL, a lone surrogate.
        {
          weight: 1,
          arbitrary: fc
            .tuple(
              fc.string({ unit: 'grapheme', maxLength: 10 }),
              fc.constantFrom('', '\u0000', '\ud800', '\udfff'),
              fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
            )
            .map(([before, odd, after]) => `${before}${odd}${after}`),
        },
      );
    default:
      return anyJson;
  }
}

/** A valid value broken in one place: wrong type, missing or extra key, huge, null, array… */
function mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const breakValue: fc.Arbitrary<(value: unknown) => unknown> = fc.oneof(
    anyJson.map((other) => () => other),
    nastyNumber.map((number) => () => number),
    nastyString.map((text) => () => text),
    fc.constant(() => null),
    fc.constant((value: unknown) => [value]),
  );
  const atOneKey = fc
    .tuple(valid, fc.nat(), breakValue, fc.boolean())
    .map(([value, index, change, remove]) =>
      edit(value, index, (object, key) => {
        if (remove) Reflect.deleteProperty(object, key);
        else object[key] = change(object[key]);
      }),
    );
  const extraKey = fc
    .tuple(valid, fc.nat(), fc.oneof(pollutionKey, fc.string({ maxLength: 10 })), anyJson)
    .map(([value, index, key, extra]) =>
      edit(value, index, (object) => {
        // An own property named __proto__, as JSON.parse makes one.
        Object.defineProperty(object, key, {
          value: extra,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }),
    );
  return fc.oneof(
    atOneKey,
    extraKey,
    breakValue.chain((change) => valid.map((value) => change(value))),
  );
}

/** Applies `change` to the index-th object found inside `value` (a deep copy). */
function edit(
  value: unknown,
  index: number,
  change: (object: Record<string, unknown>, key: string) => void,
): unknown {
  const copy: unknown = structuredClone(value);
  const objects: Record<string, unknown>[] = [];
  const collect = (node: unknown) => {
    if (typeof node !== 'object' || node === null) return;
    if (!Array.isArray(node)) objects.push(node as Record<string, unknown>);
    for (const child of Object.values(node)) collect(child);
  };
  collect(copy);
  const object = objects[index % Math.max(objects.length, 1)];
  if (object === undefined) return copy;
  const keys = Object.keys(object);
  change(object, keys[index % Math.max(keys.length, 1)] ?? 'extra');
  return copy;
}

/** JSON texts no serializer makes: duplicate keys, __proto__, deep nesting, truncation. */
const oddJsonText = fc.oneof(
  fc.constantFrom(
    '{"items":[],"items":[{"productId":1,"quantity":1}]}',
    '{"__proto__":{"role":"admin","isAdmin":true},"status":"cancelled"}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"status":"paid"',
    '[',
    'null',
    '"status"',
    '1e999',
    '{"reason":"\\ud800"}',
    '\u0000',
  ),
  fc.nat({ max: 5_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.nat({ max: 5_000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
);

type Body = { kind: 'json'; value: unknown } | { kind: 'raw'; text: string; contentType: string };

function bodies(
  schemaName: string,
  hints: Record<string, fc.Arbitrary<unknown>> = {},
): fc.Arbitrary<Body> {
  const valid = validOf({ $ref: `#/components/schemas/${schemaName}` }, hints);
  return fc.oneof(
    { weight: 4, arbitrary: valid.map((value): Body => ({ kind: 'json', value })) },
    { weight: 4, arbitrary: mutated(valid).map((value): Body => ({ kind: 'json', value })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(oddJsonText, fc.constantFrom('application/json', 'application/json; charset=utf-16'))
        .map(([text, contentType]): Body => ({ kind: 'raw', text, contentType })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          valid,
          fc.constantFrom(
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data',
            'application/xml',
          ),
        )
        .map(([value, contentType]): Body => ({
          kind: 'raw',
          text: JSON.stringify(value),
          contentType,
        })),
    },
  );
}

/** Header values fetch can send: visible ASCII, long ones included. */
const headerValue = fc.oneof(
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    maxLength: 60,
  }),
  // Three of these stay under Node's 16 KB header limit.
  fc.nat({ max: 4_000 }).map((length) => 'k'.repeat(length)),
  fc.constantFrom('', '"3"', 'W/"3"', '*', '"-1"', '"99999999999999999999"', '"1e3"', '3'),
);
const someOddHeaders = fc.dictionary(
  fc.constantFrom(
    'Idempotency-Key',
    'If-Match',
    'X-Request-Id',
    'traceparent',
    'Accept',
    'X-Forwarded-For',
    'Content-Encoding',
  ),
  headerValue,
  { maxKeys: 3 },
);
/** Often none, so that valid bodies get past the headers and reach the saga. */
const oddHeaders = fc.oneof(
  { weight: 1, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: someOddHeaders },
);

function send(
  method: string,
  path: string,
  token: string,
  body: Body | undefined,
  headers: Record<string, string>,
): Promise<HttpResponse> {
  if (body === undefined) return request(env.url, method, path, { token, headers });
  if (body.kind === 'json') {
    // JSON.stringify writes an own __proto__ property like any other key.
    return request(env.url, method, path, {
      token,
      headers,
      rawBody: JSON.stringify(body.value),
    });
  }
  return request(env.url, method, path, {
    token,
    rawBody: body.text,
    headers: { ...headers, 'Content-Type': body.contentType },
  });
}

type Snapshot = { orders: number; charges: number; stockChanges: number; targets: string };

/** What a 4xx must leave as it was. */
async function snapshot(): Promise<Snapshot> {
  const [orders, payments, ledger, current] = await Promise.all([
    request(env.url, 'GET', '/api/orders?limit=1', { token: admin.token }),
    request(env.sandbox.paymentUrl, 'GET', '/__sandbox/payments'),
    request(env.sandbox.productUrl, 'GET', '/__sandbox/stock-ledger'),
    Promise.all(
      targets.map((order) =>
        request(env.url, 'GET', `/api/orders/${order.id}`, { token: admin.token }),
      ),
    ),
  ]);
  return {
    orders: orders.body.pagination.total as number,
    charges: (payments.body.data as unknown[]).length,
    stockChanges: (ledger.body.data as unknown[]).length,
    targets: current
      .map((response) => `${response.body.status}@${response.body.version}`)
      .join(','),
  };
}

async function unfinishedSagas(): Promise<number> {
  const sagas = await request(env.url, 'GET', '/api/admin/sagas?state=unfinished', {
    token: admin.token,
  });
  return (sagas.body.data as unknown[]).length;
}

/**
 * Never a 5xx; after a 4xx, nothing stored. The contract's two 4xx that do store — a declined
 * card (402) and stock that ran out during the saga (409) — name the stored order in `orderId`.
 */
async function expectSafe(response: HttpResponse, before: Snapshot): Promise<Snapshot> {
  expect(response.status, response.text).toBeLessThan(500);
  // A 202 goes on in the background: let it settle, or the next 4xx would see its writes.
  if (response.status === 202) {
    await expect.poll(unfinishedSagas, { timeout: 15_000 }).toBe(0);
  }
  const after = await snapshot();
  const storedOnPurpose = typeof response.body?.orderId === 'number';
  if (response.status >= 400 && !storedOnPurpose) {
    // 431 (headers over 16 KB) comes from Node's HTTP parser, before the app: no body.
    if (response.status !== 431) {
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect(after, `${response.status} ${response.text}`).toEqual(before);
  }
  return after;
}

/** A lone surrogate cannot be percent-encoded; its UTF-8 bytes are a fine nasty id instead. */
function encodeSafely(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

const idText = fc.oneof(
  fc.integer({ min: 1, max: 2 ** 31 }).map(String),
  nastyNumber.map(String),
  nastyString.map(encodeSafely),
  fc.constantFrom(
    '%',
    '%zz',
    '%00',
    '..',
    '%2e%2e%2f',
    '1;drop',
    '1%20',
    '01',
    '+1',
    '1.0',
    '0x1',
    '__proto__',
    'constructor',
  ),
);

describe('fuzzing the API from its OpenAPI document', () => {
  it('POST /api/orders: no 5xx, and a 4xx stores nothing', async () => {
    const productId = fc.constantFrom(...productIds);
    let state = await snapshot();
    await fc.assert(
      fc.asyncProperty(
        bodies('PlaceOrderRequest', { productId }),
        oddHeaders,
        async (body, headers) => {
          const user = await newUser();
          const response = await send('POST', '/api/orders', user.token, body, headers);
          state = await expectSafe(response, state);
        },
      ),
      runs(150),
    );
  }, 60_000);

  it('PATCH /api/orders/{id}/status: no 5xx, and a 4xx changes nothing', async () => {
    const id = fc.oneof(fc.constantFrom(...targets.map((order) => String(order.id))), idText);
    let state = await snapshot();
    await fc.assert(
      fc.asyncProperty(
        id,
        bodies('ChangeStatusRequest'),
        oddHeaders,
        async (orderId, body, headers) => {
          const response = await send(
            'PATCH',
            `/api/orders/${orderId}/status`,
            admin.token,
            body,
            headers,
          );
          state = await expectSafe(response, state);
        },
      ),
      runs(100),
    );
  }, 60_000);

  it('POST /api/orders/{id}/cancel: no 5xx, and a 4xx changes nothing', async () => {
    const id = fc.oneof(fc.constantFrom(...targets.map((order) => String(order.id))), idText);
    const body = fc.option(bodies('CancelRequest'), { nil: undefined });
    let state = await snapshot();
    await fc.assert(
      fc.asyncProperty(
        id,
        body,
        oddHeaders,
        fc.boolean(),
        async (orderId, cancelBody, headers, asOwner) => {
          const token = asOwner ? owner.token : admin.token;
          const response = await send(
            'POST',
            `/api/orders/${orderId}/cancel`,
            token,
            cancelBody,
            headers,
          );
          state = await expectSafe(response, state);
        },
      ),
      runs(100),
    );
  }, 60_000);

  it('GET /api/orders: no 5xx for any query string, duplicates and odd keys included', async () => {
    const parameters = openApi.paths['/api/orders']?.get?.parameters ?? [];
    const value = (parameter: Parameter) =>
      fc.oneof(validOf(parameter.schema).map(String), nastyNumber.map(String), nastyString);
    const pair = fc.oneof(
      ...parameters.map((parameter) =>
        value(parameter).map((text) => [parameter.name, text] as const),
      ),
      fc.tuple(
        fc.oneof(
          pollutionKey,
          fc.constantFrom('page[]', 'status[$ne]', 'limit[0]'),
          fc.string({ maxLength: 8 }),
        ),
        nastyString,
      ),
    );
    const query = fc
      .array(pair, { maxLength: 6 })
      .map((pairs) =>
        new URLSearchParams(pairs.map(([key, text]): [string, string] => [key, text])).toString(),
      );
    await fc.assert(
      fc.asyncProperty(query, fc.boolean(), oddHeaders, async (text, asAdmin, headers) => {
        const response = await send(
          'GET',
          `/api/orders?${text}`,
          asAdmin ? admin.token : owner.token,
          undefined,
          headers,
        );
        expect(response.status, `?${text} → ${response.text}`).toBeLessThan(500);
      }),
      runs(150),
    );
  });

  it('GET /api/orders/{id} and its history: no 5xx for any path id', async () => {
    await fc.assert(
      fc.asyncProperty(idText, fc.boolean(), fc.boolean(), async (id, history, asAdmin) => {
        const path = `/api/orders/${id}${history ? '/history' : ''}`;
        const response = await send(
          'GET',
          path,
          asAdmin ? admin.token : owner.token,
          undefined,
          {},
        );
        expect(response.status, `${path} → ${response.text}`).toBeLessThan(500);
      }),
      runs(100),
    );
  });
});
