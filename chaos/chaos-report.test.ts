import { describe, expect, it } from 'vitest';
import type { ChaosSummary } from './chaos-report.js';
import { chaosRows, formatChaosTable, percentile } from './chaos-report.js';
import { countByKind } from './chaos-violation.js';
import { createLoadRecord, recordAnswer } from './load-record.js';

function summary(overrides: Partial<ChaosSummary> = {}): ChaosSummary {
  const record = createLoadRecord();
  record.logical.place = 3;
  const answer = (status: number, problemType?: string) => ({ status, problemType });
  recordAnswer(record, 'place', answer(201), 100);
  recordAnswer(record, 'place', undefined, 5);
  recordAnswer(record, 'place', answer(409, '/problems/idempotency-key-in-flight'), 10);
  recordAnswer(record, 'place', answer(503), 20);
  recordAnswer(record, 'place', answer(409, '/problems/insufficient-stock'), 30);
  recordAnswer(record, 'place', answer(201), 300);
  return {
    run: { seconds: 60, replicas: 3, users: 4, seed: 9, database: 'embedded PostgreSQL 17.6' },
    record,
    kills: 12,
    restarts: 13,
    failedStarts: 1,
    crashes: 0,
    sagas: { total: 40, retried: 5 },
    postgresRestarts: { count: 1, downMs: 3_200 },
    outages: [{ peer: 'payment', durationMs: 20_004 }],
    faultRules: 99,
    settle: { isSettled: true, waitedMs: 12_345 },
    ordersByStatus: [
      ['paid', 30],
      ['failed', 4],
    ],
    notifications: { queued: 80, received: 80 },
    checked: { orders: 34, products: 7 },
    violations: [],
    ...overrides,
  };
}

const row = (s: ChaosSummary, what: string) => chaosRows(s).find(([name]) => name === what)?.[1];

describe('percentile', () => {
  it('takes the nearest rank of the sorted values', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);

    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.99)).toBe(0);
  });
});

describe('the chaos table', () => {
  it('lists answers by status, a key in flight apart, the requests that got none last', () => {
    expect(row(summary(), 'answers POST /api/orders')).toBe(
      '201: 2, 409: 1, 409 in flight: 1, 503: 1, no answer: 1',
    );
    expect(row(summary(), 'requests (HTTP, with retries)')).toBe('6');
  });

  it('takes the latency percentiles over answered requests only', () => {
    expect(row(summary(), 'latency POST /api/orders')).toBe('p99 300 ms, p50 30 ms (5 answers)');
  });

  it('says when PostgreSQL was not restarted because it is not the run’s own', () => {
    expect(row(summary({ postgresRestarts: undefined }), 'PostgreSQL restarts')).toContain(
      'external database',
    );
    expect(row(summary(), 'PostgreSQL restarts')).toBe('1 (down 3.2 s)');
  });

  it('counts violations by kind, most frequent first', () => {
    const violations = [
      { kind: 'stock', message: 'a' },
      { kind: 'notification-lost', message: 'b' },
      { kind: 'stock', message: 'c' },
    ];

    expect(countByKind(violations)).toEqual([
      ['stock', 2],
      ['notification-lost', 1],
    ]);
    expect(row(summary({ violations }), 'violations')).toBe('3: stock 2, notification-lost 1');
    expect(row(summary(), 'violations')).toBe('0');
  });

  it('prints a Markdown table whose rows line up', () => {
    const lines = formatChaosTable(summary()).split('\n');

    expect(lines[0]).toMatch(/^\| what +\| value +\|$/);
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
    expect(lines.some((line) => line.includes('| settled'))).toBe(true);
  });
});
