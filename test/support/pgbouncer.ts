import { spawn } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execFileSync } from 'node:child_process';
import { findFreePort } from '../../src/free-port.js';

export type PgBouncer = {
  /** `serverUrl` with the host and port of PgBouncer: the same database, through the pooler. */
  through(serverUrl: string): string;
  stop(): Promise<void>;
};

/**
 * Debian's PgBouncer in transaction pooling mode with its defaults otherwise, in front of the
 * PostgreSQL server of `serverUrl` (any database name). It refuses to run as root: as root it
 * runs as the `postgres` OS user, which must then be able to read its files.
 */
export async function startPgBouncer(serverUrl: string): Promise<PgBouncer> {
  const server = new URL(serverUrl);
  const port = await findFreePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'pgbouncer-'));
  await chmod(dir, 0o755);
  const user = decodeURIComponent(server.username || 'postgres');
  const password = decodeURIComponent(server.password);
  const auth = path.join(dir, 'userlist.txt');
  await writeFile(auth, `"${user}" "${password}"\n`);
  const config = path.join(dir, 'pgbouncer.ini');
  await writeFile(
    config,
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || '5432'}${password === '' ? '' : ` password=${password}`}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${String(port)}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${auth}`,
      'pool_mode = transaction',
      `logfile = ${path.join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    for (const file of [dir, auth, config]) await chown(file, uid, gid);
  }
  // A process group of its own, so that stopping it reaches PgBouncer under runuser too.
  const child = asRoot
    ? spawn('runuser', ['-u', 'postgres', '--', 'pgbouncer', config], {
        stdio: 'ignore',
        detached: true,
      })
    : spawn('pgbouncer', [config], { stdio: 'ignore', detached: true });
  const state = { exited: false };
  child.once('exit', () => {
    state.exited = true;
  });
  const until = Date.now() + 10_000;
  while (!(await isListening(port))) {
    if (state.exited || Date.now() > until) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`PgBouncer did not start on port ${String(port)}`);
    }
    await delay(50);
  }
  return {
    through(url) {
      const pooled = new URL(url);
      pooled.hostname = '127.0.0.1';
      pooled.port = String(port);
      return pooled.href;
    },
    async stop() {
      // SIGTERM: PgBouncer's immediate shutdown (SIGINT would wait for every client to leave).
      const group = -(child.pid ?? 0);
      const signal = (name: NodeJS.Signals) => {
        try {
          process.kill(group, name);
        } catch {
          // already gone
        }
      };
      signal('SIGTERM');
      const exited = new Promise((resolve) => {
        if (state.exited) resolve(undefined);
        else child.once('exit', resolve);
      });
      const kill = setTimeout(() => {
        signal('SIGKILL');
      }, 5_000);
      await exited;
      clearTimeout(kill);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

export function hasPgBouncer(): boolean {
  try {
    execFileSync('pgbouncer', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
