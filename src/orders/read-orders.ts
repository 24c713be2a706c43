import type { Actor } from '../domain/actor.js';
import { isAdmin } from '../domain/actor.js';
import { ForbiddenError } from '../domain/errors.js';
import type { OrderId, UserId } from '../domain/ids.js';
import type { HistoryEntry, Order } from '../domain/order.js';
import type { OrderStatus } from '../domain/order-status.js';
import { listHistory, listOrders } from '../db/order-repository.js';
import type { Queryable } from '../db/pool.js';
import { findVisibleOrder } from './visible-order.js';

export const getOrder = (db: Queryable, actor: Actor, id: OrderId): Promise<Order> =>
  findVisibleOrder(db, actor, id);

export async function getOrderHistory(
  db: Queryable,
  actor: Actor,
  id: OrderId,
): Promise<HistoryEntry[]> {
  await findVisibleOrder(db, actor, id);
  return listHistory(db, id);
}

export type OrderQuery = {
  page: number;
  limit: number;
  status?: OrderStatus | undefined;
  userId?: UserId | undefined;
};

export type OrderPage = {
  orders: Order[];
  pagination: { page: number; limit: number; total: number; totalPages: number };
};

/** Users get only their own orders (another user's id → 403); admins all, or one user's. */
export async function listOrdersFor(
  db: Queryable,
  actor: Actor,
  query: OrderQuery,
): Promise<OrderPage> {
  if (!isAdmin(actor) && query.userId !== undefined && query.userId !== actor.userId) {
    throw new ForbiddenError('You may only list your own orders.');
  }
  const userId = isAdmin(actor) ? query.userId : actor.userId;
  const { orders, total } = await listOrders(
    db,
    { userId, status: query.status },
    { offset: (query.page - 1) * query.limit, limit: query.limit },
  );
  return {
    orders,
    pagination: {
      page: query.page,
      limit: query.limit,
      total,
      totalPages: Math.ceil(total / query.limit),
    },
  };
}
