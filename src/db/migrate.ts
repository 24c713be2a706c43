import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Pool } from './pool.js';
import { errorCodeOf } from './pool.js';

const defaultDir = fileURLToPath(new URL('./migrations/', import.meta.url));
const migrationFile = /^(\d{4})_[a-z0-9_]+\.sql$/;
// Any constant shared by all replicas; "orders" in ASCII.
const migrationLockId = 0x6f72646572;

/**
 * A file whose first line is this runs outside a transaction, one statement at a time: for
 * `create index concurrently`, which a transaction refuses. Each such statement must be safe to
 * run again (`if not exists`): a crash between two of them re-runs the file.
 */
const noTransaction = /^--\s*migrate:\s*no-transaction\b/;

export type MigrationResult = { applied: string[]; alreadyApplied: number };

export type MigrateOptions = {
  /** How long to wait for another replica's migration before giving up (default 5 minutes). */
  lockWaitMs?: number | undefined;
  /** Called once when another replica holds the migration lock, before waiting for it. */
  onWait?: (message: string) => void;
  /** Tests only: another directory of migration files. */
  dir?: string;
};

/** Another replica kept migrating for longer than this one would wait. */
export class MigrationLockTimeoutError extends Error {
  constructor(waitedMs: number) {
    super(
      `another replica has been applying migrations for over ${String(Math.round(waitedMs / 1000))} s; ` +
        'giving up (raise MIGRATION_LOCK_WAIT_MS, or see pg_stat_activity for the migrating session)',
    );
  }
}

/**
 * Applies the numbered SQL files not yet recorded in schema_migrations, each in its own
 * transaction (or, marked `-- migrate: no-transaction`, statement by statement), on connections
 * of their own: never the pool's, so no pool setting limits a long index build.
 *
 * Replicas starting together take turns through a transaction-scoped advisory lock, held by an
 * open transaction on one more connection while the files run: no session state, so it works
 * behind PgBouncer in transaction mode too, and a replica that dies mid-way lets go of it with its
 * connection. A replica that finds the lock taken waits up to `lockWaitMs`, then gives up.
 */
export async function migrate(pool: Pool, options: MigrateOptions = {}): Promise<MigrationResult> {
  const dir = options.dir ?? defaultDir;
  const files = (await readdir(dir)).filter((name) => migrationFile.test(name)).sort();
  const lock = await connect(pool);
  try {
    await takeLock(lock, options);
    const runner = await connect(pool);
    try {
      return await applyPending(runner, dir, files);
    } finally {
      await runner.end();
    }
  } finally {
    // Ending the connection ends its transaction, and the lock with it.
    await lock.query('rollback').catch(() => undefined);
    await lock.end();
  }
}

async function connect(pool: Pool): Promise<pg.Client> {
  const { connectionString, host, port, user, password, database, ssl } = pool.options;
  const client = new pg.Client({
    connectionString,
    host,
    port,
    user,
    password,
    database,
    ssl,
    application_name: 'order-service migrate',
  });
  await client.connect();
  return client;
}

async function takeLock(lock: pg.Client, options: MigrateOptions): Promise<void> {
  const waitMs = options.lockWaitMs ?? 300_000;
  const since = Date.now();
  for (let tries = 0; ; tries += 1) {
    // Idle in this transaction while the files run, so no role default may end it meanwhile.
    // The simple protocol on purpose (the lock id is a constant): a parameterised query leaves
    // its portal, and the portal's snapshot, open until the transaction ends, and an index
    // built concurrently waits for every older snapshot — this one included.
    const results = (await lock.query(
      `begin; set local idle_in_transaction_session_timeout = 0;
       select pg_try_advisory_xact_lock(${String(migrationLockId)}) as locked`,
    )) as unknown as pg.QueryResult<{ locked: boolean }>[];
    const rows = results.at(-1)?.rows ?? [];
    if (rows[0]?.locked === true) return;
    await lock.query('rollback');
    if (tries === 0) options.onWait?.('another replica is applying migrations; waiting for it');
    if (Date.now() - since >= waitMs) throw new MigrationLockTimeoutError(waitMs);
    await delay(Math.min(500, waitMs));
  }
}

