import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/actor.js';
import { actorLabel } from '../domain/actor.js';
import {
  IdempotencyKeyInFlightError,
  InsufficientStockError,
  ProductServiceUnavailableError,
  UnknownProductsError,
  ValidationError,
} from '../domain/errors.js';
import type { ProductId } from '../domain/ids.js';
import type { Order, OrderItem, OrderLine, ShippingAddress } from '../domain/order.js';
import { exceedsMaxTotal, maxOrderTotalCents, orderTotal } from '../domain/order.js';
import { cents, formatCents } from '../domain/money.js';
import type { FailureCause } from '../domain/order-saga.js';
import type { KeyReservation } from '../db/idempotency-repository.js';
import { findOrder } from '../db/order-repository.js';
import { storePlacedOrder } from '../db/placement-repository.js';
import type { CallContext } from '../peers/peer-http.js';
import type { Product } from '../peers/product-client.js';
import { addToLogContext } from '../observability/log-context.js';
import { runSaga } from '../saga/saga-runner.js';
import { raceDeadline } from './await-saga.js';
import { activeTraceparent } from '../observability/tracing-context.js';
import type { OrdersDeps } from './orders-deps.js';

export type PlaceOrderInput = {
  items: readonly OrderLine[];
  shippingAddress: ShippingAddress;
  paymentMethod?: string | undefined;
};

/** How the saga ended for this request, from the order's point of view. */
export type PlaceOrderOutcome =
  | { kind: 'paid'; order: Order }
  /** The saga goes on in the background (a peer slow or down after the order was stored). */
  | { kind: 'accepted'; order: Order }
  | { kind: 'insufficient-stock'; order: Order; productIds: readonly number[] }
  | { kind: 'unknown-products'; order: Order; productIds: readonly number[] }
  | { kind: 'declined'; order: Order }
  /** The Payment Service charged another amount; refunded, restocked, the order `failed`. */
  | { kind: 'payment-error'; order: Order }
  /**
   * Left `pending` for none of the outcomes above while the request waited: cancelled by its
   * owner or an admin, or failed past the saga's deadline. Answered with the order as it is now.
   */
  | { kind: 'settled'; order: Order };

/**
 * peer-services.md saga steps 2–8: look the products up, check stock, price the order, store it
 * as pending with its saga (and bind the Idempotency-Key), then drive the saga. Throws before
 * anything is stored: UnknownProductsError, InsufficientStockError,
 * ProductServiceUnavailableError.
 */
export async function placeOrder(
  deps: OrdersDeps,
  actor: Actor,
  input: PlaceOrderInput,
  reservation: KeyReservation | undefined,
  ctx: CallContext,
): Promise<PlaceOrderOutcome> {
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
    if (now.status === 'pending') return { kind: 'accepted', order: now };
    return now.status === 'paid' ? { kind: 'paid', order: now } : { kind: 'settled', order: now };
  }
  if (result.status === 'paid') return { kind: 'paid', order: result.order };
  if (result.status === 'cancelled') return { kind: 'settled', order: result.order };
  const cause: FailureCause | undefined = result.cause;
  switch (cause) {
    case 'payment-declined':
      return { kind: 'declined', order: result.order };
    case 'payment-amount-mismatch':
      return { kind: 'payment-error', order: result.order };
    case 'unknown-product':
      return { kind: 'unknown-products', order: result.order, productIds: result.productIds };
    case 'insufficient-stock':
      return { kind: 'insufficient-stock', order: result.order, productIds: result.productIds };
    case 'deadline':
    case 'peer-refused':
    case undefined:
      // failed past the saga's deadline (SAGA_DEADLINE_MS shorter than the response's), or by an
      // admin's resolve of a refused step (never within the request that placed it)
      return { kind: 'settled', order: result.order };
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
