import type { OrderStatus } from './order-status.js';
import type { OrderId, ProductId } from './ids.js';

/**
 * How a use case fails: broken rules, refused requests, a peer or the database not answering.
 * Use cases throw these and return only what succeeded. Each class has a stable `type` slug: it
 * is the problem `type` clients see (docs/problems.md), so it never changes once shipped. The
 * HTTP status of each lives in one place, src/http/problem.ts; refusals only HTTP knows (413,
 * 415, 429, a bad token) are in src/http/http-errors.ts.
 */
export abstract class DomainError extends Error {
  abstract readonly type: string;
}

export type FieldError = { readonly path: string; readonly message: string };

export class ValidationError extends DomainError {
  readonly type = 'validation-failed';
  constructor(
    readonly errors: readonly FieldError[],
    message = 'The request is not valid.',
  ) {
    super(message);
  }
}

export class ForbiddenError extends DomainError {
  readonly type = 'forbidden';
  constructor(message = 'You are not allowed to do this.') {
    super(message);
  }
}

export class OrderNotFoundError extends DomainError {
  readonly type = 'order-not-found';
  // The detail never names the id: another user's order must read exactly like a missing one.
  constructor(readonly orderId: OrderId) {
    super('The order was not found.');
  }
}

export class UnknownProductsError extends DomainError {
  readonly type = 'unknown-products';
  /** `orderId`: found only at the stock step, after the order was stored (it is now failed). */
  constructor(
    readonly productIds: readonly ProductId[],
    readonly orderId?: OrderId,
  ) {
    super(`These products do not exist: ${productIds.join(', ')}.`);
  }
}

export class InsufficientStockError extends DomainError {
  readonly type = 'insufficient-stock';
  constructor(
    readonly productIds: readonly ProductId[],
    readonly orderId?: OrderId,
  ) {
    super(`Not enough stock for products: ${productIds.join(', ')}.`);
  }
}

export class PaymentDeclinedError extends DomainError {
  readonly type = 'payment-declined';
  constructor(
    readonly orderId: OrderId,
    readonly reason: string,
  ) {
    super(`The payment for order ${orderId} was declined.`);
  }
}

export class ProductServiceUnavailableError extends DomainError {
  readonly type = 'product-service-unavailable';
  readonly retryAfterSeconds = 5;
  constructor() {
    super('The Product Service is not answering; nothing was stored. Try again shortly.');
  }
}

export class PaymentServiceError extends DomainError {
  readonly type = 'payment-service-error';
  constructor(readonly orderId: OrderId) {
    super(
      `The Payment Service charged another amount than the total of order ${orderId}; the order failed, its stock was restored and the charge refunded.`,
    );
  }
}

export class DatabaseUnavailableError extends DomainError {
  readonly type = 'database-unavailable';
  readonly retryAfterSeconds = 5;
  constructor() {
    super('The database is not answering; try again shortly.');
  }
}

export class SagaNotFoundError extends DomainError {
  readonly type = 'saga-not-found';
  constructor(readonly sagaId: number) {
    super(`Saga ${sagaId} was not found.`);
  }
}

export class SagaFinishedError extends DomainError {
  readonly type = 'saga-finished';
  constructor(readonly sagaId: number) {
    super(`Saga ${sagaId} has finished; there is nothing to retry.`);
  }
}

/** An admin's resolve of a saga that is not parked: nothing is waiting to be settled by hand. */
export class SagaNotParkedError extends DomainError {
  readonly type = 'saga-not-parked';
  constructor(readonly sagaId: number) {
    super(`Saga ${sagaId} is not waiting for an admin; there is nothing to resolve.`);
  }
}

export class IllegalTransitionError extends DomainError {
  readonly type = 'illegal-transition';
  constructor(
    readonly currentStatus: OrderStatus,
    readonly requestedStatus: OrderStatus,
    readonly allowedStatuses: readonly OrderStatus[],
    /** Why no move is allowed now, when it is not that the status is final. */
    because?: string,
  ) {
    super(
      because === undefined
        ? `An order that is ${currentStatus} cannot become ${requestedStatus}; allowed: ${
            allowedStatuses.length > 0 ? allowedStatuses.join(', ') : 'none (final status)'
          }.`
        : `An order that is ${currentStatus} cannot become ${requestedStatus} now: ${because}.`,
    );
  }
}

export class PreconditionFailedError extends DomainError {
  readonly type = 'precondition-failed';
  constructor(readonly currentVersion: number) {
    super(`The order has changed: its current version is ${currentVersion}.`);
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  readonly type = 'idempotency-key-reused';
  constructor() {
    super('This Idempotency-Key was already used with a different request body.');
  }
}

export class IdempotencyKeyInFlightError extends DomainError {
  readonly type = 'idempotency-key-in-flight';
  constructor() {
    super('A request with this Idempotency-Key is still being processed.');
  }
}

/**
 * A failure first answered to an earlier request with the same Idempotency-Key, answered again as
 * it was: the same failure under the first request's trace id (order-api.md, Idempotency).
 */
export class ReplayedFailure extends Error {
  constructor(
    readonly failure: DomainError,
    readonly traceId: string,
  ) {
    super(failure.message);
  }
}
