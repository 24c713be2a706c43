import type { ChaosEvent, PeerName } from './chaos-plan.js';
import type { ChaosDatabase } from './chaos-postgres.js';
import type { ChaosPeers } from './chaos-peers.js';
import type { ReplicaSet } from './replicas.js';

export type PlayedChaos = {
  faultRules: number;
  postgresRestarts: { count: number; downMs: number };
  outages: { peer: PeerName; durationMs: number }[];
};

/**
 * Performs the plan's events at their times from `startedAt`. Kills and fault rules are quick;
 * an outage or a PostgreSQL restart runs beside the rest and is awaited at the end, so when this
 * resolves every peer listens and PostgreSQL is up again.
 */
export async function playPlan(
  plan: readonly ChaosEvent[],
  targets: { replicas: ReplicaSet; peers: ChaosPeers; database: ChaosDatabase },
  startedAt: number,
  signal: AbortSignal,
  say: (line: string) => void,
): Promise<PlayedChaos> {
  const played: PlayedChaos = {
    faultRules: 0,
    postgresRestarts: { count: 0, downMs: 0 },
    outages: [],
  };
  const lasting: Promise<void>[] = [];
  const at = () => `t+${((Date.now() - startedAt) / 1000).toFixed(1)} s`;

  for (const event of plan) {
    await sleepUntil(startedAt + event.atMs, signal);
    if (signal.aborted) break;
    switch (event.kind) {
      case 'kill':
        targets.replicas.kill(event.replica);
        break;
      case 'fault':
        if (await targets.peers.addFault(event.rule).catch(() => false)) played.faultRules += 1;
        break;
      case 'peer-outage':
        lasting.push(
          (async () => {
            say(`${at()}: ${event.peer} service down (connections refused)`);
            const downAt = Date.now();
            await targets.peers.takeDown(event.peer);
            await sleepUntil(downAt + event.durationMs, signal);
            await targets.peers.bringUp(event.peer);
            played.outages.push({ peer: event.peer, durationMs: Date.now() - downAt });
            say(`${at()}: ${event.peer} service back`);
          })(),
        );
        break;
      case 'postgres-restart':
        lasting.push(
          (async () => {
            say(`${at()}: PostgreSQL stopping`);
            const stoppedAt = Date.now();
            await targets.database.restart(event.downMs);
            played.postgresRestarts.count += 1;
            played.postgresRestarts.downMs += Date.now() - stoppedAt;
            say(`${at()}: PostgreSQL up again`);
          })(),
        );
        break;
    }
  }
  await Promise.all(lasting);
  return played;
}

/** Resolves at `time` (epoch ms), or at once when the run is aborted. */
function sleepUntil(time: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, Math.max(0, time - Date.now()));
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
