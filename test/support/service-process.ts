import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { startSandbox } from '../../sandbox/start-sandbox.js';
import type { Pool } from '../../src/db/pool.js';
import { createPool } from '../../src/db/pool.js';
import type { SandboxClient } from './sandbox-client.js';
import { sandboxClient } from './sandbox-client.js';
import type { TestDatabase } from './test-database.js';
import { createTestDatabase } from './test-database.js';
import type { Sandbox } from '../../sandbox/start-sandbox.js';
import { testJwtSecret } from './tokens.js';

export type ServiceProcess = {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  exited: Promise<number | null>;
  /** Resolves with the base URL once it listens. */
  ready(): Promise<string>;
  /** Resolves once a saga printed SAGA_PAUSED (SAGA_TEST_PAUSE_AT). */
  paused(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
};

/**
 * `src/main.ts` as one process — what `npm start` runs, loaded through tsx's hook instead of a
 * build, with the tracing entry imported first as `npm start` does. (The tsx CLI would put the
 * service in a child process that SIGKILL does not reach.) `cwd`: another checkout to run;
 * `startTimeoutMs`: how long `ready()` waits (30 s).
 */
export function startServiceProcess(
  env: Record<string, string>,
  { startTimeoutMs = 30_000, ...options }: { cwd?: string; startTimeoutMs?: number } = {},
): ServiceProcess {
  const args = ['--import', 'tsx', '--import', './src/observability/instrument.ts', 'src/main.ts'];
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  const waitFor = async (pattern: RegExp): Promise<RegExpExecArray> => {
    await expect
      .poll(() => pattern.test(output) || child.exitCode !== null, { timeout: startTimeoutMs })
      .toBe(true);
    const match = pattern.exec(output);
    if (match === null) throw new Error(`the service exited before ${String(pattern)}:\n${output}`);
    return match;
  };
  return {
    child,
    output: () => output,
    exited,
    ready: async () => `http://127.0.0.1:${(await waitFor(/listening on port (\d+)/))[1]}`,
    paused: async () => {
      await waitFor(/SAGA_PAUSED/);
    },
    kill: async (signal) => {
      child.kill(signal);
      return exited;
    },
  };
}

/** The environment of a service process on `databaseUrl` with `sandbox` as its peers. */
export function serviceEnv(
  databaseUrl: string,
  sandbox: Sandbox,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    PRODUCT_SERVICE_URL: sandbox.productUrl,
    PAYMENT_SERVICE_URL: sandbox.paymentUrl,
    NOTIFICATION_SERVICE_URL: sandbox.notificationUrl,
    JWT_SECRET: testJwtSecret,
    LOG_LEVEL: 'info',
    LOG_DIR: path.join('/tmp', 'order-service-test-logs'),
    PEER_TIMEOUT_MS: '500',
    SAGA_RECOVERY_INTERVAL_MS: '200',
    SAGA_LEASE_MS: '2000',
    ...extra,
  };
}

export type ProcessCluster = {
  database: TestDatabase;
  sandbox: Sandbox;
  peers: SandboxClient;
  /** A pool on the cluster's database, for assertions. */
  pool: Pool;
  /** Another service process on the shared database and sandbox; killed after the file. */
  start(extra?: Record<string, string>): ServiceProcess;
};

/**
 * For the calling test file: one database and one sandbox shared by any number of service
 * processes (replicas, or one process and its successor after a crash).
 */
export function useProcessCluster(defaults: Record<string, string> = {}): ProcessCluster {
  const running = new Set<ServiceProcess>();
  const cluster = {} as ProcessCluster;
  beforeAll(async () => {
    const database = await createTestDatabase();
    const sandbox = await startSandbox();
    Object.assign(cluster, {
      database,
      sandbox,
      peers: sandboxClient(sandbox),
      pool: createPool({ connectionString: database.url, max: 2 }),
      start: (extra: Record<string, string> = {}) => {
        const service = startServiceProcess(
          serviceEnv(database.url, sandbox, { ...defaults, ...extra }),
        );
        running.add(service);
        void service.exited.then(() => running.delete(service));
        return service;
      },
    });
  });
  afterAll(async () => {
    await Promise.all([...running].map((service) => service.kill('SIGKILL')));
    await cluster.pool.end();
    await cluster.sandbox.close();
    await cluster.database.drop();
  });
  return cluster;
}
