import type { ActorLabel } from '../domain/actor.js';
import type { OrderId, ProductId, UserId } from '../domain/ids.js';
import { orderId, productId, userId } from '../domain/ids.js';
import type { Cents } from '../domain/money.js';
import { formatCents, parseMoney } from '../domain/money.js';
import type { HistoryEntry, Order, OrderItem, ShippingAddress } from '../domain/order.js';
import type { OrderStatus } from '../domain/order-status.js';
import type { Queryable } from './pool.js';

type OrderRow = {
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

const orderColumns = `id, user_id, status, total_amount, currency, shipping_address, payment_id,
  version, created_at, updated_at`;

function toOrder(row: OrderRow, items: readonly OrderItem[]): Order {
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

const toItem = (row: ItemRow): OrderItem => ({
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

export async function insertOrder(db: Queryable, draft: OrderDraft): Promise<Order> {
  const { rows } = await db.query<OrderRow>(
    `insert into orders (user_id, status, total_amount, currency, shipping_address)
     values ($1, 'pending', $2, $3, $4)
     returning ${orderColumns}`,
    [draft.userId, formatCents(draft.totalCents), draft.currency, draft.shippingAddress],
  );
  const row = rows[0];
  if (row === undefined) throw new Error('insert into orders returned no row');
  await db.query(
    `insert into order_items (order_id, product_id, quantity, price, created_at)
     select $1, product_id, quantity, price, $5
     from unnest($2::bigint[], $3::int[], $4::numeric[]) as item(product_id, quantity, price)`,
    [
      row.id,
      draft.items.map((item) => item.productId),
      draft.items.map((item) => item.quantity),
      draft.items.map((item) => formatCents(item.priceCents)),
      row.created_at,
    ],
  );
  return toOrder(row, draft.items);
}

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

/** The order with its items; `forUpdate` locks the order row until the transaction ends. */
export async function findOrder(
  db: Queryable,
  id: OrderId,
  options: { forUpdate?: boolean } = {},
): Promise<Order | undefined> {
  const { rows } = await db.query<OrderRow>(
    `select ${orderColumns} from orders where id = $1${options.forUpdate === true ? ' for update' : ''}`,
    [id],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const items = await itemsOf(db, [row.id]);
  return toOrder(row, items.get(row.id) ?? []);
}

export type OrderFilter = { userId?: UserId | undefined; status?: OrderStatus | undefined };

/** One page of orders, newest first (created_at desc, id desc), with items in one more query. */
export async function listOrders(
  db: Queryable,
  filter: OrderFilter,
  page: { offset: number; limit: number },
): Promise<{ orders: Order[]; total: number }> {
  const params = [filter.userId ?? null, filter.status ?? null, page.limit, page.offset];
  const where = `($1::bigint is null or user_id = $1) and ($2::text is null or status = $2)`;
  const [pageResult, countResult] = await Promise.all([
    db.query<OrderRow>(
      `select ${orderColumns} from orders where ${where}
       order by created_at desc, id desc limit $3 offset $4`,
      params,
    ),
    db.query<{ total: number }>(`select count(*)::int as total from orders where ${where}`, [
      filter.userId ?? null,
      filter.status ?? null,
    ]),
  ]);
  const items = await itemsOf(
    db,
    pageResult.rows.map((row) => row.id),
  );
  return {
    orders: pageResult.rows.map((row) => toOrder(row, items.get(row.id) ?? [])),
    total: countResult.rows[0]?.total ?? 0,
  };
}

/**
 * Moves an order from `from` to `to` in one statement: zero rows means it was no longer in
 * `from` (or, with `expectedVersion`, no longer at that version) — a concurrent change.
 */
export async function updateOrderStatus(
  db: Queryable,
  change: {
    id: OrderId;
    from: OrderStatus;
    to: OrderStatus;
    expectedVersion?: number | undefined;
    paymentId?: string | undefined;
  },
): Promise<Order | undefined> {
  const { rows } = await db.query<OrderRow>(
    `update orders
     set status = $3, payment_id = coalesce($5, payment_id), version = version + 1, updated_at = now()
     where id = $1 and status = $2 and ($4::int is null or version = $4)
     returning ${orderColumns}`,
    [change.id, change.from, change.to, change.expectedVersion ?? null, change.paymentId ?? null],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const items = await itemsOf(db, [row.id]);
  return toOrder(row, items.get(row.id) ?? []);
}

export async function insertHistory(
  db: Queryable,
  entry: {
    orderId: OrderId;
    from: OrderStatus | null;
    to: OrderStatus;
    actor: ActorLabel;
    reason: string | null;
  },
): Promise<void> {
  await db.query(
    `insert into order_status_history (order_id, from_status, to_status, actor, reason)
     values ($1, $2, $3, $4, $5)`,
    [entry.orderId, entry.from, entry.to, entry.actor, entry.reason],
  );
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
