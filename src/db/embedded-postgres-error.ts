import { errorCodeOf } from './pool.js';

/**
 * Why the embedded PostgreSQL did not start, as one line for the person at the terminal: the
 * cause and what to do, always naming DATABASE_URL as the way out. The failure is in the machine
 * (a port, a disk, a directory), not in our code, so the message is the whole report; the
 * underlying error stays in `cause`.
 */
export class EmbeddedPostgresError extends Error {
  constructor(
    readonly reason: EmbeddedFailureReason,
    cause: string,
    remedy: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      `embedded PostgreSQL did not start: ${oneLine(cause)}; ${oneLine(remedy)}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'EmbeddedPostgresError';
  }
}

export type EmbeddedFailureReason =
  | 'port-taken'
  | 'data-directory-in-use'
  | 'other-major-version'
  | 'disk-full'
  | 'not-writable'
  | 'not-empty'
  | 'unreachable'
  | 'binaries-cannot-run'
  | 'no-postgres-user'
  | 'unknown';

export const useOwnServer = 'set DATABASE_URL to use a PostgreSQL server of your own';

export type EmbeddedStartContext = {
  /** Where the cluster's files are (after any move out of reach of the postgres OS user). */
  dataDir: string;
  port: number;
  /** true: the port was picked free a moment before, so starting again picks another. */
  isPortPicked: boolean;
};

/**
 * The known failures, recognised from the error and what initdb and postgres printed
 * (`--lc-messages=C`, so the texts are PostgreSQL's English ones). Anything else keeps the
 * server's own FATAL line, or the error's message.
 */
export function embeddedPostgresFailure(
  error: unknown,
  serverOutput: string,
  context: EmbeddedStartContext,
): EmbeddedPostgresError {
  if (error instanceof EmbeddedPostgresError) return error;
  const { dataDir, port } = context;
  const message = error instanceof Error ? error.message : '';
  const text = `${message}\n${serverOutput}`;
  const code = errorCodeOf(error);
  const failure = (reason: EmbeddedFailureReason, cause: string, remedy: string) =>
    new EmbeddedPostgresError(reason, cause, `${remedy}, or ${useOwnServer}`, { cause: error });

  if (code === 'ENOSPC' || /No space left on device/i.test(text)) {
    return failure('disk-full', `no space left on the disk of ${dataDir}`, 'free some space');
  }
  if (/Address already in use|could not create any TCP\/IP sockets/.test(text)) {
    return failure(
      'port-taken',
      `port ${port} on 127.0.0.1 is taken by another process`,
      context.isPortPicked ? 'start again to pick another free port' : `free port ${port}`,
    );
  }
  if (/lock file "postmaster\.pid" already exists/.test(text)) {
    return failure(
      'data-directory-in-use',
      `another PostgreSQL is running on ${dataDir} (its postmaster.pid is there)`,
      'stop it, or the other Order Service that started it',
    );
  }
  const version = /initialized by PostgreSQL version ([\d.]+)/.exec(text)?.[1];
  if (version !== undefined || /database files are incompatible with server/.test(text)) {
    return otherMajorVersion(dataDir, version ?? 'another version', undefined, error);
  }
  if (/exists but is not empty/.test(text)) {
    return failure(
      'not-empty',
      `${dataDir} is not empty but holds no PostgreSQL data (no PG_VERSION)`,
      'empty or remove it',
    );
  }
  if (code === 'EROFS' || /Read-only file system/i.test(text)) {
    return failure('not-writable', `${dataDir} is on a read-only file system`, 'move it');
  }
  if (code === 'EACCES' || code === 'EPERM' || /Permission denied/i.test(text)) {
    return failure(
      'not-writable',
      `${dataDir} cannot be written (permission denied)`,
      'give its owner write access',
    );
  }
  const serverSays = /(?:FATAL|PANIC|initdb: error):\s*(.+)/.exec(serverOutput)?.[1];
  return new EmbeddedPostgresError(
    'unknown',
    serverSays ?? (message === '' ? 'PostgreSQL exited while starting' : message),
    useOwnServer,
    { cause: error },
  );
}

/** A data directory made by another PostgreSQL major version than the embedded one. */
export function otherMajorVersion(
  dataDir: string,
  found: string,
  embedded: string | undefined,
  error?: unknown,
): EmbeddedPostgresError {
  const ours = embedded === undefined ? 'the embedded one' : `the embedded one is ${embedded}`;
  return new EmbeddedPostgresError(
    'other-major-version',
    `${dataDir} holds data of PostgreSQL ${found}, ${ours}`,
    `move that directory away to start afresh, or set DATABASE_URL to a PostgreSQL ${found} server holding it`,
    { cause: error },
  );
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();
