import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { EmbeddedPostgresError } from '../../src/db/embedded-postgres-error.js';
import { startPgBouncer } from './pgbouncer.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server where each test file creates its own database. */
    adminDatabaseUrl: string;
    /**
     * TEST_VIA_PGBOUNCER=1 (npm run test:pgbouncer): a PgBouncer in transaction mode in front of
     * that server; each test file's database is then reached through it.
     */
    poolerUrl: string | null;
  }
}

/**
 * TEST_DATABASE_URL when set (CI: the machine's PostgreSQL 15); otherwise one embedded
 * PostgreSQL for the whole run, so `npm test` needs nothing installed.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startServer();
  project.provide('adminDatabaseUrl', server.url);
  if (process.env.TEST_VIA_PGBOUNCER !== '1') {
    project.provide('poolerUrl', null);
    return server.stop;
  }
  const pgbouncer = await startPgBouncer(server.url);
  project.provide('poolerUrl', pgbouncer.through(server.url));
  return async () => {
    await pgbouncer.stop();
    await server.stop();
  };
}

async function startServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const given = process.env.TEST_DATABASE_URL;
  if (given !== undefined && given !== '') {
    return { url: given, stop: () => Promise.resolve() };
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'order-service-test-pg-'));
  // As root the server runs as the postgres OS user: a directory it can enter keeps the data
  // here, where it is removed with the rest (else it goes to /var/lib/order-service).
  await chmod(dataDir, 0o755);
  const embedded = await startEmbeddedPostgres({
    dataDir: path.join(dataDir, 'data'),
    database: 'postgres',
    persistent: false,
  }).catch(async (error: unknown) => {
    if (!(error instanceof EmbeddedPostgresError)) throw error;
    // Thrown, vitest would print the stack and the cause's: the one line says it all.
    process.stderr.write(`${error.message}\n`);
    await rm(dataDir, { recursive: true, force: true });
    process.exit(1);
  });
  return {
    url: embedded.connectionString,
    async stop() {
      await embedded.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
