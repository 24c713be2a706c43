/**
 * The bench's results: one measurement per system, scenario and round; rows of their medians;
 * the service's ratios to the baselines; the printed tables with a legend line per column.
 */
import { describeUnexpected } from './bench-load.js';
import { median } from './bench-stats.js';
import { log } from './bench-processes.js';

export type Scenario = 'create' | 'get' | 'list' | 'mix';
export type SystemName =
  'bare-pg' | 'express-pg' | 'bare-saga' | 'service' | 'service-events' | 'service-otlp';

const metricKeys = [
  'requests',
  'reqPerSec',
  'p50Ms',
  'p99Ms',
  'peakRssMb',
  'cpuMsPerRequest',
  'peersCpuMsPerRequest',
  'postgresCpuMsPerRequest',
  'commitsPerRequest',
  'walSyncsPerRequest',
  'walBytesPerRequest',
  'dbQueriesPerRequest',
  'peerCallsPerRequest',
  'otlpBytesPerRequest',
  'ordersUpdatesPerRequest',
  'ordersHotUpdatesPerRequest',
  'otherDatabaseCommits',
  'eventsPerRequest',
  'eventsPerSecond',
  'eventLagP95Seconds',
  'eventLagMaxSeconds',
  'eventBacklogMax',
  'eventDrainSeconds',
  'eventsPerBatch',
  'eventConfirmMs',
  'brokerCpuMsPerRequest',
] as const;
export type MetricKey = (typeof metricKeys)[number];
export type Metrics = Partial<Record<MetricKey, number>>;

/** One measured run. */
export type Measurement = Metrics & {
  round: number;
  unexpected: Record<string, number>;
  errors: number;
};

/** Medians over the rounds; `unexpected` and `errors` summed over them. */
export type Row = Metrics & {
  system: SystemName;
  scenario: Scenario;
  rounds: number;
  unexpected: Record<string, number>;
  errors: number;
  perRound: Measurement[];
};

export type Ratio = {
  system: SystemName;
  scenario: Scenario;
  baseline: SystemName;
  /** The system's req/s over the baseline's: 0.5 = half as many. */
  reqPerSec: number;
  /** The system's p99 over the baseline's: 2 = twice as slow. */
  p99: number;
  /** The system's process CPU per request over the baseline's. */
  cpuPerRequest: number | undefined;
};

export const systemLabels: Record<SystemName, string> = {
  'bare-pg': 'bare-pg',
  'express-pg': 'express+pg',
  'bare-saga': 'bare-saga',
  service: 'service',
  'service-events': 'service+events',
  'service-otlp': 'service+otlp',
};

export type MeasuredGroup = { system: SystemName; scenario: Scenario; runs: Measurement[] };

export function rowsOf(groups: readonly MeasuredGroup[]): Row[] {
  return groups.map(({ system, scenario, runs }) => {
    const medians: Metrics = {};
    for (const metric of metricKeys) {
      const values = runs.flatMap((run) => {
        const value = run[metric];
        return value === undefined ? [] : [value];
      });
      if (values.length > 0) medians[metric] = median(values);
    }
    const unexpected: Record<string, number> = {};
    for (const run of runs) {
      for (const [what, count] of Object.entries(run.unexpected)) {
        unexpected[what] = (unexpected[what] ?? 0) + count;
      }
    }
    return {
      system,
      scenario,
      rounds: runs.length,
      ...medians,
      unexpected,
      errors: runs.reduce((sum, run) => sum + run.errors, 0),
      perRound: runs,
    };
  });
}

/** What each of the service's rows is compared with. */
const comparisons: { system: SystemName; scenario: Scenario; baselines: SystemName[] }[] = [
  { system: 'service', scenario: 'create', baselines: ['bare-saga'] },
  { system: 'service', scenario: 'get', baselines: ['bare-pg', 'express-pg'] },
  { system: 'service', scenario: 'list', baselines: ['bare-pg', 'express-pg'] },
  { system: 'service', scenario: 'mix', baselines: ['bare-saga'] },
  { system: 'service-otlp', scenario: 'create', baselines: ['bare-saga', 'service'] },
  { system: 'service-events', scenario: 'create', baselines: ['service'] },
];

export function ratiosOf(rows: readonly Row[]): Ratio[] {
  const find = (system: SystemName, scenario: Scenario) =>
    rows.find((row) => row.system === system && row.scenario === scenario);
  return comparisons.flatMap(({ system, scenario, baselines }) => {
    const row = find(system, scenario);
    if (row === undefined) return [];
    return baselines.flatMap((baseline): Ratio[] => {
      const base = find(baseline, scenario);
      if (base === undefined || !base.reqPerSec || !base.p99Ms) return [];
      return [
        {
          system,
          scenario,
          baseline,
          reqPerSec: (row.reqPerSec ?? 0) / base.reqPerSec,
          p99: (row.p99Ms ?? 0) / base.p99Ms,
          cpuPerRequest:
            row.cpuMsPerRequest === undefined || !base.cpuMsPerRequest
              ? undefined
              : row.cpuMsPerRequest / base.cpuMsPerRequest,
        },
      ];
    });
  });
}

type Column = {
  title: string;
  legend: string;
  cell: (row: Row) => string;
  alignRight?: boolean;
};

const fixed = (value: number | undefined, digits: number) => value?.toFixed(digits) ?? '';

