import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMetrics } from './metrics.js';

const pool = () => ({ total: 4, idle: 3, waiting: 1 });

afterEach(() => {
  vi.useRealTimers();
});

describe('metrics read at scrape', () => {
  it('fills the saga, outbox and pool gauges from one query each per scrape', async () => {
    const unfinishedSagas = vi.fn(() =>
      Promise.resolve([
        { kind: 'place', step: 'charge', inFlight: 2, stuck: 1, needsAttention: 0 },
      ]),
    );
    const outboxBacklog = vi.fn(() => Promise.resolve({ undelivered: 5, oldestAgeSeconds: 42.5 }));
    const { registry } = createMetrics({ unfinishedSagas, outboxBacklog, pool });

    const text = await registry.metrics();

    expect(text).toMatch(/^sagas_in_flight\{kind="place",step="charge"\} 2$/m);
    expect(text).toMatch(/^sagas_stuck\{kind="place",step="charge"\} 1$/m);
    expect(text).toMatch(/^outbox_undelivered_events 5$/m);
    expect(text).toMatch(/^outbox_oldest_undelivered_age_seconds 42.5$/m);
    expect(text).toMatch(/^database_pool_connections 4$/m);
    expect(text).toMatch(/^database_pool_idle_connections 3$/m);
    expect(text).toMatch(/^database_pool_waiting_clients 1$/m);
    expect(unfinishedSagas).toHaveBeenCalledTimes(1);
    expect(outboxBacklog).toHaveBeenCalledTimes(1);
  });

  it('still answers when the database fails or hangs: the gauges say unknown, failures counted', async () => {
    vi.useFakeTimers();
    const { registry } = createMetrics({
      unfinishedSagas: () => Promise.reject(new Error('connection refused')),
      outboxBacklog: () => new Promise(() => undefined),
      pool,
    });

    const scrape = registry.metrics();
    await vi.advanceTimersByTimeAsync(2000);
    const text = await scrape;

    expect(text).not.toMatch(/^sagas_in_flight\{/m);
    expect(text).toMatch(/^outbox_undelivered_events nan$/im);
    expect(text).toMatch(/^outbox_oldest_undelivered_age_seconds nan$/im);
    expect(text).toMatch(/^metrics_collect_failures_total\{source="sagas"\} 1$/m);
    expect(text).toMatch(/^metrics_collect_failures_total\{source="outbox"\} 1$/m);
    expect(text).toMatch(/^database_pool_connections 4$/m);
  });

  it('drops a saga series once no saga is left at that step', async () => {
    let rows = [{ kind: 'cancel', step: 'refund', inFlight: 1, stuck: 0, needsAttention: 0 }];
    const { registry } = createMetrics({
      unfinishedSagas: () => Promise.resolve(rows),
      outboxBacklog: () => Promise.resolve({ undelivered: 0, oldestAgeSeconds: 0 }),
      pool,
    });
    expect(await registry.metrics()).toMatch(/^sagas_in_flight\{kind="cancel",step="refund"\} 1$/m);

    rows = [];

    expect(await registry.metrics()).not.toMatch(/^sagas_in_flight\{/m);
  });
});
