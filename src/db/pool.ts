import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { DatabaseUnavailableError } from '../domain/errors.js';
import { rememberStatementName } from './statement-names.js';

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
  /**
   * Named (server-side) prepared statements: a repository names its hot statements so
   * PostgreSQL plans them once per connection. Off by default: behind PgBouncer in transaction
   * mode (before 1.21, or without max_prepared_statements) a statement prepared on one server
   * connection is not there on the next (DB_PREPARED_STATEMENTS).
   */
  preparedStatements?: boolean | undefined;
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
    // No statement_timeout here: pg would send it as a startup parameter, which PgBouncer
    // refuses ("unsupported startup parameter"), and a session SET would leak to other clients
    // of a transaction pooler. The timeout belongs on the role (docs/operations.md, "Behind a
    // connection pooler"); the service warns at start when there is none.
  });
  const onQuery = options.onQuery ?? (() => undefined);
  const isPrepared = options.preparedStatements ?? false;
  pool.on('connect', (client) => {
    watchQueries(client, onQuery, isPrepared);
  });
  translateUnavailable(pool);
  retryAbortedStatements(pool);
  return pool;
}

/**
 * False when statements on this role may run forever: no statement_timeout from the role or the
 * database (the pool sets none itself; see createPool).
 */
export async function hasStatementTimeout(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ timeout: string }>(
    `select current_setting('statement_timeout') as timeout`,
  );
  return rows[0]?.timeout !== '0';
}

// Connection failures: refused, reset, timed out, the server shutting down or not accepting
// connections yet (SQLSTATE classes 08 and 57P0x).
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const unavailableMessages =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/;

/** The `code` of an error that has one: a SQLSTATE from PostgreSQL, or a Node errno name. */
export function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return unavailableCodes.has(errorCodeOf(error) ?? '') || unavailableMessages.test(error.message);
}

/** What callers see of a connection failure: a DatabaseUnavailableError (503), never the driver's message. */
const rethrowUnavailable = (error: unknown): never => {
  throw isDatabaseUnavailable(error) ? new DatabaseUnavailableError() : error;
};

/** The pool's own promise-returning `connect` and `query`, with connection failures translated. */
function translateUnavailable(pool: pg.Pool): void {
  const connect: (...args: unknown[]) => unknown = pool.connect.bind(pool);
  const query: (...args: unknown[]) => unknown = pool.query.bind(pool);
  const translated =
    (original: (...args: unknown[]) => unknown) =>
    (...args: unknown[]): unknown => {
      const result = original(...args);
      return result instanceof Promise ? result.catch(rethrowUnavailable) : result;
    };
  Object.assign(pool, { connect: translated(connect), query: translated(query) });
}

/**
 * 40P01 (a deadlock victim) and 40001 (a serialization failure): PostgreSQL aborted the whole
 * statement, so it did nothing, and sending it again is safe. Only through `pool.query`: there
 * each statement is its own transaction (every statement of the service stands alone; a
 * statement inside an explicit transaction cannot be retried alone). Up to 3 more tries, after a
 * few jittered milliseconds so the two sides do not meet again in step.
 */
const abortedCodes = new Set(['40P01', '40001']);
const maxRetries = 3;

function retryAbortedStatements(pool: pg.Pool): void {
  const query: (...args: unknown[]) => unknown = pool.query.bind(pool);
  const retried = (...args: unknown[]): unknown => {
    // A callback-style call is passed through untouched.
    if (typeof args.at(-1) === 'function') return query(...args);
    const attempt = async (retries: number): Promise<unknown> => {
      try {
        return await query(...args);
      } catch (error) {
        if (retries >= maxRetries || !abortedCodes.has(errorCodeOf(error) ?? '')) {
          throw error;
        }
        await delay(5 + Math.random() * 20 * (retries + 1));
        return attempt(retries + 1);
      }
    };
    return attempt(0);
  };
  Object.assign(pool, { query: retried });
}

/**
 * Wraps one connection's `query` so every statement — through the pool or in a transaction —
 * reports its duration and fails with DatabaseUnavailableError when the connection does. pg's
 * `query` has a dozen overloads (promise or callback, text or config), so the wrapper forwards
 * its arguments untouched and only watches for the end.
 */
function watchQueries(
  client: pg.PoolClient,
  onQuery: (operation: string, seconds: number) => void,
  isPrepared: boolean,
) {
  const original: (...args: unknown[]) => unknown = client.query.bind(client);
  const timed = (...args: unknown[]): unknown => {
    if (!isPrepared) args[0] = unnamed(args[0]);
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
    if (result instanceof Promise) return result.catch(rethrowUnavailable).finally(finish);
    finish();
    return result;
  };
  Object.assign(client, { query: timed });
}

/**
 * The query without its statement name: sent unnamed, parsed and planned each time. The name
 * still names its trace span (statement-names.ts).
 */
function unnamed(query: unknown): unknown {
  if (typeof query !== 'object' || query === null || !('name' in query)) return query;
  if ('text' in query && typeof query.text === 'string' && typeof query.name === 'string') {
    rememberStatementName(query.text, query.name);
  }
  return Object.fromEntries(Object.entries(query).filter(([key]) => key !== 'name'));
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
