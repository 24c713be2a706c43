import { createHash, randomUUID } from 'node:crypto';
import type { Actor } from '../domain/actor.js';
import { IdempotencyKeyInFlightError, IdempotencyKeyReusedError } from '../domain/errors.js';
import type { Order } from '../domain/order.js';
import type { KeyReservation } from '../db/idempotency-repository.js';

export type { KeyReservation } from '../db/idempotency-repository.js';
import {
  findIdempotencyRecord,
  recordIdempotentResponse,
  releaseIdempotencyKey,
  reserveIdempotencyKey,
} from '../db/idempotency-repository.js';
import { findOrder } from '../db/order-repository.js';
import type { OrdersDeps } from './orders-deps.js';
import { defaultBackoff } from '../peers/peer-http.js';

/**
 * order-api.md, Idempotency: keys scoped per user; the same key and body replays the first
 * answer; another body → 422; still in flight → 409; a request that stored nothing records no key.
 */
export type IdempotencyStart =
  /** This request holds the key: pass `reservation` on to place, save and abandon. */
  | { kind: 'fresh'; reservation: KeyReservation }
  | { kind: 'replay'; status: number; body: unknown }
  /** The first answer was 202 (or never recorded): show the order as it is now. */
  | { kind: 'replay-order'; order: Order };

export async function startIdempotentRequest(
  deps: OrdersDeps,
  actor: Actor,
  key: string,
  request: unknown,
): Promise<IdempotencyStart> {
  const requestHash = hashRequest(request);
  const reservation = { userId: actor.userId, key, token: randomUUID() };
  const lockSeconds = deps.idempotencyLockSeconds;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (await reserveIdempotencyKey(deps.pool, { ...reservation, requestHash, lockSeconds })) {
      return { kind: 'fresh', reservation };
    }
    const record = await findIdempotencyRecord(deps.pool, actor.userId, key);
    if (record === undefined) continue; // released in between: try to reserve again
    if (record.requestHash !== requestHash) throw new IdempotencyKeyReusedError();
    if (record.responseStatus !== null && record.responseStatus !== 202) {
      return { kind: 'replay', status: record.responseStatus, body: record.responseBody };
    }
    if (record.responseStatus === null && record.isLocked) throw new IdempotencyKeyInFlightError();
    if (record.orderId !== null) {
      const order = await findOrder(deps.pool, record.orderId);
      if (order !== undefined) return { kind: 'replay-order', order };
    }
  }
  throw new IdempotencyKeyInFlightError();
}

/** Saves the answer for replays, if the request still holds its key. */
export async function saveIdempotentResponse(
  deps: OrdersDeps,
  reservation: KeyReservation,
  response: { status: number; body: unknown },
): Promise<void> {
  await recordIdempotentResponse(deps.pool, reservation, response);
}

/** Releases the key of a request that stored nothing, if the request still holds it. */
export async function abandonIdempotentRequest(
  deps: OrdersDeps,
  reservation: KeyReservation,
): Promise<void> {
  await releaseIdempotencyKey(deps.pool, reservation);
}

/** SHA-256 of the request with its object keys sorted, so key order does not matter. */
export function hashRequest(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, entry]) => `${JSON.stringify(name)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return value === undefined ? 'null' : JSON.stringify(value);
}

/**
 * The longest a create can run before it answers: its product lookups (every attempt timing out,
 * with the longest backoff between them), then the response deadline; plus a margin for the
 * statements around them. A request never outlives its hold on the Idempotency-Key.
 */
export function idempotencyLockSeconds(options: {
  peerTimeoutMs: number;
  peerMaxAttempts: number;
  orderResponseDeadlineMs: number;
}): number {
  const lookupsMs =
    options.peerTimeoutMs * options.peerMaxAttempts +
    defaultBackoff.maxDelayMs * (options.peerMaxAttempts - 1);
  const marginMs = 10_000;
  return Math.ceil((lookupsMs + options.orderResponseDeadlineMs + marginMs) / 1000);
}
