import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { findFreePort } from '../src/free-port.js';

/**
 * The service's replicas: each `src/main.ts` in its own process, started as
 * test/support/service-process.ts starts it (tsx's hook, the tracing entry imported first), on a
 * port of its own that it keeps across kills. A replica that dies is started again on that port:
 * at once after our `kill -9`; after a second when it exited by itself, which is counted — as a
 * failed start when it never listened (it started while PostgreSQL was down and could not
 * migrate: it exits 1, as under an orchestrator that restarts it), else as a crash.
 */
export type ReplicaSet = {
  urls: readonly string[];
  /** `kill -9` of one replica; its successor is spawned as soon as it is gone. */
  kill(index: number): void;
  /** Resolves once every replica answers 200 on /health/ready. */
  waitUntilReady(timeoutMs: number): Promise<void>;
  /** Kills them all for good. */
  stop(): Promise<void>;
  /** The same, without waiting: for the runner's own `exit`. */
  killAllNow(): void;
  stats(): ReplicaStats;
};

export type ReplicaStats = {
  kills: number;
  /** Processes started after the first ones: one per kill, one per unexpected exit. */
  restarts: number;
  unexpectedExits: { replica: number; exit: string; hadStarted: boolean; lastLine: string }[];
};

type Slot = { index: number; port: number; child: ChildProcess | undefined; isKilled: boolean };

const unexpectedExitPauseMs = 1_000;

export async function startReplicas(
  count: number,
  env: Record<string, string>,
  scratch: string,
  signal: AbortSignal,
): Promise<ReplicaSet> {
  const slots: Slot[] = [];
  for (let index = 0; index < count; index += 1) {
    slots.push({ index, port: await findFreePort(), child: undefined, isKilled: false });
  }
  const stats: ReplicaStats = { kills: 0, restarts: 0, unexpectedExits: [] };
  // On Ctrl-C the replicas get the SIGINT too and exit: they are not started again.
  let isStopping = signal.aborted;
  signal.addEventListener(
    'abort',
    () => {
      isStopping = true;
    },
    { once: true },
  );
  const logOf = (slot: Slot) => path.join(scratch, `replica-${String(slot.index)}.log`);

  const spawnReplica = (slot: Slot): void => {
    const logFile = logOf(slot);
    const offset = existsSync(logFile) ? statSync(logFile).size : 0;
    const output = openSync(logFile, 'a');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', './src/observability/instrument.ts', 'src/main.ts'],
      { env: { ...env, PORT: String(slot.port) }, stdio: ['ignore', output, output] },
    );
    closeSync(output);
    slot.child = child;
    child.once('exit', (code, exitSignal) => {
      slot.child = undefined;
      if (isStopping) return;
      if (slot.isKilled) {
        slot.isKilled = false;
        stats.restarts += 1;
        spawnReplica(slot);
        return;
      }
      const printed = readFileSync(logFile).subarray(offset).toString('utf8');
      stats.unexpectedExits.push({
        replica: slot.index,
        exit: exitSignal ?? `code ${String(code)}`,
        hadStarted: printed.includes('Order Service listening on port'),
        lastLine: lastLineOf(printed),
      });
      setTimeout(() => {
        if (isStopping || slot.child !== undefined) return;
        stats.restarts += 1;
        spawnReplica(slot);
      }, unexpectedExitPauseMs);
    });
  };
  for (const slot of slots) spawnReplica(slot);

  return {
    urls: slots.map((slot) => `http://127.0.0.1:${String(slot.port)}`),
    kill: (index) => {
      const slot = slots[index];
      if (slot?.child === undefined || slot.isKilled) return;
      slot.isKilled = true;
      stats.kills += 1;
      slot.child.kill('SIGKILL');
    },
    waitUntilReady: async (timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      for (const slot of slots) {
        const url = `http://127.0.0.1:${String(slot.port)}/health/ready`;
        while (!(await isReady(url))) {
          if (Date.now() > deadline) {
            const printed = existsSync(logOf(slot)) ? readFileSync(logOf(slot), 'utf8') : '';
            throw new Error(
              `replica ${String(slot.index)} not ready after ${String(timeoutMs)} ms: ${lastLineOf(printed)}`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    },
    stop: async () => {
      isStopping = true;
      await Promise.all(
        slots.map(async (slot) => {
          const { child } = slot;
          if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          await exited;
        }),
      );
    },
    killAllNow: () => {
      isStopping = true;
      for (const slot of slots) slot.child?.kill('SIGKILL');
    },
    stats: () => ({ ...stats, unexpectedExits: [...stats.unexpectedExits] }),
  };
}

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

function lastLineOf(printed: string): string {
  return (printed.trimEnd().split('\n').at(-1) ?? '').slice(0, 400);
}
