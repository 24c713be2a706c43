import { hostname } from 'node:os';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import type { Config, PeerUrls } from './config.js';
import { purgeIdempotencyKeys } from './db/idempotency-repository.js';
import { migrate } from './db/migrate.js';
import { readOutboxBacklog } from './db/outbox-repository.js';
import type { Pool } from './db/pool.js';
import { createPool, hasStatementTimeout } from './db/pool.js';
import { countUnfinishedSagas } from './db/saga-admin-repository.js';
import { createApp } from './http/app.js';
import { createAuthenticator } from './http/auth.js';
import { createOrderRateLimit } from './http/rate-limit.js';
import { answerClientError } from './http/client-error.js';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';
import { breakerStateValue, createMetrics } from './observability/metrics.js';
import type { OrdersDeps } from './orders/orders-deps.js';
import { idempotencyLockSeconds } from './orders/idempotency.js';
import { createNotificationClient } from './peers/notification-client.js';
import { createPaymentClient } from './peers/payment-client.js';
import type { PeerCallEvent, PeerClientOptions, PeerName } from './peers/peer-http.js';
import { createProductClient } from './peers/product-client.js';
import { backoffDelayMs } from './saga/backoff.js';
import type { PausePoint } from './saga/pause-point.js';
import { pausePoint } from './saga/pause-point.js';
import { createOutboxRelay } from './saga/outbox-relay.js';
import { createOrderEventRelay } from './events/order-event-relay.js';
import { createRabbitMqTransport } from './events/rabbitmq-transport.js';
import { readOrderEventBacklog } from './db/order-event-repository.js';
import { createRecoveryWorker } from './saga/recovery-worker.js';
import { createRetention } from './saga/retention.js';

/**
 * What startService needs besides the Config: things the environment does not hold, or that
 * main.ts resolves from it first (the embedded database's URL, the bundled sandbox's peers).
 */
export type ServiceRuntime = {
  connectionString: string;
  peers: PeerUrls;
  logger: Logger;
  version: string;
  /** Default: every interface; tests listen on loopback only. */
  host?: string;
  /**
   * Tests only, in-process: called at every saga point (see saga/pause-point.ts) with the point
   * (product ids left out) and the order id; the saga goes on when the promise resolves.
   */
  sagaTestPause?: PausePoint;
  /** Tests only: Redis key prefix of the order rate limit, so files keep their budgets apart. */
  orderRateLimitKeyPrefix?: string;
};

export type RunningService = {
  url: string;
  server: Server;
  pool: Pool;
  metrics: Metrics;
  /** Unready at once, stop accepting, finish in-flight requests, stop workers, close the pool. */
  stop(graceMs: number): Promise<void>;
};

/** order-api.md keeps Idempotency-Keys at least 24 hours; we keep them two days. */
const idempotencyKeyHours = 48;

/**
 * Rows per retention delete statement: 1,000 sagas with 5 log rows each went in 29 ms
 * (EXPLAIN ANALYZE on 200,000 sagas), so each statement holds its row locks about that long.
 */
const retentionBatchSize = 1000;

/**
 * Wires config → pool → listen (unready) → migrate → workers → ready. Listening first lets
 * probes see 503 while a long migration runs. main.ts and the tests both start it here.
 */
