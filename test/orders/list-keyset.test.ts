import { describe, expect, it } from 'vitest';
import { encodeOrderCursor } from '../../src/http/order-cursor.js';
import { orderId } from '../../src/domain/ids.js';
import type { OrderView } from '../support/orders.js';
import { placePaidOrder, problemJson } from '../support/orders.js';
import { shippingAddress, useTestService } from '../support/test-service.js';
import type { TestUser } from '../support/tokens.js';
import { newUser } from '../support/tokens.js';

const env = useTestService();

type Pagination = {
  page: number | null;
  limit: number;
  total: number | null;
  totalPages: number | null;
  nextCursor: string | null;
};
type Page = { data: OrderView[]; pagination: Pagination };

/** A stored order: its id and `created_at` to the microsecond. */
type Stored = { id: number; createdAt: string };

let nextYear = 2001;
/** A time window no other test in this file writes into, so admin lists can be scoped by it. */
function ownWindow(): { at: (ms: number, micros?: number) => string; from: string; to: string } {
  const start = Date.UTC((nextYear += 1), 0, 1);
  const at = (ms: number, micros = 0) =>
    `${new Date(start + ms).toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
  return {
    at,
    from: new Date(start).toISOString(),
    to: new Date(start + 86_400_000).toISOString(),
  };
}

/** Stores an order (with one item) as if placed at `createdAt`; one statement each, in order. */
async function storeOrders(
  userId: number,
  rows: { createdAt: string; status?: 'paid' | 'cancelled' }[],
): Promise<Stored[]> {
  const stored: Stored[] = [];
  for (const row of rows) {
    const { rows: inserted } = await env.service.pool.query<{ id: number }>(
      `with o as (
         insert into orders (user_id, status, total_amount, currency, shipping_address,
                             payment_id, created_at, updated_at)
         values ($1, $2, '10.00', 'USD', $3, 'pay_list_test', $4, $4)
         returning id, created_at)
       insert into order_items (order_id, product_id, quantity, price, created_at)
       select id, 1, 1, '10.00', created_at from o
       returning order_id as id`,
      [userId, row.status ?? 'paid', shippingAddress, row.createdAt],
    );
    stored.push({ id: inserted[0]!.id, createdAt: row.createdAt });
  }
  return stored;
}

/** The contract's order: createdAt desc, then id desc (microsecond ISO strings sort as text). */
const newestFirst = (rows: Stored[]): number[] =>
  [...rows]
    .sort((a, b) =>
      a.createdAt === b.createdAt ? b.id - a.id : b.createdAt.localeCompare(a.createdAt),
    )
    .map((row) => row.id);

/** Follows nextCursor from the first page to the end; every response must be 200. */
async function walk(user: TestUser, query: string): Promise<Page[]> {
  const pages: Page[] = [];
  let path = `/api/orders?${query}`;
  for (;;) {
    const response = await env.api(user.token).get<Page>(path);
    expect(response.status, response.text).toBe(200);
    pages.push(response.body);
    const cursor = response.body.pagination.nextCursor;
    if (cursor === null) return pages;
    if (pages.length > 100) throw new Error('the cursor walk does not end');
    path = `/api/orders?${query}&after=${cursor}`;
  }
}

const idsOf = (pages: Page[]): number[] =>
  pages.flatMap((page) => page.data.map((order) => order.id));

describe('GET /api/orders?after= (cursor mode)', () => {
  it("walks a user's 45 orders 20/20/5 in page-mode order, none repeated, ending in null", async () => {
    const user = await newUser();
    const placed: OrderView[] = [];
    for (let batch = 0; batch < 9; batch += 1) {
      const orders = await Promise.all(
        Array.from({ length: 5 }, () => placePaidOrder(env, user).then((p) => p.order)),
      );
      placed.push(...orders);
    }

    const pages = await walk(user, 'limit=20');
    const byPage = await Promise.all(
      [1, 2, 3].map((page) => env.api(user.token).get<Page>(`/api/orders?limit=20&page=${page}`)),
    );

    expect(pages.map((page) => page.data.length)).toEqual([20, 20, 5]);
    expect(pages.map((page) => page.pagination.nextCursor === null)).toEqual([false, false, true]);
    const walked = idsOf(pages);
    expect(new Set(walked).size).toBe(45);
    expect([...walked].sort((a, b) => a - b)).toEqual(
      placed.map((order) => order.id).sort((a, b) => a - b),
    );
    expect(walked).toEqual(byPage.flatMap((response) => response.body.data.map((o) => o.id)));
    expect(pages.flatMap((page) => page.data)).toEqual(byPage.flatMap((r) => r.body.data));
    expect(pages[0]!.pagination).toEqual({
      page: 1,
      limit: 20,
      total: 45,
      totalPages: 3,
      nextCursor: expect.any(String),
    });
    expect(pages[1]!.pagination).toEqual({
      page: null,
      limit: 20,
      total: null,
      totalPages: null,
      nextCursor: expect.any(String),
    });
    expect(pages[2]!.pagination).toEqual({
      page: null,
      limit: 20,
      total: null,
      totalPages: null,
      nextCursor: null,
    });
  });

  it('neither skips nor repeats orders created in the same millisecond or microsecond', async () => {
    const user = await newUser();
    const window = ownWindow();
    const stored = await storeOrders(user.id, [
      { createdAt: window.at(5_000) },
      // one millisecond, three microsecond values: a millisecond cursor would lose some
      { createdAt: window.at(4_000, 100) },
      { createdAt: window.at(4_000, 900) },
      { createdAt: window.at(4_000, 900) },
      { createdAt: window.at(4_000, 500) },
      { createdAt: window.at(4_000, 900) },
      // one microsecond for five orders: only the id orders them
      ...Array.from({ length: 5 }, () => ({ createdAt: window.at(3_000, 250) })),
      { createdAt: window.at(1_000) },
    ]);
    const expected = newestFirst(stored);

    for (const limit of [1, 2, 3, 4, 5]) {
      const pages = await walk(user, `limit=${limit}`);

      expect(idsOf(pages), `limit=${limit}`).toEqual(expected);
      expect(pages).toHaveLength(Math.ceil(expected.length / limit));
    }
  });

  it('continues from a page-mode page, and answers an empty last page after the final order', async () => {
    const user = await newUser();
    const window = ownWindow();
    const stored = await storeOrders(
      user.id,
      Array.from({ length: 7 }, (_, index) => ({ createdAt: window.at(index * 1000) })),
    );
    const expected = newestFirst(stored);

    const second = await env.api(user.token).get<Page>('/api/orders?limit=3&page=2');
    const rest = await env
      .api(user.token)
      .get<Page>(`/api/orders?limit=3&after=${second.body.pagination.nextCursor!}`);
    const lastCursor = encodeOrderCursor({
      createdAt: stored[0]!.createdAt,
      id: orderId(stored[0]!.id),
    });
    const beyond = await env.api(user.token).get<Page>(`/api/orders?limit=3&after=${lastCursor}`);
    const pageOne = await env
      .api(user.token)
      .get<Page>(`/api/orders?limit=3&page=1&after=${second.body.pagination.nextCursor!}`);

    expect(second.body.data.map((order) => order.id)).toEqual(expected.slice(3, 6));
    expect(rest.status).toBe(200);
    expect(rest.body.data.map((order) => order.id)).toEqual(expected.slice(6));
    expect(rest.body.pagination.nextCursor).toBeNull();
    expect(beyond.status).toBe(200);
    expect(beyond.body).toEqual({
      data: [],
      pagination: { page: null, limit: 3, total: null, totalPages: null, nextCursor: null },
    });
    expect(pageOne.status).toBe(200);
    expect(pageOne.body).toEqual(rest.body);
  });

  it("never shows a user another user's orders through a crafted or borrowed cursor", async () => {
    const owner = await newUser();
    const stranger = await newUser();
    const admin = await newUser('admin');
    const window = ownWindow();
    const [strangers] = await storeOrders(stranger.id, [{ createdAt: window.at(1_000) }]);
    await storeOrders(owner.id, [
      { createdAt: window.at(2_000) },
      { createdAt: window.at(3_000) },
      { createdAt: window.at(4_000) },
    ]);
    const borrowed = await env.api(admin.token).get<Page>(`/api/orders?userId=${owner.id}&limit=1`);
    const crafted = encodeOrderCursor({
      createdAt: window.at(86_399_000),
      id: orderId(Number.MAX_SAFE_INTEGER),
    });

    const viaBorrowed = await env
      .api(stranger.token)
      .get<Page>(`/api/orders?after=${borrowed.body.pagination.nextCursor!}`);
    const viaCrafted = await env.api(stranger.token).get<Page>(`/api/orders?after=${crafted}`);
    const askingForOwner = await env
      .api(stranger.token)
      .get(`/api/orders?userId=${owner.id}&after=${crafted}`);

    expect(viaBorrowed.status).toBe(200);
    expect(viaBorrowed.body.data.map((order) => order.id)).toEqual([strangers!.id]);
    expect(viaCrafted.status).toBe(200);
    expect(viaCrafted.body.data.map((order) => order.id)).toEqual([strangers!.id]);
    expect(askingForOwner.status).toBe(403);
    expect(askingForOwner.headers.get('content-type')).toMatch(problemJson);
  });
});

describe('GET /api/orders?createdFrom=&createdTo=', () => {
  it('includes createdFrom and excludes createdTo, to the millisecond, with any offset', async () => {
    const user = await newUser();
    const window = ownWindow();
    const [, atFrom, afterFrom, beforeTo] = await storeOrders(user.id, [
      { createdAt: window.at(9_999) },
      { createdAt: window.at(10_000) },
      { createdAt: window.at(10_001) },
      { createdAt: window.at(19_999, 999) },
      { createdAt: window.at(20_000) },
      { createdAt: window.at(20_001) },
    ]);
    const from = window.at(10_000).slice(0, 23) + 'Z';
    const to = window.at(20_000).slice(0, 23) + 'Z';
    // the same instants written with +02:00 ('+' sent as %2B)
    const shifted = (iso: string) =>
      new Date(Date.parse(iso) + 7_200_000).toISOString().slice(0, 23) + '%2B02:00';

    const utc = await env
      .api(user.token)
      .get<Page>(`/api/orders?createdFrom=${from}&createdTo=${to}`);
    const offset = await env
      .api(user.token)
      .get<Page>(`/api/orders?createdFrom=${shifted(from)}&createdTo=${shifted(to)}`);
    const fromOnly = await env.api(user.token).get<Page>(`/api/orders?createdFrom=${to}`);
    const toOnly = await env.api(user.token).get<Page>(`/api/orders?createdTo=${from}`);

    const expected = [beforeTo!.id, afterFrom!.id, atFrom!.id];
    expect(utc.status).toBe(200);
    expect(utc.body.data.map((order) => order.id)).toEqual(expected);
    expect(utc.body.pagination).toEqual({
      page: 1,
      limit: 20,
      total: 3,
      totalPages: 1,
      nextCursor: null,
    });
    expect(offset.status).toBe(200);
    expect(offset.body.data.map((order) => order.id)).toEqual(expected);
    expect(fromOnly.body.data).toHaveLength(2);
    expect(toOnly.body.data).toHaveLength(1);
  });

  it('combines with status and userId for an admin, by page and by cursor', async () => {
    const admin = await newUser('admin');
    const user = await newUser();
    const other = await newUser();
    const window = ownWindow();
    const mine = await storeOrders(user.id, [
      { createdAt: window.at(1_000) },
      { createdAt: window.at(2_000), status: 'cancelled' },
      { createdAt: window.at(3_000) },
      { createdAt: window.at(4_000) },
      { createdAt: window.at(5_000), status: 'cancelled' },
      { createdAt: window.at(6_000) },
      { createdAt: window.at(90_000_000) },
    ]);
    const theirs = await storeOrders(other.id, [
      { createdAt: window.at(2_500) },
      { createdAt: window.at(3_500), status: 'cancelled' },
    ]);
    const range = `createdFrom=${window.from}&createdTo=${window.to}`;
    const paidOfUser = newestFirst([mine[0]!, mine[2]!, mine[3]!, mine[5]!]);
    const everyoneInRange = newestFirst([...mine.slice(0, 6), ...theirs]);
    const cancelledInRange = newestFirst([mine[1]!, mine[4]!, theirs[1]!]);

    const byPage = await env
      .api(admin.token)
      .get<Page>(`/api/orders?userId=${user.id}&status=paid&${range}&limit=10`);
    const byCursor = await walk(admin, `userId=${user.id}&status=paid&${range}&limit=3`);
    const everyone = await walk(admin, `${range}&limit=4`);
    const cancelled = await walk(admin, `status=cancelled&${range}&limit=2`);
    const asUser = await walk(user, `status=paid&${range}&limit=2`);

    expect(byPage.status).toBe(200);
    expect(byPage.body.data.map((order) => order.id)).toEqual(paidOfUser);
    expect(byPage.body.pagination.total).toBe(4);
    expect(idsOf(byCursor)).toEqual(paidOfUser);
    expect(idsOf(everyone)).toEqual(everyoneInRange);
    expect(idsOf(cancelled)).toEqual(cancelledInRange);
    expect(idsOf(asUser)).toEqual(paidOfUser);
  });
});

describe('GET /api/orders: bad cursor and date parameters', () => {
  const text = (value: string) => Buffer.from(value, 'utf8').toString('base64url');
  const valid = text('2026-11-24T10:00:00.123456Z|17');

  it.each([
    ['after=not-a-cursor!', 'after'],
    ['after=', 'after'],
    [`after=${text('hello')}`, 'after'],
    [`after=${text('2026-11-24T10:00:00.123Z|17')}`, 'after'],
    [`after=${text('2026-02-30T10:00:00.123456Z|17')}`, 'after'],
    [`after=${text('2026-11-24T10:00:00.123456Z|0')}`, 'after'],
    [`after=${text('2026-11-24T10:00:00.123456Z|17|3')}`, 'after'],
    [`after=${valid}=`, 'after'],
    [`after=${valid}&page=2`, 'page'],
    ['createdFrom=yesterday', 'createdFrom'],
    ['createdFrom=2026-11-24', 'createdFrom'],
    ['createdFrom=2026-11-24T10:00:00', 'createdFrom'],
    ['createdTo=2026-11-24T10:00:00.123456Z', 'createdTo'],
    ['createdFrom=2026-11-24T10:00:00Z&createdTo=2026-11-24T10:00:00Z', 'createdTo'],
    ['createdFrom=2026-11-24T10:00:00Z&createdTo=2026-11-24T09:00:00Z', 'createdTo'],
    ['createdFrom=2026-11-24T12:00:00%2B02:00&createdTo=2026-11-24T10:00:00Z', 'createdTo'],
  ])('answers 400 for %s, naming %s', async (query, path) => {
    const user = await newUser();

    const response = await env.api(user.token).get(`/api/orders?${query}`);

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(problemJson);
    expect(response.body).toMatchObject({ status: 400, type: expect.any(String) });
    expect(response.body.errors).toEqual([{ path, message: expect.any(String) }]);
  });
});
