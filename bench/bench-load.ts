/**
 * Load for the bench: autocannon in this process, each request built by a scenario and its
 * status checked against the one expected, plus the tokens and request bodies the service needs.
 */
import { createHmac } from 'node:crypto';
import autocannon from 'autocannon';
import type { ClientContext, RequestSpec } from 'autocannon';
import { jwtSecret } from './bench-processes.js';

export type ExpectedRequest = RequestSpec & { expect: number };
export type Load = { setup: (context: ClientContext) => ExpectedRequest };

export type LoadResult = {
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  unexpected: Record<string, number>;
  errors: number;
};

/** Orders to read and who owns each: the owner's token is the one that may read it. */
export type OrderTargets = { orderIds: number[]; owners: number[] };

const address = { street: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };

export const createRequest =
  (productIds: readonly number[], users: { first: number; count: number }) =>
  (): ExpectedRequest => {
    const user = users.first + Math.floor(Math.random() * users.count);
    const first = Math.floor(Math.random() * productIds.length);
    const second =
      (first + 1 + Math.floor(Math.random() * (productIds.length - 1))) % productIds.length;
    return {
      method: 'POST',
      path: '/api/orders',
      headers: { ...authHeaders(user), 'Content-Type': 'application/json' },
      body: JSON.stringify({
        items: [
          { productId: productIds[first], quantity: 1 },
          { productId: productIds[second], quantity: 1 },
        ],
        shippingAddress: address,
        paymentMethod: 'pm_card_visa',
      }),
      expect: 201,
    };
  };

export const getRequest = (targets: OrderTargets) => (): ExpectedRequest => {
  const i = Math.floor(Math.random() * targets.orderIds.length);
  return {
    method: 'GET',
    path: `/api/orders/${String(targets.orderIds[i])}`,
    headers: authHeaders(targets.owners[i] ?? 1),
    expect: 200,
  };
};

/** GET /api/orders?limit=20 as one of `users`, picked at random each request. */
export const listRequest = (users: readonly number[]) => (): ExpectedRequest => ({
  method: 'GET',
  path: '/api/orders?limit=20',
  headers: authHeaders(users[Math.floor(Math.random() * users.length)] ?? 1),
  expect: 200,
});

export const mixOf =
  (get: () => ExpectedRequest, create: () => ExpectedRequest) => (): ExpectedRequest =>
    Math.random() < 0.8 ? get() : create();

/**
 * Runs `load` for `seconds`: as fast as `connections` connections go, or at `overallRate`
 * requests a second in all when given.
 */
export async function runLoad(
  baseUrl: string,
  load: Load,
  seconds: number,
  options: { connections: number; overallRate?: number },
): Promise<LoadResult> {
  const unexpected: Record<string, number> = {};
  let completed = 0;
  const instance = autocannon({
    url: baseUrl,
    connections: options.connections,
    ...(options.overallRate === undefined ? {} : { overallRate: options.overallRate }),
    duration: seconds,
    timeout: 30,
    requests: [
      {
        setupRequest: (_request, context) => {
          const { expect, ...spec } = load.setup(context);
          context.expect = expect;
          return { ...spec, body: spec.body ?? '' };
        },
        onResponse: (status, _body, context) => {
          completed += 1;
          if (status !== context.expect) {
            const key = `${String(context.expect)}→${String(status)}`;
            unexpected[key] = (unexpected[key] ?? 0) + 1;
          }
        },
      },
    ],
  });
  const result = await instance;
  return {
    requests: completed,
    reqPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    unexpected,
    errors: result.errors + result.timeouts,
  };
}

export function describeUnexpected(result: Pick<LoadResult, 'unexpected' | 'errors'>): string {
  const parts = Object.entries(result.unexpected).map(([key, count]) => `${key} ×${String(count)}`);
  if (result.errors > 0) parts.push(`errors/timeouts ×${String(result.errors)}`);
  return parts.length === 0 ? '' : `  ! ${parts.join(', ')}`;
}

const tokens = new Map<number, string>();
export function authHeaders(user: number): Record<string, string> {
  let token = tokens.get(user);
  if (token === undefined) {
    token = signJwt(user);
    tokens.set(user, token);
  }
  return { Authorization: `Bearer ${token}`, 'X-User-Id': String(user) };
}

function signJwt(user: number): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({
    sub: String(user),
    role: 'user',
    exp: Math.floor(Date.now() / 1000) + 3600,
  })}`;
  return `${unsigned}.${createHmac('sha256', jwtSecret).update(unsigned).digest('base64url')}`;
}
