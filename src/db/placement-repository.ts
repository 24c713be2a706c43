/**
 * The first of the two writes on every order's happy path (the second marks it paid:
 * order-transition-repository.ts): one statement — one round trip and one implicit transaction —
 * where it was a transaction of six to eight. Data-modifying CTEs all see one snapshot and
 * commit or fail together, so the guarantees are those of the transaction they replace.
 */
import type { ActorLabel } from '../domain/actor.js';
import { formatCents } from '../domain/money.js';
import type { Order } from '../domain/order.js';
import { statusNotification } from '../domain/order.js';
import type { OrderDraft, OrderRow } from './order-repository.js';
import { orderColumns, toOrder } from './order-repository.js';
import type { Queryable } from './pool.js';
import type { Saga, SagaRow } from './saga-row.js';
import { sagaColumns, toSaga } from './saga-row.js';

export type Placement = {
  draft: OrderDraft;
  /** Who placed it (`user:<id>` or `admin:<id>`): the history entry's and the saga's actor. */
  actor: ActorLabel;
  paymentMethod: string | null;
  requestId: string | null;
  /**
   * The request's hold on its Idempotency-Key (the draft's user's), bound to the new order. The
   * order is stored only while the request still holds the key.
   */
  idempotency: { key: string; token: string } | undefined;
  saga: { leaseToken: string; leaseSeconds: number; deadlineMs: number };
  /** The W3C traceparent of the request's span, for the saga and the order.created event. */
  traceparent: string | null;
  /** Also write the `created` order event for the broker (EVENTS_BROKER_URL set). */
  recordsEvent: boolean;
};

/**
 * Stores a new order as pending with its items, its first history entry, the order.created
 * event, its place saga (leased by `saga.leaseToken`, holding the order), and binds the
 * Idempotency-Key to it. Committed synchronously, before any peer call. Undefined, with nothing
 * stored: the request no longer holds its key (its lock lapsed and another request took it).
 */
export async function storePlacedOrder(
  db: Queryable,
  placement: Placement,
): Promise<{ order: Order; saga: Saga } | undefined> {
  const { draft } = placement;
  const createdEvent = statusNotification(null, 'pending', null);
  const { rows } = await db.query<OrderRow & { saga: SagaRow }>({
    name: 'store-placed-order',
    text: `with new_saga as (select nextval(pg_get_serial_sequence('sagas', 'id')) as id),
      held_key as (
        select 1 from idempotency_keys
        where user_id = $1 and key = $15 and reservation = $18 and order_id is null
        for update),
      o as (
        insert into orders (user_id, status, total_amount, currency, shipping_address,
          held_by_saga_id)
        select $1, 'pending', $2, $3, $4, id from new_saga
        where $15::text is null or exists (select 1 from held_key)
        returning ${orderColumns}),
      items as (
        insert into order_items (order_id, product_id, quantity, price, created_at)
        select o.id, item.product_id, item.quantity, item.price, o.created_at
        from o, unnest($5::bigint[], $6::int[], $7::numeric[]) as item(product_id, quantity, price)),
      history as (
        insert into order_status_history (order_id, from_status, to_status, actor)
        select id, null, 'pending', $8 from o),
      created as (
        insert into outbox (order_id, user_id, type, data, traceparent)
        select id, user_id, $16, $17, $9 from o),
      order_event as (
        insert into order_events (order_id, kind, status, version, occurred_at, traceparent)
        select id, 'created', status, version, created_at, $9 from o where $19::boolean),
      saga as (
        insert into sagas (id, order_id, kind, step, actor, payment_method, request_id,
          lease_token, locked_until, deadline_at, traceparent)
        select (select id from new_saga), o.id, 'place', 'start', $8, $10, $11, $12,
          now() + make_interval(secs => $13), now() + make_interval(secs => $14), $9 from o
        returning ${sagaColumns}),
      key as (
        update idempotency_keys set order_id = (select id from o)
        where user_id = $1 and key = $15 and reservation = $18 and exists (select 1 from o))
      select o.*, row_to_json(saga) as saga from o, saga`,
    values: [
      draft.userId,
      formatCents(draft.totalCents),
      draft.currency,
      draft.shippingAddress,
      draft.items.map((item) => item.productId),
      draft.items.map((item) => item.quantity),
      draft.items.map((item) => formatCents(item.priceCents)),
      placement.actor,
      placement.traceparent,
      placement.paymentMethod,
      placement.requestId,
      placement.saga.leaseToken,
      placement.saga.leaseSeconds,
      placement.saga.deadlineMs / 1000,
      placement.idempotency?.key ?? null,
      createdEvent.type,
      createdEvent.data,
      placement.idempotency?.token ?? null,
      placement.recordsEvent,
    ],
  });
  const row = rows[0];
  if (row === undefined) return undefined;
  return { order: toOrder(row, draft.items), saga: toSaga(row.saga) };
}