export async function startService(
  config: Config,
  runtime: ServiceRuntime,
): Promise<RunningService> {
  const { logger } = runtime;
  // Saga leases: ~30 s, renewed at every recorded step and while a peer call runs, so a crashed
  // replica's work returns within seconds of its lease running out.
  const leaseSeconds = config.sagaLeaseMs / 1000;
  let phase: 'starting' | 'ready' | 'stopping' = 'starting';
  // Read at scrape time; `pool` is assigned below, before the first scrape can arrive.
  const events = config.events;
  const brokerUrl = events.brokerUrl;
  const metrics = createMetrics({
    unfinishedSagas: () => countUnfinishedSagas(pool),
    outboxBacklog: () => readOutboxBacklog(pool),
    orderEventBacklog: brokerUrl === undefined ? undefined : () => readOrderEventBacklog(pool),
    pool: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  });
  const pool = createPool({
    connectionString: runtime.connectionString,
    max: config.databasePoolMax,
    preparedStatements: config.databasePreparedStatements,
    onQuery: (operation, seconds) => {
      metrics.databaseQueryDuration.observe({ operation }, seconds);
    },
  });
  pool.on('error', (error) => {
    logger.error('idle database connection failed', { error });
  });

  const peerState: Record<string, { lastStatus: string; at: string }> = {};
  const onCall = (event: PeerCallEvent) => {
    metrics.externalRequests.inc({
      service: event.service,
      operation: event.operation,
      status: event.status,
    });
    metrics.externalDuration.observe(
      { service: event.service, operation: event.operation },
      event.durationSeconds,
    );
    peerState[event.service] = { lastStatus: event.status, at: new Date().toISOString() };
  };
  const peerOptions = (service: PeerName, baseUrl: string): PeerClientOptions => ({
    baseUrl,
    timeoutMs: config.peerTimeoutMs,
    maxAttempts: config.peerMaxAttempts,
    serviceToken: config.serviceToken,
    onCall,
    onBreakerStateChange: (state) => {
      metrics.circuitBreakerState.set({ service }, breakerStateValue[state]);
    },
  });
  for (const service of ['product', 'payment', 'notification'] as const) {
    metrics.circuitBreakerState.set({ service }, breakerStateValue.closed);
  }
  const notifications = createNotificationClient(
    peerOptions('notification', runtime.peers.notificationServiceUrl),
  );
  const relay = createOutboxRelay({ pool, notifications, logger, leaseSeconds, batchSize: 50 });
  const eventRelay =
    brokerUrl === undefined
      ? undefined
      : createOrderEventRelay({
          pool,
          transport: createRabbitMqTransport({
            url: brokerUrl,
            exchange: events.exchange,
            connectionName: `order-service ${events.exchange} ${hostname()}:${process.pid}`,
            confirmTimeoutMs: 10_000,
            logger,
          }),
          identity: { source: events.source, typePrefix: events.typePrefix },
          destination: events.exchange,
          logger,
          metrics,
          leaseSeconds,
          batchSize: 100,
        });
  const orders: OrdersDeps = {
    pool,
    products: createProductClient(peerOptions('product', runtime.peers.productServiceUrl)),
    payments: createPaymentClient(peerOptions('payment', runtime.peers.paymentServiceUrl)),
    logger,
    metrics,
    leaseSeconds,
    retryDelayMs: (attempts) => backoffDelayMs(attempts),
    onNotificationsQueued: () => {
      void relay.kick();
      void eventRelay?.kick();
    },
    recordsOrderEvents: eventRelay !== undefined,
    pause: runtime.sagaTestPause ?? pausePoint(config.sagaTestPauseAt, logger),
    currency: config.currency,
    sagaDeadlineMs: config.sagaDeadlineMs,
    responseDeadlineMs: config.orderResponseDeadlineMs,
    idempotencyLockSeconds: idempotencyLockSeconds(config),
    relay,
    inFlight: new Set(),
    wakeRecovery: () => {
      void worker.runOnce();
    },
  };
  const worker = createRecoveryWorker({
    pool,
    sagaDeps: orders,
    logger,
    intervalMs: config.sagaRecoveryIntervalMs,
    batchSize: 20,
    onTick: async () => {
      await Promise.all([relay.kick(), eventRelay?.kick()]);
      await purgeIdempotencyKeys(pool, idempotencyKeyHours);
    },
    retention: createRetention({
      pool,
      metrics,
      logger,
      options: config.retention,
      batchSize: retentionBatchSize,
    }),
  });

  const orderRateLimit = await createOrderRateLimit(
    { ...config.orderRateLimit, redisKeyPrefix: runtime.orderRateLimitKeyPrefix },
    logger,
  );
  const app = createApp({
    orders,
    authenticator: createAuthenticator(config.auth),
    readiness: {
      phase: () => phase,
      checkDatabase: async () => {
        try {
          await pool.query('select 1');
          return true;
        } catch {
          return false;
        }
      },
      peers: () => ({ ...peerState }),
    },
    logger,
    metrics,
    corsOrigins: config.corsOrigins,
    bodyLimit: config.bodyLimit,
    placeOrderRateLimit: orderRateLimit.middleware,
    version: runtime.version,
    events: { exchange: events.exchange, source: events.source, typePrefix: events.typePrefix },
  });
  const server = createServer(app);
  server.on('clientError', answerClientError);
  // Keep-alive longer than typical load balancer idle timeouts (60 s), so they close first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, runtime.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  try {
    const migration = await migrate(pool, {
      lockWaitMs: config.migrationLockWaitMs,
      onWait: (message) => {
        logger.info(message);
      },
    });
    if (migration.applied.length > 0) {
      logger.info('migrations applied', { applied: migration.applied });
    }
    if (!(await hasStatementTimeout(pool))) {
      logger.warn(
        'no statement_timeout on this database role: a statement stuck behind a lock waits forever; set one on the role (docs/operations.md, "Behind a connection pooler")',
      );
    }
  } catch (error) {
    server.close();
    await orderRateLimit.close();
    await pool.end();
    throw error;
  }
  worker.start();
  phase = 'ready';
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    server,
    pool,
    metrics,
    async stop(graceMs) {
      phase = 'stopping';
      const stopStartedAt = Date.now();
      const closed = new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      // A keep-alive connection becomes idle once its in-flight response is sent; close it then,
      // rather than waiting for the client (or the grace period) to drop it.
      const sweeper = setInterval(() => {
        server.closeIdleConnections();
      }, 50);
      server.closeIdleConnections();
      const deadline = setTimeout(() => {
        server.closeAllConnections();
      }, graceMs);
      deadline.unref();
      await closed;
      clearInterval(sweeper);
      clearTimeout(deadline);
      // Sagas still running after their 202 get the rest of the grace period; one that does
      // not finish keeps its lease until it lapses, and another replica resumes it.
      const remainingMs = Math.max(0, stopStartedAt + graceMs - Date.now());
      const timeout = new AbortController();
      await Promise.race([
        Promise.allSettled([...orders.inFlight]),
        delay(remainingMs, undefined, { signal: timeout.signal }).catch(() => undefined),
      ]);
      timeout.abort();
      await worker.stop();
      await relay.idle();
      await eventRelay?.stop();
      await orderRateLimit.close();
      await pool.end();
    },
  };
}
