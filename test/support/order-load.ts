import { apiAs } from './http-client.js';
import { orderBody } from './test-service.js';
import type { TestUser } from './tokens.js';

export type OrderLoad = {
  /** Orders answered 201 or 202 so far. */
  acknowledged(): number;
  /** Settles when every order was tried, each once. */
  done: Promise<{ acknowledged: number; refused: number; failed: number }>;
};

/**
 * Places `count` orders, `concurrency` at a time, spread over `users` and `productIds`; each goes
 * to `target()` (a URL promise: a test swaps it for a restarted process, and orders wait for it
 * rather than fail against a dead one). A paid order is then moved on by `admin` through
 * `advanceTo`, each PATCH to the next `target()`, so an order's events come from several
 * requests (and replicas). An order is tried once: a POST lost in a crash may or may not have
 * stored it, so the tests count what the database holds, not what was answered.
 */
export function placeOrders(options: {
  count: number;
  concurrency: number;
  users: readonly TestUser[];
  productIds: readonly number[];
  target: (index: number) => Promise<string>;
  admin?: TestUser;
  advanceTo?: readonly string[];
}): OrderLoad {
  let next = 0;
  const totals = { acknowledged: 0, refused: 0, failed: 0 };
  async function placeOne(index: number): Promise<void> {
    const user = options.users[index % options.users.length];
    const productId = options.productIds[index % options.productIds.length] ?? 0;
    const url = await options.target(index);
    const response = await apiAs(url, user?.token)
      .post('/api/orders', orderBody([{ productId, quantity: 1 }]))
      .catch(() => undefined);
    if (response === undefined) {
      totals.failed += 1;
      return;
    }
    if (response.status !== 201 && response.status !== 202) {
      totals.refused += 1;
      return;
    }
    totals.acknowledged += 1;
    if (response.status !== 201 || options.admin === undefined) return;
    let step = index;
    for (const status of options.advanceTo ?? []) {
      step += 1;
      const moved = await apiAs(await options.target(step), options.admin.token)
        .patch(`/api/orders/${String(response.body.id)}/status`, { status })
        .catch(() => undefined);
      if (moved?.status !== 200) return;
    }
  }
  async function worker(): Promise<void> {
    while (next < options.count) {
      const index = next;
      next += 1;
      await placeOne(index);
    }
  }
  const done = Promise.all(Array.from({ length: options.concurrency }, worker)).then(() => ({
    ...totals,
  }));
  return { acknowledged: () => totals.acknowledged, done };
}
