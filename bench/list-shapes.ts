/**
 * Every shape of GET /api/orders, as the repository calls that src/orders/read-orders.ts makes
 * for it, against the orders bench/seed-orders.ts seeded: the plans list-plans.ts prints.
 */
import { userId } from '../src/domain/ids.js';
import type { ListPosition } from '../src/db/order-repository.js';
import { listOrders, listOrdersAfter } from '../src/db/order-repository.js';
import type { ListShape } from './list-plans.js';
import type { SeedResult } from './seed-orders.js';

const limit = 20;
const deepPage = 10_000;
const day = 24 * 3600 * 1000;

export function listShapes(seed: SeedResult): ListShape[] {
  const [heaviest, heavy] = seed.heavyUsers;
  if (heaviest === undefined || heavy === undefined) throw new Error('no heavy users seeded');
  // Not one of the heavy users: about 69 orders, like most.
  const typical = userId(seed.firstUserId + seed.users - 1);
  const deep = userId(heaviest.userId);
  const ordersOf = (user: { userId: number; orders: number }) =>
    `user ${String(user.userId)}, ${user.orders.toLocaleString('en')} orders`;
  const createdFrom = new Date(Date.now() - 60 * day);
  const createdTo = new Date(Date.now() - 30 * day);
  // Filled in by the shape before the one that continues from it.
  let afterDeepPage: ListPosition | null = null;
  let afterFirstInRange: ListPosition | null = null;
  const continueFrom = (position: ListPosition | null, what: string) => {
    if (position === null) throw new Error(`${what} has no next page`);
    return position;
  };

  return [
    {
      name: `user's newest page (user ${String(typical)}, typical)`,
      run: (db) => listOrders(db, { userId: typical }, { offset: 0, limit }),
    },
    {
      name: `user's newest page (${ordersOf(heaviest)})`,
      run: (db) => listOrders(db, { userId: deep }, { offset: 0, limit }),
    },
    {
      name: `user + status=cancelled (${ordersOf(heaviest)})`,
      run: (db) => listOrders(db, { userId: deep, status: 'cancelled' }, { offset: 0, limit }),
    },
    {
      name: 'admin: all, newest page',
      run: (db) => listOrders(db, {}, { offset: 0, limit }),
    },
    {
      name: 'admin: status=cancelled',
      run: (db) => listOrders(db, { status: 'cancelled' }, { offset: 0, limit }),
    },
    {
      name: `deep page by OFFSET: page ${deepPage.toLocaleString('en')} (${ordersOf(heaviest)})`,
      run: async (db) => {
        const page = await listOrders(
          db,
          { userId: deep },
          { offset: (deepPage - 1) * limit, limit },
        );
        afterDeepPage = page.next;
      },
    },
    {
      name: `keyset: after page ${deepPage.toLocaleString('en')} (${ordersOf(heaviest)})`,
      run: (db) =>
        listOrdersAfter(db, { userId: deep }, continueFrom(afterDeepPage, 'the deep page'), limit),
    },
    {
      name: `user + createdFrom/createdTo, 60–30 days ago (${ordersOf(heavy)})`,
      run: async (db) => {
        const page = await listOrders(
          db,
          { userId: userId(heavy.userId), createdFrom, createdTo },
          { offset: 0, limit },
        );
        afterFirstInRange = page.next;
      },
    },
    {
      name: `keyset + createdFrom/createdTo: page 2 (${ordersOf(heavy)})`,
      run: (db) =>
        listOrdersAfter(
          db,
          { userId: userId(heavy.userId), createdFrom, createdTo },
          continueFrom(afterFirstInRange, 'the first page in the range'),
          limit,
        ),
    },
    {
      name: 'admin: status=cancelled + createdFrom/createdTo',
      run: (db) =>
        listOrders(db, { status: 'cancelled', createdFrom, createdTo }, { offset: 0, limit }),
    },
  ];
}
