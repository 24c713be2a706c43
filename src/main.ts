import { existsSync } from 'node:fs';
import type { Config } from './config.js';
import { ConfigError, loadConfig } from './config.js';
import { connectionStringFromFields } from './db/connection-string.js';
import { EmbeddedPostgresError } from './db/embedded-postgres-error.js';
import { createLogger } from './observability/logger.js';
import { describeTracing, stopTracing } from './observability/tracing.js';
import { packageVersion } from './package-version.js';
import { startService } from './service.js';

// A .env file is read when present; real environment variables win (order-api.md).
if (existsSync('.env')) process.loadEnvFile('.env');

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger({
  level: config.logLevel,
  logDir: config.logDir,
  console: true,
  jsonConsole: config.isProduction,
});
const stopSteps: (() => Promise<void>)[] = [];

async function main(): Promise<void> {
  // The SDK itself was started by observability/instrument.ts (node --import), before this file.
  logger.info(describeTracing());
  if (config.auth.isDevelopmentSecret) {
    logger.warn('JWT_SECRET is not set: using the development secret (never in production)');
  }
  const connectionString = await databaseUrl();
  const peers = config.peers ?? (await sandboxPeers());
  const service = await startService(config, {
    connectionString,
    peers,
    logger,
    version: packageVersion(),
  });
  stopSteps.unshift(() => service.stop(config.shutdownGraceMs));
  logger.info(`Order Service listening on port ${new URL(service.url).port}`, { url: service.url });
}

async function databaseUrl(): Promise<string> {
  const { database } = config;
  switch (database.kind) {
    case 'url':
      return database.connectionString;
    case 'fields':
      return connectionStringFromFields(database);
    case 'embedded': {
      logger.warn(
        `No DATABASE_URL or DB_HOST: starting an embedded PostgreSQL in ${database.dataDir} (a development default)`,
      );
      // Loaded only here: a configured deployment never loads the embedded server's package.
      const { startEmbeddedPostgres } = await import('./db/embedded-postgres.js');
      const embedded = await startEmbeddedPostgres({
        dataDir: database.dataDir,
        database: 'orders',
        persistent: true,
      });
      stopSteps.push(() => embedded.stop());
      logger.info('embedded PostgreSQL is up', {
        url: embedded.connectionString.replace(/:[^:@/]+@/, ':***@'),
        dataDir: embedded.dataDir,
      });
      return embedded.connectionString;
    }
  }
}

async function sandboxPeers() {
  // Loaded only here: with peer URLs set, the sandbox's code is never loaded.
  const { startSandbox } = await import('../sandbox/start-sandbox.js');
  const sandbox = await startSandbox({
    productPort: 3001,
    paymentPort: 3002,
    notificationPort: 3003,
  }).catch(async () => {
    logger.warn('ports 3001–3003 are taken: starting the sandbox peers on free ports');
    return startSandbox();
  });
  stopSteps.push(() => sandbox.close());
  logger.warn('No peer URLs set: started the bundled sandbox peers (development only)', {
    product: sandbox.productUrl,
    payment: sandbox.paymentUrl,
    notification: sandbox.notificationUrl,
  });
  return {
    productServiceUrl: sandbox.productUrl,
    paymentServiceUrl: sandbox.paymentUrl,
    notificationServiceUrl: sandbox.notificationUrl,
  };
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info(`${signal} received: draining`, { graceMs: config.shutdownGraceMs });
  const force = setTimeout(() => {
    logger.error('shutdown grace period exceeded; exiting');
    process.exit(1);
  }, config.shutdownGraceMs + 5_000);
  force.unref();
  for (const step of stopSteps) {
    await step().catch((error: unknown) => {
      logger.error('shutdown step failed', { error });
    });
  }
  // Last, so the spans of the drained requests are exported too.
  await stopTracing().catch((error: unknown) => {
    logger.error('flushing traces failed', { error });
  });
  logger.info('stopped');
  logger.end();
  // 'finish' can stay unsent when end() meets a file rotation; never let that block the exit.
  await new Promise<void>((resolve) => {
    logger.once('finish', () => {
      resolve();
    });
    setTimeout(resolve, 2000).unref();
  });
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

main().catch(async (error: unknown) => {
  // A machine the embedded server cannot start on: the one line says why and what to do.
  if (error instanceof EmbeddedPostgresError) logger.error(error.message);
  else logger.error('failed to start', { error });
  for (const step of stopSteps) await step().catch(() => undefined);
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 500).unref();
});
