import type { Actor } from '../domain/actor.js';
import { isAdmin } from '../domain/actor.js';
import { ForbiddenError } from '../domain/errors.js';
import type { OrderId, UserId } from '../domain/ids.js';
import type { HistoryEntry, Order } from '../domain/order.js';
import type { OrderStatus } from '../domain/order-status.js';
import type { ListPosition } from '../db/order-repository.js';
import { listHistory, listOrders, listOrdersAfter } from '../db/order-repository.js';
import type { Queryable } from '../db/pool.js';
import { findVisibleOrder } from './visible-order.js';
import { paginationOf, rowsOf } from '../domain/page.js';

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

export type { ListPosition } from '../db/order-repository.js';

export type OrderQuery = {
  limit: number;
  /** Page mode (without `after`): which page, counted from 1. */
  page: number;
  /** Keyset mode: continue after this position (a previous page's `next`). */
  after?: ListPosition | undefined;
  status?: OrderStatus | undefined;
  userId?: UserId | undefined;
  /** Inclusive. */
  createdFrom?: Date | undefined;
  /** Exclusive. */
  createdTo?: Date | undefined;
};

export type OrderPage = {
  orders: Order[];
  /** All null but `limit` in keyset mode: counting is the full read a cursor exists to avoid. */
  pagination:
    | { page: number; limit: number; total: number; totalPages: number }
    | { page: null; limit: number; total: null; totalPages: null };
  /** Where the next page starts; null when no order follows this page. */
  next: ListPosition | null;
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
  // The user scope comes from the token, never from the cursor: a cursor is only a position.
  const filter = {
    userId: isAdmin(actor) ? query.userId : actor.userId,
    status: query.status,
    createdFrom: query.createdFrom,
    createdTo: query.createdTo,
  };
  if (query.after !== undefined) {
    const { orders, next } = await listOrdersAfter(db, filter, query.after, query.limit);
    return {
      orders,
      pagination: { page: null, limit: query.limit, total: null, totalPages: null },
      next,
    };
  }
  const { orders, total, next } = await listOrders(db, filter, rowsOf(query));
  return { orders, pagination: paginationOf(query, total), next };
}
