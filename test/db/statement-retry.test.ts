import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '../../src/db/pool.js';
import { createPool } from '../../src/db/pool.js';
import type { TestDatabase } from '../support/test-database.js';
import { createTestDatabase } from '../support/test-database.js';

// Issue 13, point 8: a statement that PostgreSQL aborts as a deadlock victim (40P01) or for a
// serialization failure (40001) did nothing, so the pool sends it again instead of failing the
// request. Every statement of the service stands alone (no multi-statement transactions).
let database: TestDatabase;
let pool: Pool;
beforeAll(async () => {
  database = await createTestDatabase();
  // Which side of a deadlock PostgreSQL aborts depends on whose deadlock_timeout runs out first
  // once both wait. The pool's sessions check after 3 s, the other side's after a minute: the
  // pool's statement is the victim however slowly the other side arrives (within 3 s).
  const name = new URL(database.url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  await admin.query(`alter database ${name} set deadlock_timeout = '3s'`);
  await admin.end();
  pool = createPool({ connectionString: database.url, max: 2 });
  await pool.query('create table t (id int primary key, v int not null)');
});
afterAll(async () => {
  await pool.end();
  await database.drop();
});

describe('a statement aborted by a deadlock', () => {
  it('is sent again and succeeds, for 5 deadlocks in a row', async () => {
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    await other.query(`set deadlock_timeout = '60s'`);
    try {
      for (let round = 0; round < 5; round += 1) {
        await pool.query('delete from t');
        await pool.query('insert into t values (1, 0), (2, 0)');
        // The other side holds row 1; the pool's statement takes row 2, then waits for row 1.
        await other.query('begin');
        await other.query('update t set v = v + 10 where id = 1');
        const statement = pool.query(
          `with two as (update t set v = v + 1 where id = 2 returning id)
           update t set v = v + 1 where id = 1 and exists (select 1 from two)`,
        );
        await expect
          .poll(async () => {
            const { rows } = await other.query<{ waiting: number }>(
              `select count(*)::int as waiting from pg_stat_activity
               where datname = current_database() and wait_event_type = 'Lock'`,
            );
            return rows[0]?.waiting;
          })
          .toBe(1);
        // Now the other side wants row 2: a deadlock. PostgreSQL aborts the statement that
        // waited first; it did nothing, and the pool sends it again once row 1 is free.
        const closing = other
          .query('update t set v = v + 10 where id = 2')
          .then(() => other.query('commit'));
        closing.catch(() => undefined); // awaited below; a failure must not go unhandled first

        await expect(statement).resolves.toMatchObject({ rowCount: 1 });
        await closing;
        const { rows } = await pool.query<{ id: number; v: number }>(
          'select id, v from t order by id',
        );
        expect(rows).toEqual([
          { id: 1, v: 11 },
          { id: 2, v: 11 },
        ]);
      }
    } finally {
      await other.query('rollback').catch(() => undefined);
      await other.end();
    }
  }, 60_000);
});
