import type { Actor } from '../domain/actor.js';
import { isAdmin } from '../domain/actor.js';
import { OrderNotFoundError, PreconditionFailedError } from '../domain/errors.js';
import type { OrderId } from '../domain/ids.js';
import type { Order } from '../domain/order.js';
import { findOrder } from '../db/order-repository.js';
import type { Queryable } from '../db/pool.js';

/** Another user's order is reported as missing (404), never 403, so ids cannot be probed. */
export async function findVisibleOrder(db: Queryable, actor: Actor, id: OrderId): Promise<Order> {
  const order = await findOrder(db, id);
  if (order === undefined || (!isAdmin(actor) && order.userId !== actor.userId)) {
    throw new OrderNotFoundError(id);
  }
  return order;
}

/** `If-Match: "<version>"`: a stale version is refused with 412. */
export function checkVersion(order: Order, expectedVersion: number | undefined): void {
  if (expectedVersion !== undefined && expectedVersion !== order.version) {
    throw new PreconditionFailedError(order.version);
  }
}