const columns: Column[] = [
  { title: 'system', legend: 'the process under load', cell: (row) => systemLabels[row.system] },
  { title: 'scenario', legend: 'what it was asked', cell: (row) => row.scenario },
  {
    title: 'req/s',
    legend: 'completed requests a second (autocannon), median of the rounds',
    cell: (row) => fixed(row.reqPerSec, 0),
    alignRight: true,
  },
  {
    title: 'p50 ms',
    legend: 'median latency (autocannon), median of the rounds',
    cell: (row) => fixed(row.p50Ms, 0),
    alignRight: true,
  },
  {
    title: 'p99 ms',
    legend: '99th percentile latency (autocannon), median of the rounds',
    cell: (row) => fixed(row.p99Ms, 0),
    alignRight: true,
  },
  {
    title: 'RSS MiB',
    legend: "peak resident set (VmHWM) of the system's process since it started",
    cell: (row) => fixed(row.peakRssMb, 0),
    alignRight: true,
  },
  {
    title: 'CPU ms/req',
    legend: "user+system CPU of the system's process (/proc/<pid>/stat) over the run / requests",
    cell: (row) => fixed(row.cpuMsPerRequest, 2),
    alignRight: true,
  },
  {
    title: 'PG CPU ms/req',
    legend:
      'user+system CPU of the PostgreSQL server (postmaster, its processes, reaped ones) / requests',
    cell: (row) => fixed(row.postgresCpuMsPerRequest, 2),
    alignRight: true,
  },
  {
    title: 'commits/req',
    legend: "pg_stat_database.xact_commit delta of the system's database / requests",
    cell: (row) => fixed(row.commitsPerRequest, 2),
    alignRight: true,
  },
  {
    title: 'WAL syncs/req',
    legend: 'pg_stat_wal.wal_sync delta (WAL flushes to disk, whole server) / requests',
    cell: (row) => fixed(row.walSyncsPerRequest, 2),
    alignRight: true,
  },
  {
    title: 'orders HOT',
    legend:
      'pg_stat_user_tables n_tup_hot_upd / n_tup_upd deltas of orders: updates that touched no index',
    cell: (row) =>
      row.ordersUpdatesPerRequest === undefined || row.ordersUpdatesPerRequest === 0
        ? ''
        : `${fixed(((row.ordersHotUpdatesPerRequest ?? 0) / row.ordersUpdatesPerRequest) * 100, 0)} % of ${fixed(row.ordersUpdatesPerRequest, 2)}/req`,
    alignRight: true,
  },
  {
    title: 'SQL/req',
    legend: 'service: database_query_duration_seconds_count delta (/metrics) / requests',
    cell: (row) => fixed(row.dbQueriesPerRequest, 1),
    alignRight: true,
  },
  {
    title: 'peer calls/req',
    legend: 'service: external_service_requests_total delta (/metrics) / requests',
    cell: (row) => fixed(row.peerCallsPerRequest, 1),
    alignRight: true,
  },
  {
    title: 'broker CPU ms/req',
    legend:
      "service rows: CPU of the machine's RabbitMQ (beam.smp, shared with its other users) / requests",
    cell: (row) => fixed(row.brokerCpuMsPerRequest, 2),
    alignRight: true,
  },
  {
    title: 'events/req',
    legend: 'service+events: order_events_published_total delta (/metrics) / requests',
    cell: (row) => fixed(row.eventsPerRequest, 2),
    alignRight: true,
  },
  {
    title: 'events/s',
    legend: 'service+events: events the broker confirmed a second during the measured run',
    cell: (row) => fixed(row.eventsPerSecond, 0),
    alignRight: true,
  },
  {
    title: 'event lag p95/max s',
    legend:
      'service+events: age of the oldest unpublished event, sampled every 250 ms during the run',
    cell: (row) =>
      row.eventLagMaxSeconds === undefined
        ? ''
        : `${fixed(row.eventLagP95Seconds, 2)} / ${fixed(row.eventLagMaxSeconds, 2)}`,
    alignRight: true,
  },
  {
    title: '!',
    legend: 'unexpected statuses or errors, summed over the rounds (the row is then invalid)',
    cell: (row) => describeUnexpected(row).replace(/^ {2}! /, ''),
  },
];

export const columnLegend: Record<string, string> = Object.fromEntries(
  columns.map((column) => [column.title, column.legend]),
);

function printTable(titles: string[], body: string[][], alignRight: boolean[]): void {
  const widths = titles.map((title, i) =>
    Math.max(title.length, ...body.map((cells) => (cells[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (alignRight[i] === true ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  log(line(titles));
  log(
    `|${widths.map((w, i) => (alignRight[i] === true ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
  );
  for (const cells of body) log(line(cells));
}

export function printReport(
  rows: readonly Row[],
  ratios: readonly Ratio[],
  notes: readonly string[],
): void {
  log('');
  for (const column of columns) log(`${column.title.padEnd(15)} ${column.legend}`);
  log('');
  printTable(
    columns.map((column) => column.title),
    rows.map((row) => columns.map((column) => column.cell(row))),
    columns.map((column) => column.alignRight === true),
  );
  log('');
  log('Ratios of medians: req/s as % of the baseline; p99 and CPU ms/req as multiples of it.');
  printTable(
    ['system', 'scenario', 'vs', 'req/s', 'p99', 'CPU/req'],
    ratios.map((ratio) => [
      systemLabels[ratio.system],
      ratio.scenario,
      systemLabels[ratio.baseline],
      `${(ratio.reqPerSec * 100).toFixed(0)} %`,
      `${ratio.p99.toFixed(2)}×`,
      ratio.cpuPerRequest === undefined ? '' : `${ratio.cpuPerRequest.toFixed(2)}×`,
    ]),
    [false, false, false, true, true, true],
  );
  if (notes.length > 0) log('');
  for (const note of notes) log(note);
}
