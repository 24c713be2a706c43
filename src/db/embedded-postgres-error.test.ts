import { describe, expect, it } from 'vitest';
import { EmbeddedPostgresError, embeddedPostgresFailure } from './embedded-postgres-error.js';

// What PostgreSQL 17's initdb and postgres print (--lc-messages=C), captured from real runs.
const portTaken = `LOG:  starting PostgreSQL 17.10 on x86_64-pc-linux-gnu
LOG:  could not bind IPv4 address "127.0.0.1": Address already in use
HINT:  Is another postmaster already running on port 45678? If not, wait a few seconds and retry.
WARNING:  could not create listen socket for "localhost"
FATAL:  could not create any TCP/IP sockets
LOG:  database system is shut down`;
const otherVersion = `FATAL:  database files are incompatible with server
DETAIL:  The data directory was initialized by PostgreSQL version 9.6, which is not compatible with this version 17.10.`;
const inUse = `FATAL:  lock file "postmaster.pid" already exists
HINT:  Is another postmaster (PID 17926) running in data directory "/srv/data/postgres"?`;
const notEmpty = `initdb: error: directory "/srv/data/postgres" exists but is not empty
initdb: hint: If you want to create a new database system, either remove or empty the directory "/srv/data/postgres" or run initdb with an argument other than "/srv/data/postgres".`;
const diskFull = `FATAL:  could not write to file "pg_wal/xlogtemp.42": No space left on device`;
const badPermissions = `FATAL:  data directory "/srv/data/postgres" has invalid permissions
DETAIL:  Permissions should be u=rwx (0700) or u=rwx,g=rx (0750).`;

const context = { dataDir: '/srv/data/postgres', port: 45678, isPortPicked: true };
const errnoError = (code: string) => Object.assign(new Error(`${code}: failed, mkdir`), { code });

describe('embeddedPostgresFailure', () => {
  it.each([
    ['port-taken', undefined, portTaken, /port 45678 on 127\.0\.0\.1 is taken/],
    ['other-major-version', undefined, otherVersion, /PostgreSQL 9\.6/],
    ['data-directory-in-use', undefined, inUse, /another PostgreSQL is running on \/srv/],
    ['not-empty', new Error('Postgres init script failed'), notEmpty, /no PG_VERSION/],
    ['disk-full', undefined, diskFull, /no space left/],
    ['disk-full', errnoError('ENOSPC'), '', /no space left/],
    ['not-writable', errnoError('EACCES'), '', /cannot be written/],
    ['not-writable', errnoError('EROFS'), '', /read-only file system/],
    ['unknown', undefined, badPermissions, /has invalid permissions/],
    ['unknown', new Error('Unsupported platform "aix"'), '', /Unsupported platform "aix"/],
    ['unknown', undefined, '', /PostgreSQL exited while starting/],
  ] as const)('names %s in one line that points to DATABASE_URL', (reason, error, output, says) => {
    const failure = embeddedPostgresFailure(error, output, context);

    expect(failure.reason).toBe(reason);
    expect(failure.message).toMatch(says);
    expect(failure.message).toMatch(/^embedded PostgreSQL did not start: .+DATABASE_URL/);
    expect(failure.message).not.toContain('\n');
  });

  it('keeps a failure already explained', () => {
    const explained = new EmbeddedPostgresError('unreachable', 'why', 'what to do');

    expect(embeddedPostgresFailure(explained, portTaken, context)).toBe(explained);
  });
});
