import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MigrationLockTimeoutError, migrate } from '../../src/db/migrate.js';
import type { Pool } from '../../src/db/pool.js';
import { createPool } from '../../src/db/pool.js';
import type { TestDatabase } from '../support/test-database.js';
import { createTestDatabase } from '../support/test-database.js';
import { orderBody, startTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

// Issue 13, point 5: migrations on a live, large database.
const migrationLockId = 0x6f72646572;

let database: TestDatabase;
let pool: Pool;
let dir: string;
beforeEach(async () => {
  database = await createTestDatabase();
  pool = createPool({ connectionString: database.url, max: 4 });
  dir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
});
afterEach(async () => {
  await pool.end();
  await database.drop();
  await rm(dir, { recursive: true, force: true });
});

/** Another replica's migration: the lock held by an open transaction until `release`. */
async function holdMigrationLock(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('begin');
  await client.query('select pg_advisory_xact_lock($1)', [migrationLockId]);
  return {
    async release() {
      await client.query('commit');
      await client.end();
    },
  };
}

const migrationFiles = async (files: Record<string, string>) => {
  for (const [name, sql] of Object.entries(files)) await writeFile(path.join(dir, name), sql);
};

describe('migrate on a live database', () => {
  it('waits while another replica migrates, then applies what is left', async () => {
    await migrationFiles({ '0001_t.sql': 'create table t (a int);' });
    const other = await holdMigrationLock(database.url);
    let waited = false;

    const result = migrate(pool, {
      dir,
      lockWaitMs: 30_000,
      onWait: () => {
        waited = true;
        void other.release();
      },
    });

    await expect(result).resolves.toEqual({ applied: ['0001_t.sql'], alreadyApplied: 0 });
    expect(waited).toBe(true);
  });

  it('gives up after the configured wait with one clear message', async () => {
    await migrationFiles({ '0001_t.sql': 'create table t (a int);' });
    const other = await holdMigrationLock(database.url);
    try {
      const result = migrate(pool, { dir, lockWaitMs: 600 });

      await expect(result).rejects.toThrow(MigrationLockTimeoutError);
      await expect(result).rejects.toThrow(
        /another replica has been applying migrations for over 1 s; giving up \(raise MIGRATION_LOCK_WAIT_MS/,
      );
      const { rows } = await pool.query<{ exists: boolean }>(
        `select to_regclass('t') is not null as exists`,
      );
      expect(rows[0]?.exists).toBe(false);
    } finally {
      await other.release();
    }
  });

  it('drops an index a failed concurrent build left invalid, and builds it again', async () => {
    await pool.query('create table t (a int)');
    await pool.query('insert into t values (1), (1), (2)');
    // A unique build over duplicates fails half-way and leaves the index behind, invalid.
    await expect(pool.query('create unique index concurrently t_a_idx on t (a)')).rejects.toThrow(
      /could not create unique index/,
    );
    await migrationFiles({
      '0001_t_index.sql': [
        '-- migrate: no-transaction',
        'create index concurrently if not exists t_a_idx on t (a);',
      ].join('\n'),
    });

    const result = await migrate(pool, { dir });

    expect(result.applied).toEqual(['0001_t_index.sql']);
    const { rows } = await pool.query<{ valid: boolean; unique: boolean }>(
      `select i.indisvalid as valid, i.indisunique as unique from pg_index i
       join pg_class c on c.oid = i.indexrelid where c.relname = 't_a_idx'`,
    );
    expect(rows).toEqual([{ valid: true, unique: false }]);
  });

  it('runs a file without a statement timeout even when the role has one', async () => {
    await pool.query(
      `alter database ${database.url.split('/').at(-1) ?? ''} set statement_timeout = '100ms'`,
    );
    await migrationFiles({ '0001_slow.sql': 'select pg_sleep(0.3); create table t (a int);' });
    const fresh = createPool({ connectionString: database.url, max: 1 });
    try {
      const result = await migrate(fresh, { dir });

      expect(result.applied).toEqual(['0001_slow.sql']);
    } finally {
      await fresh.end();
    }
  });
});

describe('an index added to 1 M orders while orders are created', () => {
  it('is built concurrently: every create during the build succeeds', async () => {
    const env = await startTestService({ orderResponseDeadlineMs: 5000 });
    const admin = new pg.Client({ connectionString: env.database.url });
    await admin.connect();
    try {
      await admin.query(
        `insert into orders (user_id, status, total_amount, currency, shipping_address, payment_id,
           created_at, updated_at)
         select 1 + (g % 5000), 'paid', 10.00, 'USD', '{"name":"seed"}', 'pay_seed_' || g,
           now() - make_interval(secs => g), now() - make_interval(secs => g)
         from generate_series(1, 1000000) g`,
      );
      await admin.query('analyze orders');
      const user = await newUser();
      const product = await env.peers.createProduct({ price: '1.00', stock: 1_000_000 });
      await migrationFiles({
        '0100_orders_currency_total.sql': [
          '-- migrate: no-transaction',
          'create index concurrently if not exists orders_currency_total_idx',
          '  on orders (currency, total_amount, created_at);',
        ].join('\n'),
      });
      const answers: number[] = [];
      let building = true;
      const creators = Array.from({ length: 4 }, async () => {
        while (building) {
          const placed = await env
            .api(user.token)
            .post('/api/orders', orderBody([{ productId: product.id, quantity: 1 }]));
          answers.push(placed.status);
        }
      });

      const migrating = createPool({ connectionString: env.database.url, max: 1 });
      const result = await migrate(migrating, { dir }).finally(() => {
        building = false;
      });
      await Promise.all(creators);
      await migrating.end();

      expect(result.applied).toEqual(['0100_orders_currency_total.sql']);
      expect(answers.length).toBeGreaterThan(4);
      expect(answers.filter((status) => status !== 201)).toEqual([]);
      const { rows } = await admin.query<{ valid: boolean; orders: number }>(
        `select i.indisvalid as valid, (select count(*)::int from orders) as orders
         from pg_index i join pg_class c on c.oid = i.indexrelid
         where c.relname = 'orders_currency_total_idx'`,
      );
      expect(rows[0]).toEqual({ valid: true, orders: 1_000_000 + answers.length });
    } finally {
      await admin.end();
      await env.close();
    }
  }, 180_000);
});
