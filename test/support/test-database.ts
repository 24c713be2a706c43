import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import type { Pool } from '../../src/db/pool.js';
import { createPool } from '../../src/db/pool.js';

export type TestDatabase = { url: string; drop(): Promise<void> };

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
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
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
    await admin(`drop database if exists ${name} with (force)`);
  });
  return { pool, url: url.href };
}
