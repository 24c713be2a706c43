/**
 * The processes a bench run starts — the peers (sandbox or trivial), the OTLP sink, the service
 * as built JS, the baselines — with their output in files of the scratch directory. None
 * outlives the harness.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { findFreePort } from '../src/free-port.js';

/** A free loopback port for a server the bench starts. */
export const freePort = findFreePort;

export const jwtSecret = 'bench-jwt-secret-0123456789-abcdefghijkl'; // 40 characters
const productCount = 10;

export const log = (line: string) => process.stdout.write(`${line}\n`);

/**
 * The node that runs every system, baselines and service alike: BENCH_NODE when set (the
 * runtime we ship, Node 24, on a machine whose own node is older), else this process's.
 */
export const systemNode = process.env.BENCH_NODE ?? process.execPath;

const children = new Set<ChildProcess>();
// However the harness ends, no server or sandbox outlives it.
process.on('exit', () => {
  killChildren();
});

export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

export const outputFileOf = (scratch: string, name: string) => path.join(scratch, `${name}.out`);

export function spawnChild(
  args: string[],
  env: Record<string, string>,
  name: string,
  scratch: string,
  stdout: 'file' | 'pipe' = 'file',
): ChildProcess {
  // Output goes to a file, not through a pipe into this process, which also drives the load.
  const outputFile = outputFileOf(scratch, name);
  const output = openSync(outputFile, 'a');
  const child = spawn(systemNode, args, {
    env,
    stdio: ['ignore', stdout === 'pipe' ? 'pipe' : output, output],
  });
  closeSync(output);
  children.add(child);
  child.once('exit', (code, signal) => {
    children.delete(child);
    if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGKILL') {
      const tail = readFileSync(outputFile, 'utf8').slice(-4000);
      process.stderr.write(`${name} exited (${String(code ?? signal)}):\n${tail}\n`);
    }
  });
  return child;
}

export type Sandbox = {
  child: ChildProcess;
  productUrl: string;
  paymentUrl: string;
  notificationUrl: string;
};

/** The sandbox peers (sandbox-process.ts): peer-services.md with its faults, products to create. */
export async function startSandboxProcess(scratch: string): Promise<Sandbox> {
  const { child, line } = await startAnnouncing('bench/sandbox-process.ts', 'sandbox', scratch);
  return { child, ...peerUrlsFrom(line) };
}

/** The trivial peers (trivial-peers.ts): every product exists, every charge succeeds. */
export async function startTrivialPeers(scratch: string): Promise<Sandbox> {
  const { child, line } = await startAnnouncing('bench/trivial-peers.ts', 'trivial-peers', scratch);
  return { child, ...peerUrlsFrom(line) };
}

/** Product ids for create against the trivial peers, where any id exists. */
export const trivialProductIds: readonly number[] = Array.from(
  { length: productCount },
  (_, i) => i + 1,
);

export type OtlpSink = { child: ChildProcess; url: string };

/** The OTLP/HTTP trace receiver (otlp-sink.ts). */
export async function startOtlpSink(scratch: string): Promise<OtlpSink> {
  const { child, line } = await startAnnouncing('bench/otlp-sink.ts', 'otlp-sink', scratch);
  const parsed: unknown = JSON.parse(line);
  const url = typeof parsed === 'object' && parsed !== null && 'url' in parsed ? parsed.url : '';
  if (typeof url !== 'string' || url === '') throw new Error(`otlp-sink announced ${line}`);
  return { child, url };
}

/** What the sink has received so far: export requests and their bytes. */
export async function otlpSinkStats(sink: OtlpSink): Promise<{ requests: number; bytes: number }> {
  const parsed: unknown = await fetch(`${sink.url}/stats`).then((response) => response.json());
  const field = (name: string) =>
    typeof parsed === 'object' && parsed !== null && name in parsed
      ? Number((parsed as Record<string, unknown>)[name])
      : 0;
  return { requests: field('requests'), bytes: field('bytes') };
}

/** Starts a script that prints one JSON line once listening, and returns that line. */
async function startAnnouncing(
  script: string,
  name: string,
  scratch: string,
): Promise<{ child: ChildProcess; line: string }> {
  const child = spawnChild(
    ['--import', 'tsx', script],
    { PATH: process.env.PATH ?? '' },
    name,
    scratch,
    'pipe',
  );
  const line = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const end = buffered.indexOf('\n');
      if (end >= 0) resolve(buffered.slice(0, end));
    });
    child.once('exit', () => {
      reject(new Error(`${name} did not start`));
    });
  });
  return { child, line };
}

function peerUrlsFrom(line: string): Omit<Sandbox, 'child'> {
  const urls = JSON.parse(line) as {
    productUrl: string;
    paymentUrl: string;
    notificationUrl: string;
  };
  return {
    productUrl: urls.productUrl,
    paymentUrl: urls.paymentUrl,
    notificationUrl: urls.notificationUrl,
  };
}

/** Ten products at 12.99 with stock no bench run can exhaust. */
export async function createProducts(productUrl: string): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < productCount; i += 1) {
    const response = await fetch(`${productUrl}/__sandbox/products`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ price: '12.99', stock: 1_000_000_000 }),
    });
    const product = (await response.json()) as { id: number };
    ids.push(product.id);
  }
  return ids;
}

/** The environment every system under test gets: its port, database and the peers' URLs. */
export function systemEnv(port: number, databaseUrl: string, sandbox: Sandbox) {
  return {
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    PRODUCT_SERVICE_URL: sandbox.productUrl,
    PAYMENT_SERVICE_URL: sandbox.paymentUrl,
    NOTIFICATION_SERVICE_URL: sandbox.notificationUrl,
  };
}

/** The image's NODE_OPTIONS (Dockerfile `ENV`): the heap settings the service ships with. */
export const shippedNodeOptions = (() => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  const options = /^\s*NODE_OPTIONS="([^"]*)"/m.exec(dockerfile)?.[1];
  if (options === undefined) throw new Error('Dockerfile: no NODE_OPTIONS="…" in its ENV');
  return options;
})();

/**
 * The service as in production: built JS (dist/), `NODE_ENV=production`, the image's
 * NODE_OPTIONS, tracing on but exporting nowhere, logs at `info` to files in the scratch directory.
 */
export function spawnService(
  env: Record<string, string>,
  scratch: string,
  nodeOptions: readonly string[] = [],
): ChildProcess {
  return spawnChild(
    [...nodeOptions, '--import', './dist/src/observability/instrument.js', 'dist/src/main.js'],
    {
      ...env,
      NODE_ENV: 'production',
      NODE_OPTIONS: shippedNodeOptions,
      JWT_SECRET: jwtSecret,
      LOG_LEVEL: 'info',
      LOG_DIR: path.join(scratch, 'logs'),
    },
    'service',
    scratch,
  );
}

export async function waitForHttp(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited`);
    const status = await fetch(url)
      .then(async (response) => {
        await response.arrayBuffer();
        return response.status;
      })
      .catch(() => 0);
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} not ready after 60 s`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** VmHWM (the peak resident set so far) or VmRSS (the current one) of a process, in MB. */
export async function rssMb(pid: number, which: 'VmHWM' | 'VmRSS' = 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${String(pid)}/status`, 'utf8').catch(() => '');
  const kb = new RegExp(`${which}:\\s+(\\d+) kB`).exec(status)?.[1];
  return kb === undefined ? 0 : Number(kb) / 1024;
}
