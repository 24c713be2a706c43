import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { productId, userId } from '../../src/domain/ids.js';
import { cents } from '../../src/domain/money.js';
import {
  findIdempotencyRecord,
  recordIdempotentOutcome,
  releaseIdempotencyKey,
  reserveIdempotencyKey,
} from '../../src/db/idempotency-repository.js';
import { storePlacedOrder } from '../../src/db/placement-repository.js';
import { useMigratedDatabase } from '../support/test-database.js';

/**
 * Issue 13, point 4: a request that held an Idempotency-Key past its lock, while a retry with the
 * same key took it over, can no longer bind a second order to the key, save its answer over the
 * retry's, or release the retry's reservation. Only the holder of the reservation token can.
 */
const { pool } = useMigratedDatabase(4);

let nextUser = 1000;
const requestHash = 'h'.repeat(64);

/** Request A reserves the key, its lock lapses, request B reserves it again. */
async function takenOver() {
  const user = userId((nextUser += 1));
  const key = `key-${randomUUID()}`;
  const first = { userId: user, key, token: randomUUID() };
  const second = { userId: user, key, token: randomUUID() };
  expect(await reserveIdempotencyKey(pool, { ...first, requestHash, lockSeconds: 60 })).toBe(true);
  expect(await reserveIdempotencyKey(pool, { ...second, requestHash, lockSeconds: 60 })).toBe(
    false,
  );
  await pool.query(
    `update idempotency_keys set locked_until = now() - interval '1 second'
     where user_id = $1 and key = $2`,
    [user, key],
  );
  expect(await reserveIdempotencyKey(pool, { ...second, requestHash, lockSeconds: 60 })).toBe(true);
  return { user, key, first, second };
}

const place = (user: ReturnType<typeof userId>, idempotency: { key: string; token: string }) =>
  storePlacedOrder(pool, {
    draft: {
      userId: user,
      totalCents: cents(500),
      currency: 'USD',
      shippingAddress: { street: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' },
      items: [{ productId: productId(1), quantity: 1, priceCents: cents(500) }],
    },
    actor: `user:${user}`,
    paymentMethod: null,
    requestId: null,
    idempotency,
    saga: { leaseToken: randomUUID(), leaseSeconds: 30, deadlineMs: 60_000 },
    traceparent: null,
    recordsEvent: false,
  });

const ordersOf = async (user: number) =>
  (await pool.query('select id from orders where user_id = $1', [user])).rowCount;

describe('Idempotency-Key reservations', () => {
  it('stores no order for a request whose key another request has taken over', async () => {
    const { user, key, first, second } = await takenOver();

    expect(await place(user, { key, token: first.token })).toBeUndefined();
    expect(await ordersOf(user)).toBe(0);

    const placed = await place(user, { key, token: second.token });
    expect(placed?.order.userId).toBe(user);
    expect(await ordersOf(user)).toBe(1);
    expect((await findIdempotencyRecord(pool, user, key))?.orderId).toBe(placed?.order.id);
  });

  it('neither saves over nor releases the reservation of the request that took it over', async () => {
    const { user, key, first, second } = await takenOver();

    expect(await recordIdempotentOutcome(pool, first, { kind: 'accepted' })).toBe(false);
    await releaseIdempotencyKey(pool, first);

    const record = await findIdempotencyRecord(pool, user, key);
    expect(record).toMatchObject({ outcome: null, isLocked: true });
    expect(await recordIdempotentOutcome(pool, second, { kind: 'accepted' })).toBe(true);
    await releaseIdempotencyKey(pool, second);
    expect(await findIdempotencyRecord(pool, user, key)).toBeUndefined();
  });

  it('lets exactly one of two takers of a lapsed key store an order (40 rounds)', async () => {
    for (let round = 0; round < 40; round += 1) {
      const { user, key, first, second } = await takenOver();

      const results = await Promise.all([
        place(user, { key, token: first.token }),
        place(user, { key, token: second.token }),
      ]);

      expect(results.filter((result) => result !== undefined)).toHaveLength(1);
      expect(results[1]).toBeDefined();
      expect(await ordersOf(user)).toBe(1);
    }
  });
});
