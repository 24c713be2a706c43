import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import type { Pool } from '../../src/db/pool.js';
import { createPool } from '../../src/db/pool.js';

export type TestDatabase = { url: string; drop(): Promise<void> };

/**
 * Drops a test database once its last connection has gone. pg's `pool.end()` resolves when it has
 * asked its clients to end, before their backends have exited; a `with (force)` drop at that
 * moment terminates them (57P01), and a client already removed from its pool has no error
 * listener left, so the error escaped as an uncaught exception (seen once in CI). `force` stays
 * for a connection that never goes.
 */
async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    // Through PgBouncer the backends are its server connections, which it keeps; our clients
    // are gone already, so there is nothing to wait for.
    const deadline = Date.now() + (inject('poolerUrl') === null ? 5_000 : 0);
    for (;;) {
      const { rows } = await client.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where datname = $1',
        [name],
      );
      if (rows[0]?.n === 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await client.query(`drop database if exists ${name} with (force)`);
  } finally {
    await client.end();
  }
}

/** A fresh database on the test server, for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('adminDatabaseUrl');
  const name = `order_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  // Through the pooler when the run has one (npm run test:pgbouncer).
  const url = new URL(inject('poolerUrl') ?? adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: () => dropDatabase(adminUrl, name),
  };
}

/**
 * For a test file that talks to the database directly: a pool on a database of its own, made
 * and migrated before the file's tests, dropped after them. The pool exists at once (it connects
 * on first use), so the file can take it at module level.
 */
export function useMigratedDatabase(poolMax = 4): { pool: Pool; url: string } {
  const adminUrl = inject('adminDatabaseUrl');
  const name = `order_test_${randomBytes(6).toString('hex')}`;
  const url = new URL(inject('poolerUrl') ?? adminUrl);
  url.pathname = `/${name}`;
  const pool = createPool({ connectionString: url.href, max: poolMax });
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  beforeAll(async () => {
    await admin(`create database ${name}`);
    await migrate(pool);
  });
  afterAll(async () => {
    await pool.end();
    await dropDatabase(adminUrl, name);
  });
  return { pool, url: url.href };
}
