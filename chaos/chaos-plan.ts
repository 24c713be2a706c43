import type { Random } from './seeded-random.js';

/**
 * What happens when during a chaos run, decided up front from the seed: kills, the PostgreSQL
 * restart, the peer outage and the fault rules fed to the sandbox. Pure, so a seed names one
 * schedule and the schedule's shape is unit-tested (chaos-plan.test.ts).
 */

export type PeerName = 'product' | 'payment' | 'notification';

export type FaultOperation = 'decreaseStock' | 'increaseStock' | 'charge' | 'refund' | 'notify';

/** A sandbox fault rule (sandbox/README.md, "Control API"), always for one call (`count: 1`). */
export type FaultRule =
  | { operation: FaultOperation; mode: 'latency'; latencyMs: number; count: 1 }
  | {
      operation: FaultOperation;
      mode: 'error' | 'process-then-error' | 'process-then-hang';
      status: number;
      count: 1;
    };

export type ChaosEvent =
  | { atMs: number; kind: 'kill'; replica: number }
  | { atMs: number; kind: 'postgres-restart'; downMs: number }
  | { atMs: number; kind: 'peer-outage'; peer: PeerName; durationMs: number }
  | { atMs: number; kind: 'fault'; rule: FaultRule };

export type PlanOptions = {
  durationMs: number;
  replicas: number;
  /** False with an external PostgreSQL (`--database-url`): it is not ours to restart. */
  restartsPostgres: boolean;
  random: Random;
};

export const minimumDurationMs = 30_000;
const killGapMs = { min: 3_000, max: 6_000 };
const faultGapMs = { min: 300, max: 900 };
const outageMs = 20_000;
const postgresDownMs = { min: 2_000, max: 4_000 };

const faultOperations = [
  'decreaseStock',
  'charge',
  'refund',
  'increaseStock',
  'notify',
] as const satisfies readonly FaultOperation[];
const peerNames = ['product', 'payment', 'notification'] as const satisfies readonly PeerName[];

/** The run's events in time order; every one falls inside the run. */
export function planChaos(options: PlanOptions): ChaosEvent[] {
  const { durationMs, random } = options;
  if (durationMs < minimumDurationMs) {
    throw new RangeError(`a chaos run lasts at least ${String(minimumDurationMs / 1000)} s`);
  }
  const events: ChaosEvent[] = [];

  // The outage starts a fifth of the way in and lasts 20 s (less in a short run), so the run
  // has load before it and after it.
  const outage = {
    atMs: Math.round(durationMs * 0.2),
    durationMs: Math.min(outageMs, Math.round(durationMs * 0.35)),
  };
  events.push({ kind: 'peer-outage', peer: random.pick(peerNames), ...outage });

  // The PostgreSQL restart comes after the outage, never during it: each shows on its own.
  if (options.restartsPostgres) {
    const earliest = outage.atMs + outage.durationMs + 2_000;
    events.push({
      kind: 'postgres-restart',
      atMs: Math.max(earliest, Math.round(durationMs * (0.55 + random.next() * 0.1))),
      downMs: random.int(postgresDownMs.min, postgresDownMs.max),
    });
  }

  for (let at = random.int(killGapMs.min, killGapMs.max); at < durationMs - 1_000;) {
    events.push({ kind: 'kill', atMs: at, replica: random.int(0, options.replicas - 1) });
    at += random.int(killGapMs.min, killGapMs.max);
  }

  for (let at = random.int(faultGapMs.min, faultGapMs.max); at < durationMs;) {
    events.push({ kind: 'fault', atMs: at, rule: faultRule(random) });
    at += random.int(faultGapMs.min, faultGapMs.max);
  }

  return events.sort((a, b) => a.atMs - b.atMs);
}

function faultRule(random: Random): FaultRule {
  const operation = random.pick(faultOperations);
  const mode = random.pick([
    'latency',
    'error',
    'process-then-error',
    'process-then-hang',
  ] as const);
  if (mode === 'latency') {
    // Some answers come after the service's 1 s peer timeout: the call's outcome is unknown.
    return { operation, mode, latencyMs: random.int(200, 2_500), count: 1 };
  }
  return { operation, mode, status: random.pick([500, 502, 503] as const), count: 1 };
}
