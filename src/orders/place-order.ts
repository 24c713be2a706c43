import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/actor.js';
import { actorLabel } from '../domain/actor.js';
import {
  DatabaseUnavailableError,
  DomainError,
  IdempotencyKeyInFlightError,
  InsufficientStockError,
  PaymentDeclinedError,
  PaymentServiceError,
  ProductServiceUnavailableError,
  ReplayedFailure,
  UnknownProductsError,
  ValidationError,
} from '../domain/errors.js';
import type { ProductId } from '../domain/ids.js';
import { productId } from '../domain/ids.js';
import type { Order, OrderItem, OrderLine, ShippingAddress } from '../domain/order.js';
import { exceedsMaxTotal, maxOrderTotalCents, orderTotal } from '../domain/order.js';
import { cents, formatCents } from '../domain/money.js';
import type {
  KeyReservation,
  RecordedFailure,
  RecordedOutcome,
} from '../db/idempotency-repository.js';
import { findOrder } from '../db/order-repository.js';
import { storePlacedOrder } from '../db/placement-repository.js';
import type { CallContext } from '../peers/peer-http.js';
import type { Product } from '../peers/product-client.js';
import { addToLogContext } from '../observability/log-context.js';
import { runSaga } from '../saga/saga-runner.js';
import { raceDeadline } from './await-saga.js';
import { activeTraceparent } from '../observability/tracing-context.js';
import {
  abandonIdempotentRequest,
  failureOfRecord,
  recordedFailureOf,
  saveIdempotentOutcome,
  startIdempotentRequest,
} from './idempotency.js';
import type { OrdersDeps } from './orders-deps.js';

export type PlaceOrderInput = {
  items: readonly OrderLine[];
  shippingAddress: ShippingAddress;
  paymentMethod?: string | undefined;
};

/** The request placing an order: its peers' context, its trace, and its Idempotency-Key. */
export type PlaceOrderContext = CallContext & {
  /** The trace the answer names; a replayed failure keeps the first request's. */
  traceId: string;
  idempotencyKey: string | undefined;
};

/**
 * What a create answers when it succeeds; every failure is thrown (domain/errors.ts). `replayed`:
 * the answer of an earlier request with the same Idempotency-Key.
 */
export type PlacedOrder = {
  /**
   * `paid`; `accepted`: still pending, the saga goes on in the background (a peer slow or down
   * after the order was stored); `settled`: it left `pending` another way while the request
   * waited (cancelled by its owner or an admin, failed past the saga's deadline), or a replay of
   * an `accepted` whose order has moved on.
   */
  outcome: 'paid' | 'accepted' | 'settled';
  order: Order;
  replayed: boolean;
};

/**
 * POST /api/orders: peer-services.md saga steps 2–8 under the request's Idempotency-Key
 * (order-api.md, Idempotency). The same key and body are answered as the first time; a request
 * that stored nothing records no key; from the moment the order is stored, the key is bound to
 * it and what this request answers is recorded with it.
 */
export async function placeOrder(
  deps: OrdersDeps,
  actor: Actor,
  input: PlaceOrderInput,
  ctx: PlaceOrderContext,
): Promise<PlacedOrder> {
  if (ctx.idempotencyKey === undefined) return placeObserved(deps, actor, input, undefined, ctx);
  const start = await startIdempotentRequest(deps, actor, ctx.idempotencyKey, input);
  if (start.kind === 'replay-order') {
    const outcome = start.order.status === 'pending' ? 'accepted' : 'settled';
    return { outcome, order: start.order, replayed: true };
  }
  if (start.kind === 'replay') {
    const { outcome } = start;
    if (outcome.kind === 'refused') {
      throw new ReplayedFailure(failureOfRecord(outcome.failure), outcome.traceId);
    }
    return { outcome: outcome.kind, order: outcome.order, replayed: true };
  }
  const { reservation } = start;
  let placed: PlacedOrder;
  try {
    placed = await placeObserved(deps, actor, input, reservation, ctx);
  } catch (error) {
    const failure = recordedFailureOf(error);
    // Found after the order was stored: the key is bound to it, the failure is its answer.
    if (failure !== undefined) {
      await saveIdempotentOutcome(deps, reservation, {
        kind: 'refused',
        failure,
        traceId: ctx.traceId,
      });
    } else {
      // Before the order was stored (or a fault): the key stays unbound.
      await abandonIdempotentRequest(deps, reservation);
    }
    throw error;
  }
  await saveIdempotentOutcome(deps, reservation, recordedOutcomeOf(placed));
  return placed;
}

function recordedOutcomeOf(placed: PlacedOrder): RecordedOutcome {
  return placed.outcome === 'accepted'
    ? { kind: 'accepted' }
    : { kind: placed.outcome, order: placed.order };
}

/** Places the order, observing how long it took by how it ended. */
async function placeObserved(
  deps: OrdersDeps,
  actor: Actor,
  input: PlaceOrderInput,
  reservation: KeyReservation | undefined,
  ctx: CallContext,
): Promise<PlacedOrder> {
  const started = process.hrtime.bigint();
  const observe = (outcome: string) => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    deps.metrics.orderProcessingDuration.observe({ outcome }, seconds);
  };
  try {
    const placed = await place(deps, actor, input, reservation, ctx);
    observe(placed.outcome);
    return placed;
  } catch (error) {
    observe(failureLabel(error));
    throw error;
  }
}

