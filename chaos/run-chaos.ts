import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { Pool } from '../src/db/pool.js';
import { createPool } from '../src/db/pool.js';
import { checkInvariants } from '../src/invariants/check-invariants.js';
import type { ChaosOptions } from './chaos-options.js';
import { planChaos } from './chaos-plan.js';
import { createExternalChaosDatabase, startEmbeddedChaosPostgres } from './chaos-postgres.js';
import type { ChaosPeers } from './chaos-peers.js';
import { startChaosPeers } from './chaos-peers.js';
import type { ChaosSummary } from './chaos-report.js';
import type { ChaosViolation } from './chaos-violation.js';
import {
  checkAcknowledged,
  checkPendingPastDeadline,
  checkUnfinished,
  readOutcomes,
} from './database-checks.js';
import type { LoadRecord } from './load-record.js';
import { createLoadRecord } from './load-record.js';
import { checkNotifications } from './notification-check.js';
import { tokenFor } from './order-api-client.js';
import { playPlan } from './play-plan.js';
import { startReplicas } from './replicas.js';
import { seededRandom } from './seeded-random.js';
import { waitUntilSettled } from './settle.js';
import { runLoad } from './virtual-users.js';

/**
 * One chaos run: its own PostgreSQL, the sandbox peers, N replicas; load with kills, a
 * PostgreSQL restart, a peer outage and peer faults for `seconds`; then settle and check.
 * Everything it starts is stopped, and its scratch directory removed, however it ends.
 */
export type RunHooks = {
  say: (line: string) => void;
  /** Aborted on Ctrl-C: the run stops early and still cleans up. */
  signal: AbortSignal;
  /** Called with a synchronous last-resort cleanup for the runner's `exit` event. */
  onExit: (kill: () => void) => void;
};

const jwtSecret = 'chaos-run-jwt-secret-0123456789-abcdefghij';
const sagaDeadlineMs = 25_000;
const settleTimeoutMs = 180_000;
const products = [
  { price: '12.99', stock: 1_000_000 },
  { price: '24.50', stock: 1_000_000 },
  { price: '0.10', stock: 1_000_000 },
  { price: '89.00', stock: 1_000_000 },
  { price: '4.75', stock: 1_000_000 },
  { price: '199.99', stock: 1_000_000 },
  // Runs out early: short-stock refusals, before and after an order is stored.
  { price: '7.25', stock: 20, isScarce: true },
];

