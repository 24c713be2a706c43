/**
 * One round of one system: a fresh database (seeded), fresh trivial peers, the system in its own
 * process (and, for the tracing row, a fresh OTLP sink; for the events row, a consumer of its
 * exchange), then per scenario a warm-up and the measured run, with the resources it used read
 * before and after (resource-usage.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Load, OrderTargets } from './bench-load.js';
import {
  createRequest,
  describeUnexpected,
  getRequest,
  listRequest,
  mixOf,
  runLoad,
} from './bench-load.js';
import { freshDatabase, listUsers, seedListUsers } from './bench-database.js';
import type { OtlpSink } from './bench-processes.js';
import {
  freePort,
  log,
  otlpSinkStats,
  rssMb,
  spawnChild,
  spawnService,
  startOtlpSink,
  startTrivialPeers,
  stopChild,
  systemEnv,
  trivialProductIds,
  waitForHttp,
} from './bench-processes.js';
import type { Measurement, MetricKey, Metrics, Scenario, SystemName } from './bench-report.js';
import { systemLabels } from './bench-report.js';
import {
  brokerCpuMs,
  checkEvents,
  eventsEnv,
  sampleEventLag,
  startEventConsumer,
  waitForDrain,
} from './order-events.js';
import type { PostgresProbe, PostgresSnapshot } from './resource-usage.js';
import { processCpuMs, statisticsDelayMs } from './resource-usage.js';

export type RoundOptions = {
  adminUrl: string;
  scratch: string;
  probe: PostgresProbe;
  round: number;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Node options for the service (--cpu-prof). */
  serviceNodeOptions: readonly string[];
};

/** The tracing row: the standard OTel variables, 10 % of root traces sampled, OTLP/HTTP. */
export const tracingSampleRatio = 0.1;
const tracingEnv = (endpoint: string) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: String(tracingSampleRatio),
});

const createUsers = { first: 1001, count: 2000 }; // create spreads over users 1001..3000

const isService = (name: SystemName) =>
  name === 'service' || name === 'service-otlp' || name === 'service-events';

type Snapshot = {
  cpuMs: number | undefined;
  peersCpuMs: number | undefined;
  postgres: PostgresSnapshot;
  counters: Counters | undefined;
  otlpBytes: number | undefined;
  brokerCpuMs: number | undefined;
};