async function applyPending(
  runner: pg.Client,
  dir: string,
  files: readonly string[],
): Promise<MigrationResult> {
  await runner.query(`create table if not exists schema_migrations (
    version    text primary key,
    name       text not null,
    applied_at timestamptz not null default now()
  )`);
  const { rows } = await runner.query<{ version: string }>('select version from schema_migrations');
  const done = new Set(rows.map((row) => row.version));
  const applied: string[] = [];
  for (const name of files) {
    const version = name.slice(0, 4);
    if (done.has(version)) continue;
    const sql = await readFile(`${dir}/${name}`, 'utf8');
    if (noTransaction.test(sql)) {
      await applyStatementByStatement(runner, sql);
      await record(runner, version, name);
    } else {
      await applyInTransaction(runner, sql, version, name);
    }
    applied.push(name);
  }
  return { applied, alreadyApplied: done.size };
}

const record = (runner: pg.Client, version: string, name: string) =>
  runner.query('insert into schema_migrations (version, name) values ($1, $2)', [version, name]);

/**
 * One file, one transaction, no statement timeout (a role default would cut a long migration
 * short). A lock it cannot get within `lock_timeout` fails it rather than queueing every write to
 * the table behind it; it is tried again a few times, then the start fails.
 */
async function applyInTransaction(
  runner: pg.Client,
  sql: string,
  version: string,
  name: string,
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    await runner.query("begin; set local statement_timeout = 0; set local lock_timeout = '5s'");
    try {
      await runner.query(sql);
      await record(runner, version, name);
      await runner.query('commit');
      return;
    } catch (error) {
      await runner.query('rollback').catch(() => undefined);
      if (!isLockTimeout(error) || attempt >= 5) throw error;
      await delay(1000 * attempt);
    }
  }
}

const isLockTimeout = (error: unknown): boolean => errorCodeOf(error) === '55P03';

/**
 * Outside a transaction, statement by statement. An index built concurrently that failed half-way
 * (a crash, a cancel) stays behind invalid under its name, and `if not exists` would then skip
 * it: such a leftover is dropped first, so the build starts again.
 */
async function applyStatementByStatement(runner: pg.Client, sql: string): Promise<void> {
  for (const statement of statementsOf(sql)) {
    const index =
      /create\s+(?:unique\s+)?index\s+concurrently\s+(?:if\s+not\s+exists\s+)?(\w+)/i.exec(
        statement,
      )?.[1];
    if (index !== undefined) await dropInvalidIndex(runner, index);
    await runner.query(statement);
  }
}

async function dropInvalidIndex(runner: pg.Client, index: string): Promise<void> {
  const { rows } = await runner.query<{ invalid: boolean }>(
    `select not i.indisvalid as invalid from pg_index i
     join pg_class c on c.oid = i.indexrelid
     where c.relname = $1 and c.relnamespace = current_schema()::regnamespace`,
    [index],
  );
  if (rows[0]?.invalid === true) {
    await runner.query(`drop index concurrently if exists ${pg.escapeIdentifier(index)}`);
  }
}

/** The file's statements: split at a `;` that ends a line; `--` comment lines dropped. */
export function statementsOf(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !/^\s*--/.test(line))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '');
}

/** True when every migration file is recorded as applied (readiness). */
export async function isMigrated(pool: Pool): Promise<boolean> {
  const files = (await readdir(defaultDir)).filter((name) => migrationFile.test(name));
  const { rows } = await pool.query<{ count: number }>(
    `select count(*)::int as count from schema_migrations`,
  );
  return (rows[0]?.count ?? 0) >= files.length;
}
