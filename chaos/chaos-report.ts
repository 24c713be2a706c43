import type { ChaosViolation } from './chaos-violation.js';
import { countByKind } from './chaos-violation.js';
import type { AnswerLabel, LoadRecord } from './load-record.js';
import { endpointLabels, endpoints } from './load-record.js';

/** Everything the closing table shows; gathered by run-chaos.ts, printed by formatChaosTable. */
export type ChaosSummary = {
  run: { seconds: number; replicas: number; users: number; seed: number; database: string };
  record: LoadRecord;
  kills: number;
  restarts: number;
  /** Replicas that exited by themselves before listening (PostgreSQL down at their start). */
  failedStarts: number;
  /** Replicas that exited by themselves while serving. */
  crashes: number;
  sagas: { total: number; retried: number };
  /** undefined: the database is not the run's own, so it was not restarted. */
  postgresRestarts: { count: number; downMs: number } | undefined;
  outages: { peer: string; durationMs: number }[];
  faultRules: number;
  settle: { isSettled: boolean; waitedMs: number };
  ordersByStatus: [string, number][];
  notifications: { queued: number; received: number };
  checked: { orders: number; products: number };
  violations: ChaosViolation[];
};

/** The value at fraction `p` (0.99 for p99) of the sorted sample, nearest-rank; 0 when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** By status, `409 in flight` after the other 409s, `no answer` last. */
function answersText(answers: ReadonlyMap<AnswerLabel, number>): string {
  const rank = (label: string) => Number.parseInt(label, 10) || 1000;
  const labels = [...answers.keys()].sort((a, b) => rank(a) - rank(b) || a.length - b.length);
  return labels.length === 0
    ? 'none sent'
    : labels.map((label) => `${label}: ${String(answers.get(label) ?? 0)}`).join(', ');
}

/** The rows of the table, as [what, value]. */
export function chaosRows(summary: ChaosSummary): [string, string][] {
  const { record, run } = summary;
  const sent = endpoints.reduce(
    (total, endpoint) =>
      total + [...record.answers[endpoint].values()].reduce((sum, count) => sum + count, 0),
    0,
  );
  const logical = endpoints.map((e) => `${e} ${String(record.logical[e])}`).join(', ');
  const gaveUp = endpoints.reduce((total, endpoint) => total + record.gaveUp[endpoint], 0);
  const latencies = record.placeLatenciesMs;
  const byKind = countByKind(summary.violations);
  return [
    [
      'run',
      `${String(run.seconds)} s, ${String(run.replicas)} replicas, ${String(run.users)} users + 1 admin, seed ${String(run.seed)}, ${run.database}`,
    ],
    ['requests (logical)', logical],
    ['requests (HTTP, with retries)', String(sent)],
    ...endpoints.map((endpoint): [string, string] => [
      `answers ${endpointLabels[endpoint]}`,
      answersText(record.answers[endpoint]),
    ]),
    ['requests given up (no final answer in 60 s)', String(gaveUp)],
    ['kills (kill -9 of a replica)', String(summary.kills)],
    [
      'replica restarts',
      `${String(summary.restarts)} (${String(summary.kills)} after a kill, ${String(summary.failedStarts)} after a failed start, ${String(summary.crashes)} after a crash)`,
    ],
    [
      'sagas recovered (deferred, then finished by the recovery loop)',
      `${String(summary.sagas.retried)} of ${String(summary.sagas.total)} sagas`,
    ],
    [
      'PostgreSQL restarts',
      summary.postgresRestarts === undefined
        ? 'none: external database (--database-url), never restarted'
        : `${String(summary.postgresRestarts.count)} (down ${seconds(summary.postgresRestarts.downMs)})`,
    ],
    [
      'peer outages (connections refused)',
      summary.outages.length === 0
        ? 'none'
        : summary.outages.map((o) => `${o.peer} for ${seconds(o.durationMs)}`).join(', '),
    ],
    ['peer fault rules injected', String(summary.faultRules)],
    [
      'latency POST /api/orders',
      `p99 ${String(Math.round(percentile(latencies, 0.99)))} ms, p50 ${String(Math.round(percentile(latencies, 0.5)))} ms (${String(latencies.length)} answers)`,
    ],
    [
      'settled (no unfinished saga, outbox drained)',
      summary.settle.isSettled
        ? `yes, ${seconds(summary.settle.waitedMs)} after the load`
        : `NO, still busy ${seconds(summary.settle.waitedMs)} after the load`,
    ],
    [
      'orders by final status',
      summary.ordersByStatus.map(([status, n]) => `${status} ${String(n)}`).join(', ') || 'none',
    ],
    [
      'notifications',
      `${String(summary.notifications.queued)} queued, ${String(summary.notifications.received)} received`,
    ],
    [
      'invariants checked',
      `${String(summary.checked.orders)} orders over ${String(summary.checked.products)} products`,
    ],
    [
      'violations',
      byKind.length === 0
        ? '0'
        : `${String(summary.violations.length)}: ${byKind.map(([kind, n]) => `${kind} ${String(n)}`).join(', ')}`,
    ],
  ];
}

/** A Markdown table, so it pastes into an issue as it is. */
export function formatChaosTable(summary: ChaosSummary): string {
  const rows = chaosRows(summary);
  const width = Math.max(4, ...rows.map(([what]) => what.length));
  const valueWidth = Math.max(5, ...rows.map(([, value]) => value.length));
  const line = (what: string, value: string) =>
    `| ${what.padEnd(width)} | ${value.padEnd(valueWidth)} |`;
  return [
    line('what', 'value'),
    `| ${'-'.repeat(width)} | ${'-'.repeat(valueWidth)} |`,
    ...rows.map(([what, value]) => line(what, value)),
  ].join('\n');
}