export async function measureRound(
  name: SystemName,
  scenarios: readonly Scenario[],
  options: RoundOptions,
): Promise<Map<Scenario, Measurement>> {
  log(`\n== ${systemLabels[name]}, round ${String(options.round)}`);
  const database = `bench_${name.replace(/\W/g, '_')}`;
  const databaseUrl = await freshDatabase(options.adminUrl, database);
  const seeded = await seedListUsers(databaseUrl);
  const peers = await startTrivialPeers(options.scratch);
  const sink = name === 'service-otlp' ? await startOtlpSink(options.scratch) : undefined;
  const consumer = name === 'service-events' ? await startEventConsumer() : undefined;
  const port = await freePort();
  const env = {
    ...systemEnv(port, databaseUrl, peers),
    ...(sink === undefined ? {} : tracingEnv(sink.url)),
    ...(consumer === undefined ? {} : eventsEnv),
  };
  const server = isService(name)
    ? spawnService(env, options.scratch, options.serviceNodeOptions)
    : spawnChild(['--import', 'tsx', `bench/${name}.ts`], env, name, options.scratch);
  const pid = server.pid ?? 0;
  const baseUrl = `http://127.0.0.1:${String(port)}`;
  const results = new Map<Scenario, Measurement>();
  const snapshot = async (): Promise<Snapshot> => ({
    cpuMs: await processCpuMs(pid),
    peersCpuMs: await processCpuMs(peers.child.pid ?? 0),
    postgres: await options.probe.snapshot(database),
    counters: isService(name) ? await scrapeCounters(baseUrl) : undefined,
    otlpBytes: sink === undefined ? undefined : await sinkBytes(sink),
    brokerCpuMs: name === 'service' || consumer !== undefined ? await brokerCpuMs() : undefined,
  });
  try {
    await waitForHttp(`${baseUrl}${isService(name) ? '/health/ready' : '/health'}`, server);
    for (const scenario of scenarios) {
      const load = loadFor(scenario, seeded);
      const run = { connections: options.connections };
      await runLoad(baseUrl, load, options.warmupSeconds, run);
      // The measured run starts with no backlog of events from the warm-up.
      if (consumer !== undefined) await waitForDrain(databaseUrl);
      // Lets the warm-up's statistics reach pg_stat_* and its background work finish.
      await sleep(statisticsDelayMs);
      const before = await snapshot();
      const lagSampler = consumer === undefined ? undefined : sampleEventLag(databaseUrl);
      const measured = await runLoad(baseUrl, load, options.durationSeconds, run);
      const lag = await lagSampler?.stop();
      const publishedByEnd = consumer === undefined ? undefined : await scrapeCounters(baseUrl);
      // The events of the run's last creates, before the counters are read again.
      const drain = consumer === undefined ? undefined : await waitForDrain(databaseUrl);
      await sleep(statisticsDelayMs);
      const after = await snapshot();
      const measurement: Measurement = {
        round: options.round,
        requests: measured.requests,
        reqPerSec: measured.reqPerSec,
        p50Ms: measured.p50Ms,
        p99Ms: measured.p99Ms,
        peakRssMb: await rssMb(pid),
        unexpected: { ...measured.unexpected },
        errors: measured.errors,
        ...perRequest(before, after, measured.requests),
      };
      if (sink !== undefined && measurement.otlpBytesPerRequest === 0) {
        measurement.unexpected['no spans exported'] = 1;
      }
      if (consumer !== undefined && lag !== undefined && drain !== undefined) {
        Object.assign(measurement, relayMetrics(before.counters, publishedByEnd, options), {
          eventLagP95Seconds: lag.p95Seconds,
          eventLagMaxSeconds: lag.maxSeconds,
          eventBacklogMax: lag.backlogMax,
          eventDrainSeconds: drain.seconds,
        });
        await checkEvents(measurement, {
          lag,
          drain,
          consumer,
          published: after.counters?.eventsPublished ?? 0,
        });
      }
      results.set(scenario, measurement);
      log(`  ${scenario.padEnd(7)} ${describe(measurement)}`);
    }
  } finally {
    await stopChild(server);
    await stopChild(peers.child);
    if (sink !== undefined) await stopChild(sink.child);
    await consumer?.close();
  }
  return results;
}

/** The relay during the measured run: events confirmed a second, per batch, and confirm time. */
function relayMetrics(
  start: Counters | undefined,
  end: Counters | undefined,
  options: RoundOptions,
): Metrics {
  if (start === undefined || end === undefined) return {};
  const published = end.eventsPublished - start.eventsPublished;
  const confirms = end.confirms - start.confirms;
  return {
    eventsPerSecond: published / options.durationSeconds,
    ...(confirms > 0 && {
      eventsPerBatch: published / confirms,
      eventConfirmMs: ((end.confirmSeconds - start.confirmSeconds) / confirms) * 1000,
    }),
  };
}

