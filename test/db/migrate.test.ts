import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import type { Pool } from '../../src/db/pool.js';
import type { TestDatabase } from '../support/test-database.js';
import { createTestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let pools: Pool[];
beforeAll(async () => {
  database = await createTestDatabase();
  pools = [1, 2, 3].map(() => createPool({ connectionString: database.url, max: 2 }));
});
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await database.drop();
});

describe('migrate', () => {
  it('applies each migration once when replicas start together', async () => {
    const results = await Promise.all(pools.map((pool) => migrate(pool)));

    const applied = results.flatMap((result) => result.applied);
    expect(applied.filter((name) => name.startsWith('0001_'))).toHaveLength(1);
    const { rows } = await pools[0]!.query<{ version: string }>(
      'select version from schema_migrations order by version',
    );
    expect(rows.map((row) => row.version)).toContain('0001');
    expect(new Set(rows.map((row) => row.version)).size).toBe(rows.length);
  });

  it('makes bad states impossible in the schema itself', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const insertOrder = (status: string, total: string, paymentId: string | null) =>
      client.query(
        `insert into orders (user_id, status, total_amount, currency, shipping_address, payment_id)
         values (1, $1, $2, 'USD', '{}', $3)`,
        [status, total, paymentId],
      );

    await expect(insertOrder('shipped-ish', '1.00', 'pay_1')).rejects.toThrow(/check/);
    await expect(insertOrder('pending', '-1.00', null)).rejects.toThrow(/check/);
    await expect(insertOrder('paid', '1.00', null)).rejects.toThrow(/check/);
    const { rows } = await insertOrder('pending', '1.00', null).then(() =>
      client.query<{ id: number }>('select max(id)::int as id from orders'),
    );
    await expect(
      client.query(
        'insert into order_items (order_id, product_id, quantity, price) values ($1, 1, 0, 1)',
        [rows[0]!.id],
      ),
    ).rejects.toThrow(/check/);
    await client.end();
  });
});
