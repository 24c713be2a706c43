import type { ActorLabel } from '../domain/actor.js';
import type { OrderId, ProductId, UserId } from '../domain/ids.js';
import { orderId, productId, userId } from '../domain/ids.js';
import type { Cents } from '../domain/money.js';
import { parseMoney } from '../domain/money.js';
import type { HistoryEntry, Order, OrderItem, ShippingAddress } from '../domain/order.js';
import type { OrderStatus } from '../domain/order-status.js';
import type { Queryable } from './pool.js';

export type OrderRow = {
  id: number;
  user_id: number;
  status: OrderStatus;
  total_amount: string;
  currency: string;
  shipping_address: ShippingAddress;
  payment_id: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
};

type ItemRow = { order_id: number; product_id: number; quantity: number; price: string };
/** An item as `itemsJson` gives it. */
export type ItemJson = Omit<ItemRow, 'order_id'>;

export const orderColumns = `id, user_id, status, total_amount, currency, shipping_address, payment_id,
  version, created_at, updated_at`;

export function toOrder(row: OrderRow, items: readonly OrderItem[]): Order {
  return {
    id: orderId(row.id),
    userId: userId(row.user_id),
    status: row.status,
    totalCents: parseMoney(row.total_amount),
    currency: row.currency,
    shippingAddress: row.shipping_address,
    items,
    paymentId: row.payment_id,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export const toItem = (row: ItemJson): OrderItem => ({
  productId: productId(row.product_id),
  quantity: row.quantity,
  priceCents: parseMoney(row.price),
});

export type OrderDraft = {
  userId: UserId;
  totalCents: Cents;
  currency: string;
  shippingAddress: ShippingAddress;
  items: readonly OrderItem[];
};

async function itemsOf(
  db: Queryable,
  orderIds: readonly number[],
): Promise<Map<number, OrderItem[]>> {
  const byOrder = new Map<number, OrderItem[]>();
  if (orderIds.length === 0) return byOrder;
  const { rows } = await db.query<ItemRow>(
    `select order_id, product_id, quantity, price from order_items
     where order_id = any($1::bigint[]) order by order_id, id`,
    [orderIds],
  );
  for (const row of rows) {
    const list = byOrder.get(row.order_id) ?? [];
    list.push(toItem(row));
    byOrder.set(row.order_id, list);
  }
  return byOrder;
}

/** The items of the order `o` in the same statement, as a JSON array of ItemJson. */
export const itemsJson = `coalesce((select json_agg(json_build_object('product_id', i.product_id,
    'quantity', i.quantity, 'price', i.price::text) order by i.id)
  from order_items i where i.order_id = o.id), '[]'::json)`;

/**
 * The order with its items, in one round trip; `forUpdate` locks the order row until the
 * transaction ends.
 */
export async function findOrder(
  db: Queryable,
  id: OrderId,
  options: { forUpdate?: boolean } = {},
): Promise<Order | undefined> {
  const isLocking = options.forUpdate === true;
  const { rows } = await db.query<OrderRow & { items: ItemJson[] }>({
    name: isLocking ? 'find-order-for-update' : 'find-order',
    text: `select ${orderColumns}, ${itemsJson} as items from orders o
      where o.id = $1${isLocking ? ' for update of o' : ''}`,
    values: [id],
  });
  const row = rows[0];
  if (row === undefined) return undefined;
  return toOrder(row, row.items.map(toItem));
}

export type OrderFilter = {
  userId?: UserId | undefined;
  status?: OrderStatus | undefined;
  /** Inclusive. */
  createdFrom?: Date | undefined;
  /** Exclusive. */
  createdTo?: Date | undefined;
};

/**
 * Where a list stopped: the last row's `created_at` as ISO 8601 UTC with microseconds (what
 * PostgreSQL stores; a Date keeps only milliseconds, and a cursor rounded to them would skip the
 * rows created later in the same millisecond) and its id.
 */
export type ListPosition = { readonly createdAt: string; readonly id: OrderId };

type ListRow = OrderRow & { position_created_at: string };

/**
 * The where clause of one filter shape, from constant fragments only. One statement text per
 * shape, rather than `($1 is null or user_id = $1)`, so that every shape — even as a generic
 * plan — is a range read of the index that matches it: (user_id, created_at, id),
 * (user_id, status, created_at, id), (status, created_at, id) or (created_at, id).
 */
function whereOf(filter: OrderFilter, after: ListPosition | undefined) {
  const params: unknown[] = [];
  const param = (value: unknown): string => `$${params.push(value)}`;
  const conditions: string[] = [];
  if (filter.userId !== undefined) conditions.push(`user_id = ${param(filter.userId)}`);
  if (filter.status !== undefined) conditions.push(`status = ${param(filter.status)}`);
  if (filter.createdFrom !== undefined) {
    conditions.push(`created_at >= ${param(filter.createdFrom)}::timestamptz`);
  }
  if (filter.createdTo !== undefined) {
    conditions.push(`created_at < ${param(filter.createdTo)}::timestamptz`);
  }
  if (after !== undefined) {
    // A row comparison, so the index is entered at the position instead of read from the start.
    conditions.push(
      `(created_at, id) < (${param(after.createdAt)}::timestamptz, ${param(after.id)}::bigint)`,
    );
  }
  return { where: conditions.length === 0 ? 'true' : conditions.join(' and '), params, param };
}

/** Up to `limit` orders newest first, with items, and the position to continue from if any. */
async function selectOrders(
  db: Queryable,
  filter: OrderFilter,
  window: { after?: ListPosition | undefined; offset: number; limit: number },
): Promise<{ orders: Order[]; next: ListPosition | null }> {
  const { where, params, param } = whereOf(filter, window.after);
  // One row more than asked for says whether another page follows, without a count.
  const limit = param(window.limit + 1);
  const offset = window.offset > 0 ? ` offset ${param(window.offset)}` : '';
  const { rows } = await db.query<ListRow>(
    `select ${orderColumns},
       to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as position_created_at
     from orders where ${where}
     order by created_at desc, id desc limit ${limit}${offset}`,
    params,
  );
  const hasMore = rows.length > window.limit;
  const page = hasMore ? rows.slice(0, window.limit) : rows;
  const last = page.at(-1);
  const items = await itemsOf(
    db,
    page.map((row) => row.id),
  );
  return {
    orders: page.map((row) => toOrder(row, items.get(row.id) ?? [])),
    next:
      hasMore && last !== undefined
        ? { createdAt: last.position_created_at, id: orderId(last.id) }
        : null,
  };
}

/**
 * Page mode: one page by offset, newest first (created_at desc, id desc), and the count of
 * all matching orders. Both read every row before the page, so deep pages get slower.
 */
export async function listOrders(
  db: Queryable,
  filter: OrderFilter,
  page: { offset: number; limit: number },
): Promise<{ orders: Order[]; total: number; next: ListPosition | null }> {
  const count = whereOf(filter, undefined);
  const [selected, countResult] = await Promise.all([
    selectOrders(db, filter, page),
    db.query<{ total: number }>(
      `select count(*)::int as total from orders where ${count.where}`,
      count.params,
    ),
  ]);
  return { ...selected, total: countResult.rows[0]?.total ?? 0 };
}

/**
 * Keyset mode: the `limit` orders that come after `after` in the same order, read from the
 * index starting at that position; no count, so the cost does not grow with the depth.
 */
export function listOrdersAfter(
  db: Queryable,
  filter: OrderFilter,
  after: ListPosition,
  limit: number,
): Promise<{ orders: Order[]; next: ListPosition | null }> {
  return selectOrders(db, filter, { after, offset: 0, limit });
}

export async function listHistory(db: Queryable, id: OrderId): Promise<HistoryEntry[]> {
  const { rows } = await db.query<{
    from_status: OrderStatus | null;
    to_status: OrderStatus;
    actor: ActorLabel;
    reason: string | null;
    at: Date;
  }>(
    `select from_status, to_status, actor, reason, at from order_status_history
     where order_id = $1 order by id`,
    [id],
  );
  return rows.map((row) => ({
    from: row.from_status,
    to: row.to_status,
    actor: row.actor,
    reason: row.reason,
    at: row.at,
  }));
}

export const productIdsOf = (order: Order): ProductId[] =>
  order.items.map((item) => item.productId);