function perRequest(before: Snapshot, after: Snapshot, requests: number): Metrics {
  const metrics: Metrics = {
    otherDatabaseCommits: after.postgres.otherCommits - before.postgres.otherCommits,
  };
  const set = (key: MetricKey, from: number | undefined, to: number | undefined) => {
    if (from !== undefined && to !== undefined && requests > 0) {
      metrics[key] = (to - from) / requests;
    }
  };
  set('cpuMsPerRequest', before.cpuMs, after.cpuMs);
  set('peersCpuMsPerRequest', before.peersCpuMs, after.peersCpuMs);
  set('postgresCpuMsPerRequest', before.postgres.cpuMs, after.postgres.cpuMs);
  set('commitsPerRequest', before.postgres.commits, after.postgres.commits);
  set('walSyncsPerRequest', before.postgres.walSyncs, after.postgres.walSyncs);
  set('walBytesPerRequest', before.postgres.walBytes, after.postgres.walBytes);
  set('ordersUpdatesPerRequest', before.postgres.ordersUpdates, after.postgres.ordersUpdates);
  set(
    'ordersHotUpdatesPerRequest',
    before.postgres.ordersHotUpdates,
    after.postgres.ordersHotUpdates,
  );
  set('dbQueriesPerRequest', before.counters?.queries, after.counters?.queries);
  set('peerCallsPerRequest', before.counters?.peerCalls, after.counters?.peerCalls);
  set('otlpBytesPerRequest', before.otlpBytes, after.otlpBytes);
  set('brokerCpuMsPerRequest', before.brokerCpuMs, after.brokerCpuMs);
  if (after.counters?.eventsPublished) {
    set('eventsPerRequest', before.counters?.eventsPublished, after.counters.eventsPublished);
  }
  return metrics;
}

function describe(m: Measurement): string {
  const part = (value: number | undefined, digits: number, unit: string) =>
    value === undefined ? '' : `  ${value.toFixed(digits)} ${unit}`;
  return (
    `${(m.reqPerSec ?? 0).toFixed(0).padStart(6)} req/s  p50 ${String(m.p50Ms)} ms  p99 ${String(m.p99Ms)} ms  ` +
    `RSS ${(m.peakRssMb ?? 0).toFixed(0)} MiB` +
    part(m.cpuMsPerRequest, 2, 'CPU ms/req') +
    part(m.postgresCpuMsPerRequest, 2, 'PG CPU ms/req') +
    part(m.commitsPerRequest, 2, 'commits/req') +
    part(m.walSyncsPerRequest, 2, 'WAL syncs/req') +
    part(m.dbQueriesPerRequest, 1, 'SQL/req') +
    part(m.peerCallsPerRequest, 1, 'peer calls/req') +
    part(m.otlpBytesPerRequest, 0, 'OTLP B/req') +
    part(m.brokerCpuMsPerRequest, 2, 'broker CPU ms/req') +
    part(m.eventsPerSecond, 0, 'events/s') +
    part(m.eventLagP95Seconds, 2, 's lag p95') +
    part(m.eventLagMaxSeconds, 2, 's lag max') +
    part(m.eventBacklogMax, 0, 'backlog max') +
    part(m.eventDrainSeconds, 1, 's to drain') +
    part(m.eventsPerBatch, 1, 'events/batch') +
    part(m.eventConfirmMs, 1, 'ms/confirm') +
    describeUnexpected(m)
  );
}

function loadFor(scenario: Scenario, seeded: OrderTargets): Load {
  const create = createRequest(trivialProductIds, createUsers);
  const get = getRequest(seeded);
  switch (scenario) {
    case 'create':
      return { setup: create };
    case 'get':
      return { setup: get };
    case 'list':
      return { setup: listRequest(Array.from({ length: listUsers }, (_, i) => i + 1)) };
    case 'mix':
      return { setup: mixOf(get, create) };
  }
}

async function sinkBytes(sink: OtlpSink): Promise<number> {
  return (await otlpSinkStats(sink)).bytes;
}

type Counters = {
  queries: number;
  peerCalls: number;
  eventsPublished: number;
  /** Batches the relay published, and the seconds their confirms took in all. */
  confirms: number;
  confirmSeconds: number;
};

/** Totals of the service's statement, peer-call and published-event counters, from GET /metrics. */
async function scrapeCounters(baseUrl: string): Promise<Counters> {
  const text = await fetch(`${baseUrl}/metrics`)
    .then((response) => response.text())
    .catch(() => '');
  const sum = (metric: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(metric))
      .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  return {
    queries: sum('database_query_duration_seconds_count'),
    peerCalls: sum('external_service_requests_total'),
    eventsPublished: sum('order_events_published_total'),
    confirms: sum('order_event_confirm_duration_seconds_count'),
    confirmSeconds: sum('order_event_confirm_duration_seconds_sum'),
  };
}
