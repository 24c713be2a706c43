import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** The pool, or a client inside a transaction: every repository function takes one first. */
export type Queryable = pg.Pool | pg.PoolClient;

// numeric (money) stays a string: domain/money.ts converts it exactly. bigint ids fit in a
// double for centuries of orders, so int8 becomes a number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type PoolOptions = {
  connectionString: string;
  max: number;
  applicationName?: string;
  /** Called once per statement with its first keyword (`select`, `insert`, …) and duration. */
  onQuery?: (operation: string, seconds: number) => void;
};

export function createPool(options: PoolOptions): Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max,
    application_name: options.applicationName ?? 'order-service',
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    // A statement that runs this long is a bug or a lock pile-up; fail it instead of hanging.
    statement_timeout: 15_000,
  });
  const { onQuery } = options;
  if (onQuery !== undefined) {
    pool.on('connect', (client) => {
      timeQueries(client, onQuery);
    });
  }
  return pool;
}

/**
 * Wraps one connection's `query` so every statement — through the pool or in a transaction —
 * reports its duration. pg's `query` has a dozen overloads (promise or callback, text or config),
 * so the wrapper forwards its arguments untouched and only watches for the end.
 */
function timeQueries(client: pg.PoolClient, onQuery: (operation: string, seconds: number) => void) {
  const original: (...args: unknown[]) => unknown = client.query.bind(client);
  const timed = (...args: unknown[]): unknown => {
    const started = performance.now();
    const finish = () => {
      onQuery(operationOf(args[0]), (performance.now() - started) / 1000);
    };
    const last = args.at(-1);
    if (typeof last === 'function') {
      args[args.length - 1] = (...results: unknown[]): unknown => {
        finish();
        const value: unknown = Reflect.apply(last, undefined, results);
        return value;
      };
      return original(...args);
    }
    const result = original(...args);
    if (result instanceof Promise) return result.finally(finish);
    finish();
    return result;
  };
  Object.assign(client, { query: timed });
}

function operationOf(query: unknown): string {
  const text =
    typeof query === 'string'
      ? query
      : typeof query === 'object' &&
          query !== null &&
          'text' in query &&
          typeof query.text === 'string'
        ? query.text
        : '';
  return /^\s*([a-z]+)/i.exec(text)?.[1]?.toLowerCase() ?? 'other';
}
