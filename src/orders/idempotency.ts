import { createHash, randomUUID } from 'node:crypto';
import type { Actor } from '../domain/actor.js';
import type { DomainError } from '../domain/errors.js';
import {
  IdempotencyKeyInFlightError,
  IdempotencyKeyReusedError,
  InsufficientStockError,
  PaymentDeclinedError,
  PaymentServiceError,
  UnknownProductsError,
} from '../domain/errors.js';
import type { Order } from '../domain/order.js';
import type {
  KeyReservation,
  RecordedFailure,
  RecordedOutcome,
} from '../db/idempotency-repository.js';
import {
  findIdempotencyRecord,
  recordIdempotentOutcome,
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
  /** Answered before: the order as it was then, or the failure found after storing it. */
  | { kind: 'replay'; outcome: Exclude<RecordedOutcome, { kind: 'accepted' }> }
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
    const { outcome } = record;
    if (outcome !== null && outcome.kind !== 'accepted') return { kind: 'replay', outcome };
    if (outcome === null && record.isLocked) throw new IdempotencyKeyInFlightError();
    if (record.orderId !== null) {
      const order = await findOrder(deps.pool, record.orderId);
      if (order !== undefined) return { kind: 'replay-order', order };
    }
  }
  throw new IdempotencyKeyInFlightError();
}

/** Saves the outcome for replays, if the request still holds its key. */
export async function saveIdempotentOutcome(
  deps: OrdersDeps,
  reservation: KeyReservation,
  outcome: RecordedOutcome,
): Promise<void> {
  await recordIdempotentOutcome(deps.pool, reservation, outcome);
}

/** The failures found after the order was stored, which bind the key: recorded to be replayed. */
export function recordedFailureOf(error: unknown): RecordedFailure | undefined {
  if (error instanceof PaymentDeclinedError) {
    return { type: 'payment-declined', orderId: error.orderId, reason: error.reason };
  }
  if (error instanceof PaymentServiceError) {
    return { type: 'payment-service-error', orderId: error.orderId };
  }
  const isStockStep =
    error instanceof InsufficientStockError || error instanceof UnknownProductsError;
  if (isStockStep && error.orderId !== undefined) {
    return { type: error.type, orderId: error.orderId, productIds: error.productIds };
  }
  return undefined;
}

/** The failure a recorded one was made from, to be answered again. */
export function failureOfRecord(failure: RecordedFailure): DomainError {
  switch (failure.type) {
    case 'payment-declined':
      return new PaymentDeclinedError(failure.orderId, failure.reason);
    case 'payment-service-error':
      return new PaymentServiceError(failure.orderId);
    case 'insufficient-stock':
      return new InsufficientStockError(failure.productIds, failure.orderId);
    case 'unknown-products':
      return new UnknownProductsError(failure.productIds, failure.orderId);
  }
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
