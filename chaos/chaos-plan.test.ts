import { describe, expect, it } from 'vitest';
import type { ChaosEvent } from './chaos-plan.js';
import { planChaos } from './chaos-plan.js';
import { seededRandom } from './seeded-random.js';

const plan = (seed: number, durationMs = 60_000, restartsPostgres = true) =>
  planChaos({ durationMs, replicas: 3, restartsPostgres, random: seededRandom(seed) });

const ofKind = <K extends ChaosEvent['kind']>(events: ChaosEvent[], kind: K) =>
  events.filter((event): event is Extract<ChaosEvent, { kind: K }> => event.kind === kind);

describe('planChaos', () => {
  it('gives the same schedule for the same seed and another for another seed', () => {
    expect(plan(7)).toEqual(plan(7));
    expect(plan(7)).not.toEqual(plan(8));
  });

  it('kills a replica every 3 to 6 s, each kill naming one of the replicas', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const kills = ofKind(plan(seed), 'kill');

      const gaps = kills.slice(1).map((kill, i) => kill.atMs - (kills[i]?.atMs ?? 0));
      expect(kills.length).toBeGreaterThanOrEqual(9);
      expect(kills[0]?.atMs).toBeLessThanOrEqual(6_000);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(3_000);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(6_000);
      expect(kills.every((kill) => [0, 1, 2].includes(kill.replica))).toBe(true);
    }
  });

  it('has one 20 s peer outage and one PostgreSQL restart after it, both inside the run', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const events = plan(seed);

      const [outage, ...otherOutages] = ofKind(events, 'peer-outage');
      const [restart, ...otherRestarts] = ofKind(events, 'postgres-restart');
      expect(otherOutages).toEqual([]);
      expect(otherRestarts).toEqual([]);
      expect(outage?.durationMs).toBe(20_000);
      expect(restart?.atMs).toBeGreaterThan((outage?.atMs ?? 0) + (outage?.durationMs ?? 0));
      expect((restart?.atMs ?? 0) + (restart?.downMs ?? 0)).toBeLessThan(60_000);
    }
  });

  it('shortens the outage in a short run and leaves PostgreSQL alone when it is not ours', () => {
    const events = plan(3, 30_000, false);

    expect(ofKind(events, 'peer-outage')[0]?.durationMs).toBe(10_500);
    expect(ofKind(events, 'postgres-restart')).toEqual([]);
  });

  it('feeds one-call fault rules on stock, charge, refund and notify all through the run', () => {
    const faults = ofKind(plan(11), 'fault');

    expect(faults.length).toBeGreaterThan(60);
    expect(new Set(faults.map((fault) => fault.rule.operation))).toEqual(
      new Set(['decreaseStock', 'increaseStock', 'charge', 'refund', 'notify']),
    );
    expect(new Set(faults.map((fault) => fault.rule.mode))).toEqual(
      new Set(['latency', 'error', 'process-then-error', 'process-then-hang']),
    );
    expect(faults.at(-1)?.atMs).toBeLessThan(60_000);
  });

  it('keeps its events in time order', () => {
    const times = plan(5).map((event) => event.atMs);

    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('refuses a run shorter than 30 s', () => {
    expect(() => plan(1, 29_999)).toThrow(RangeError);
  });
});
