import createClient from 'openapi-fetch';
import type { Client } from 'openapi-fetch';
import type { components, paths } from './schema.js';

/**
 * The Order Service's API as openapi-fetch methods — `client.POST('/api/orders', { body })` —
 * whose paths, parameters, bodies and answers are the types schema.d.ts generates from
 * /openapi.json. Each call resolves to `{ data, error, response }`: `data` for a 2xx, `error`
 * (a problem) otherwise; it throws only when no answer came.
 */
export type OrderClient = Client<paths>;

export type Order = components['schemas']['Order'];
export type Problem = components['schemas']['Problem'];

/** A client sending `token` (a JWT, as `npm run token` prints) as every request's bearer token. */
export function orderClient(baseUrl: string, token: string): OrderClient {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
}