/** The `outcome` label of each failure found after the order was stored. */
const storedFailureLabels: Record<RecordedFailure['type'], string> = {
  'payment-declined': 'declined',
  'payment-service-error': 'payment-error',
  'insufficient-stock': 'insufficient-stock',
  'unknown-products': 'unknown-products',
};

/** The `outcome` label of a failed create: how its saga failed, or the client's or our fault. */
function failureLabel(error: unknown): string {
  const failure = recordedFailureOf(error);
  if (failure !== undefined) return storedFailureLabels[failure.type];
  const isOurs =
    !(error instanceof DomainError) ||
    error instanceof ProductServiceUnavailableError ||
    error instanceof DatabaseUnavailableError;
  return isOurs ? 'error' : 'rejected';
}

/**
 * peer-services.md saga steps 2–8: look the products up, check stock, price the order, store it
 * as pending with its saga (and bind the Idempotency-Key), then drive the saga. Throws before
 * anything is stored: UnknownProductsError, InsufficientStockError,
 * ProductServiceUnavailableError; after, the saga's failure with the order's id.
 */
async function place(
  deps: OrdersDeps,
  actor: Actor,
  input: PlaceOrderInput,
  reservation: KeyReservation | undefined,
  ctx: CallContext,
): Promise<PlacedOrder> {
  const products = await lookUpProducts(deps, input.items, ctx);
  const short = input.items.filter(
    (line) => (products.get(line.productId)?.stock ?? 0) < line.quantity,
  );
  if (short.length > 0) throw new InsufficientStockError(short.map((line) => line.productId));

  const items: OrderItem[] = input.items.map((line) => ({
    productId: line.productId,
    quantity: line.quantity,
    priceCents: priceOf(products, line.productId),
  }));
  if (exceedsMaxTotal(items)) {
    throw new ValidationError(
      [
        {
          path: 'items',
          message: `the order total would exceed ${formatCents(cents(maxOrderTotalCents))}`,
        },
      ],
      'The order total is too large.',
    );
  }
  const stored = await storePlacedOrder(deps.pool, {
    draft: {
      userId: actor.userId,
      totalCents: orderTotal(items),
      currency: deps.currency,
      shippingAddress: input.shippingAddress,
      items,
    },
    actor: actorLabel(actor),
    paymentMethod: input.paymentMethod ?? null,
    requestId: ctx.requestId,
    idempotency: reservation,
    saga: {
      leaseToken: randomUUID(),
      leaseSeconds: deps.leaseSeconds,
      deadlineMs: deps.sagaDeadlineMs,
    },
    traceparent: activeTraceparent(),
    recordsEvent: deps.recordsOrderEvents,
  });
  // The key's lock lapsed and a retry with it took over: that request places the order.
  if (stored === undefined) throw new IdempotencyKeyInFlightError();
  const { order, saga } = stored;
  addToLogContext({ orderId: order.id, sagaId: saga.id });
  deps.metrics.ordersCreated.inc();
  deps.metrics.orderStatus.inc({ status: 'pending' });
  deps.onNotificationsQueued();

  const result = await raceDeadline(
    (async () => {
      await deps.pause?.('stored', order.id);
      return runSaga(deps, saga, ctx, order);
    })(),
    deps.responseDeadlineMs,
  );
  if (result === 'deadline' || result.kind !== 'finished') {
    // A 202 carries a pending order; one that moved on meanwhile is answered as it is now.
    const now = (await findOrder(deps.pool, order.id)) ?? order;
    if (now.status === 'pending') return { outcome: 'accepted', order: now, replayed: false };
    const outcome = now.status === 'paid' ? 'paid' : 'settled';
    return { outcome, order: now, replayed: false };
  }
  if (result.status === 'paid') return { outcome: 'paid', order: result.order, replayed: false };
  const placed = result.order;
  switch (result.status === 'cancelled' ? undefined : result.cause) {
    case 'payment-declined':
      throw new PaymentDeclinedError(placed.id, 'card_declined');
    case 'payment-amount-mismatch':
      throw new PaymentServiceError(placed.id);
    case 'unknown-product':
      throw new UnknownProductsError(result.productIds.map(productId), placed.id);
    case 'insufficient-stock':
      throw new InsufficientStockError(result.productIds.map(productId), placed.id);
    case 'deadline':
    case 'peer-refused':
    case undefined:
      // cancelled while the request waited; failed past the saga's deadline (SAGA_DEADLINE_MS
      // shorter than the response's), or by an admin's resolve of a refused step (never within
      // the request that placed it)
      return { outcome: 'settled', order: placed, replayed: false };
  }
}

async function lookUpProducts(
  deps: OrdersDeps,
  lines: readonly OrderLine[],
  ctx: CallContext,
): Promise<Map<ProductId, Product>> {
  const lookups = await Promise.all(
    lines.map(async (line) => ({
      line,
      lookup: await deps.products.getProduct(line.productId, ctx),
    })),
  );
  if (lookups.some(({ lookup }) => lookup.kind === 'unavailable')) {
    throw new ProductServiceUnavailableError();
  }
  const missing = lookups.filter(({ lookup }) => lookup.kind === 'not-found');
  if (missing.length > 0) throw new UnknownProductsError(missing.map(({ line }) => line.productId));
  const products = new Map<ProductId, Product>();
  for (const { line, lookup } of lookups) {
    if (lookup.kind === 'found') products.set(line.productId, lookup.product);
  }
  return products;
}

function priceOf(products: Map<ProductId, Product>, id: ProductId) {
  const product = products.get(id);
  if (product === undefined) throw new Error(`product ${id} was looked up but is missing`);
  return product.priceCents;
}