export async function runChaos(options: ChaosOptions, hooks: RunHooks): Promise<ChaosSummary> {
  const cleanup: (() => Promise<unknown>)[] = [];
  const { say, signal } = hooks;
  try {
    const scratch = await mkdtemp(path.join(tmpdir(), 'order-service-chaos-'));
    // As root, the embedded PostgreSQL runs as its own user, which must enter this directory.
    await chmod(scratch, 0o755);
    cleanup.push(async () => {
      if (options.keepDir) say(`kept ${scratch}`);
      else await rm(scratch, { recursive: true, force: true });
    });
    await mkdir(path.join(scratch, 'logs'));

    const database = await (options.databaseUrl === undefined
      ? startEmbeddedChaosPostgres(scratch)
      : createExternalChaosDatabase(options.databaseUrl));
    cleanup.push(() => database.close());
    const peers = await startChaosPeers();
    cleanup.push(() => peers.close());
    const catalogue = await createProducts(peers.urls.product);

    const replicas = await startReplicas(
      options.replicas,
      replicaEnv(database.url, peers, scratch),
      scratch,
      signal,
    );
    hooks.onExit(() => {
      replicas.killAllNow();
    });
    cleanup.push(() => replicas.stop());
    await replicas.waitUntilReady(120_000);
    say(
      `${database.description}; ${String(options.replicas)} replicas up: ${replicas.urls.join(' ')}`,
    );

    const random = seededRandom(options.seed);
    const users = await Promise.all(
      Array.from({ length: options.users }, async (_, i) => ({
        id: 1_000 + i,
        token: await tokenFor(1_000 + i, 'user', jwtSecret),
      })),
    );
    const admin = { id: 1, token: await tokenFor(1, 'admin', jwtSecret) };
    const plan = planChaos({
      durationMs: options.seconds * 1000,
      replicas: options.replicas,
      restartsPostgres: database.canRestart,
      random: random.fork('plan'),
    });
    const record = createLoadRecord();
    const startedAt = Date.now();
    const progress = setInterval(() => {
      const s = Math.round((Date.now() - startedAt) / 1000);
      say(
        `t+${String(s)} s: ${String(record.placed.length)} orders acknowledged, ${String(replicas.stats().kills)} kills`,
      );
    }, 10_000);
    cleanup.push(() => {
      clearInterval(progress);
      return Promise.resolve();
    });
    const [played] = await Promise.all([
      playPlan(plan, { replicas, peers, database }, startedAt, signal, say),
      runLoad({
        urls: replicas.urls,
        record,
        products: catalogue,
        users,
        admin,
        random: random.fork('load'),
        endsAt: startedAt + options.seconds * 1000,
        signal,
      }),
    ]);
    clearInterval(progress);
    if (signal.aborted) throw new Error('interrupted before the checks');

    say('load over: clearing faults, waiting for every replica, then for the sagas and the outbox');
    await peers.clearFaults();
    const notReady: ChaosViolation[] = await replicas.waitUntilReady(120_000).then(
      () => [],
      (error: unknown) => [{ kind: 'replica-not-ready', message: String(error) }],
    );
    const pool = createPool({ connectionString: database.url, max: 2, applicationName: 'chaos' });
    cleanup.push(() => pool.end());
    const settle = await waitUntilSettled(pool, settleTimeoutMs, signal);

    const { violations, checked, notifications } = await check(pool, peers, record);
    const outcomes = await readOutcomes(pool);
    const stats = replicas.stats();
    return {
      run: {
        seconds: options.seconds,
        replicas: options.replicas,
        users: options.users,
        seed: options.seed,
        database: database.description,
      },
      record,
      kills: stats.kills,
      restarts: stats.restarts,
      failedStarts: stats.unexpectedExits.filter((exit) => !exit.hadStarted).length,
      crashes: stats.unexpectedExits.filter((exit) => exit.hadStarted).length,
      sagas: { total: outcomes.sagas, retried: outcomes.sagasRetried },
      postgresRestarts: database.canRestart ? played.postgresRestarts : undefined,
      outages: played.outages,
      faultRules: played.faultRules,
      settle,
      ordersByStatus: outcomes.ordersByStatus,
      notifications,
      checked,
      violations: [
        ...notReady,
        ...violations,
        // A start that fails while PostgreSQL is down is expected; a running replica must not die.
        ...stats.unexpectedExits
          .filter((exit) => exit.hadStarted)
          .map((exit) => ({
            kind: 'replica-crashed',
            message: `replica ${String(exit.replica)} exited by itself (${exit.exit}): ${exit.lastLine}`,
          })),
      ],
    };
  } finally {
    for (const step of cleanup.reverse()) {
      try {
        await step();
      } catch (error) {
        say(`cleanup step failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

async function check(pool: Pool, peers: ChaosPeers, record: LoadRecord) {
  const report = await checkInvariants({
    db: pool,
    productServiceUrl: peers.urls.product,
    paymentServiceUrl: peers.urls.payment,
  });
  const notifications = await checkNotifications(pool, peers.urls.notification);
  const violations: ChaosViolation[] = [
    ...report.violations.map((v) => ({ kind: v.kind, message: v.message })),
    // After settling the checker must have been able to check everything.
    ...report.unchecked.map((message) => ({ kind: 'unchecked', message })),
    ...(await checkUnfinished(pool)),
    ...(await checkPendingPastDeadline(pool, sagaDeadlineMs)),
    ...(await checkAcknowledged(pool, record)),
    ...notifications.violations,
  ];
  return { violations, checked: report.checked, notifications: notifications.count };
}

function replicaEnv(
  databaseUrl: string,
  peers: ChaosPeers,
  scratch: string,
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    PRODUCT_SERVICE_URL: peers.urls.product,
    PAYMENT_SERVICE_URL: peers.urls.payment,
    NOTIFICATION_SERVICE_URL: peers.urls.notification,
    JWT_SECRET: jwtSecret,
    LOG_LEVEL: 'info',
    LOG_DIR: path.join(scratch, 'logs'),
    // Short, so a fault costs a second and the run sees many of them.
    PEER_TIMEOUT_MS: '1000',
    ORDER_RESPONSE_DEADLINE_MS: '3000',
    // A killed replica's sagas come back within a few seconds.
    SAGA_RECOVERY_INTERVAL_MS: '500',
    SAGA_LEASE_MS: '3000',
    // Every saga is decided soon after the run: a stuck one compensates after 25 s.
    SAGA_DEADLINE_MS: String(sagaDeadlineMs),
    SHUTDOWN_GRACE_MS: '2000',
    // The chaos users order faster than people; the rate limit is not what is tested here.
    RATE_LIMIT_ORDERS_PER_MINUTE: '1000000',
  };
}

const productSchema = z.object({ id: z.number() });

async function createProducts(productUrl: string) {
  return Promise.all(
    products.map(async ({ isScarce, ...product }) => {
      const response = await fetch(`${productUrl}/__sandbox/products`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(product),
      });
      const { id } = productSchema.parse(await response.json());
      return { id, isScarce: isScarce === true };
    }),
  );
}
