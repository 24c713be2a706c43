import type { OrderId, ProductId } from '../domain/ids.js';
import { orderId, productId } from '../domain/ids.js';
import type { Cents } from '../domain/money.js';
import { parseMoney } from '../domain/money.js';
import type { OrderStatus } from '../domain/order-status.js';
import type { Queryable } from './pool.js';

/** What the invariant check needs of one order: no address, history or payment details. */
export type OrderToCheck = {
  id: OrderId;
  status: OrderStatus;
  totalCents: Cents;
  /** Bumped by every status change: tells whether the order moved while it was checked. */
  version: number;
  /** A saga is `running` or `compensating`: stock and money may still move. */
  isSettling: boolean;
  items: { productId: ProductId; quantity: number }[];
};

type OrderRow = {
  id: number;
  status: OrderStatus;
  total_amount: string;
  version: number;
  is_settling: boolean;
};

type ItemRow = { order_id: number; product_id: number; quantity: number };

/**
 * Every order with its items, or only those in `orderIds`, in id order; read-only. The items are
 * read after the orders: an order and its items are inserted in one transaction, so every order
 * seen by the first query has all its items visible to the second.
 */
export async function listOrdersToCheck(
  db: Queryable,
  orderIds?: readonly number[],
): Promise<OrderToCheck[]> {
  const filter = orderIds === undefined ? null : [...orderIds];
  const orders = await db.query<OrderRow>(
    `select o.id, o.status, o.total_amount, o.version,
       exists (select 1 from sagas s
               where s.order_id = o.id and s.state in ('running', 'compensating')) as is_settling
     from orders o
     where $1::bigint[] is null or o.id = any($1::bigint[])
     order by o.id`,
    [filter],
  );
  const items = await db.query<ItemRow>(
    `select order_id, product_id, quantity from order_items
     where $1::bigint[] is null or order_id = any($1::bigint[])
     order by order_id, product_id`,
    [filter],
  );
  const itemsByOrder = new Map<number, OrderToCheck['items']>();
  for (const row of items.rows) {
    const list = itemsByOrder.get(row.order_id) ?? [];
    list.push({ productId: productId(row.product_id), quantity: row.quantity });
    itemsByOrder.set(row.order_id, list);
  }
  return orders.rows.map((row) => ({
    id: orderId(row.id),
    status: row.status,
    totalCents: parseMoney(row.total_amount),
    version: row.version,
    isSettling: row.is_settling,
    items: itemsByOrder.get(row.id) ?? [],
  }));
}
