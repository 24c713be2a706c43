import type { OrderId, ProductId } from '../domain/ids.js';

/*
 * Idempotency-Key text for each saga step (peer-services.md: derived from the order and step,
 * stable across retries and restarts). Nothing random or time-based goes in: a saga resumed after
 * a crash must send the very key of its first attempt, or the peer would apply the step twice.
 */

export function stockDecreaseKey(order: OrderId, product: ProductId): string {
  return `order-${String(order)}-stock-decrease-${String(product)}`;
}

export function stockIncreaseKey(order: OrderId, product: ProductId): string {
  return `order-${String(order)}-stock-increase-${String(product)}`;
}

/** One charge per order, ever: every retry and the deadline re-send use this key. */
export function chargeKey(order: OrderId): string {
  return `order-${String(order)}-payment`;
}

export function refundKey(order: OrderId): string {
  return `order-${String(order)}-refund`;
}

/** `eventId` is the outbox row's id, so each queued notification is delivered at most once. */
export function notificationKey(order: OrderId, eventId: string | number): string {
  return `order-${String(order)}-notify-${String(eventId)}`;
}
