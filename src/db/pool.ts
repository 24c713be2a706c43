import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** The pool, or a client inside a transaction: every repository function takes one first. */
export type Queryable = pg.Pool | pg.PoolClient;

// numeric (money) stays a string: domain/money.ts converts it exactly. bigint ids fit in a
// double for centuries of orders, so int8 becomes a number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type PoolOptions = { connectionString: string; max: number; applicationName?: string };

export function createPool(options: PoolOptions): Pool {
  return new pg.Pool({
    connectionString: options.connectionString,
    max: options.max,
    application_name: options.applicationName ?? 'order-service',
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    // A statement that runs this long is a bug or a lock pile-up; fail it instead of hanging.
    statement_timeout: 15_000,
  });
}
