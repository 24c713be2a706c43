import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { expect } from 'vitest';
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
 * build. (The tsx CLI would put the service in a child process that SIGKILL does not reach.)
 */
export function startServiceProcess(env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
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
      .poll(() => pattern.test(output) || child.exitCode !== null, { timeout: 30_000 })
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
