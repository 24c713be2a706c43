/**
 * `npm run bench [-- --quick] [-- --rounds=N]`: the Order Service against its baselines, one
 * system at a time, each in its own process, on the same PostgreSQL, with trivial peers
 * (trivial-peers.ts) in their own process, a fresh one per system and round:
 *   bare-pg      node:http + pg, the service's SQL in one statement a request (bare-pg.ts);
 *   express+pg   Express 5 + pg, the same get and list (express-pg.ts);
 *   bare-saga    bare-pg's create plus the peer fan-out (bare-saga.ts);
 *   service      the service as `npm start` runs it (tracing on, exporting nothing);
 *   service+events the same with EVENTS_BROKER_URL: order events published to RabbitMQ
 *                (BENCH_AMQP_URL, else the machine's), on an exchange of this run that a consumer
 *                here drains, with the relay's lag sampled during the run (order-events.ts);
 *   service+otlp the same, exporting 10 % of traces to a local OTLP sink (otlp-sink.ts).
 * Load comes from autocannon in this process: 50 connections, a warm-up, then the measured run;
 * each system and scenario is measured --rounds times (default 3, --quick 1), the systems taking
 * turns, and the table shows the medians. Besides speed: CPU of the system's process and of
 * PostgreSQL, commits and WAL syncs, per request (resource-usage.ts). Prints the tables with a
 * legend and writes them as JSON to bench/results/<timestamp>.json.
 *
 * Every system runs on BENCH_NODE when set (a path to node: the runtime we ship is Node 24, the
 * machines may run 20), else on the node running this script.
 *
 * Uses BENCH_DATABASE_URL when set (a server where it may create databases), otherwise an
 * embedded PostgreSQL in a temporary directory. Every response's status is checked: a row whose
 * requests did not all answer as expected is flagged, never silently averaged in.
 *
 * --only=<system,…> and --scenarios=<scenario,…> narrow the run (a profile of one path).
 *
 * Two other modes, one at a time, on the service alone (with the sandbox peers):
 *   --growth  get, list and create before and after seeding 1,000,000 orders, and the plans of
 *             the list queries at that size (bench/growth.ts);
 *   --soak    the 80/20 get/create mix at a fixed rate for 300 s (--soak-seconds=N), sampling the
 *             heap after a full GC every 30 s (bench/soak.ts).
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { format } from 'prettier';
import { startDatabase } from './bench-database.js';
import { killChildren, log, systemNode } from './bench-processes.js';
import type { MeasuredGroup, Ratio, Row, Scenario, SystemName } from './bench-report.js';
import { columnLegend, printReport, ratiosOf, rowsOf, systemLabels } from './bench-report.js';
import { runGrowth } from './growth.js';
import { measureRound, tracingSampleRatio } from './measure-system.js';
import { openPostgresProbe } from './resource-usage.js';
import type { PostgresProbe } from './resource-usage.js';
import { runSoak } from './soak.js';

const quick = process.argv.includes('--quick');
const growth = process.argv.includes('--growth');
const soak = process.argv.includes('--soak');
/** --keep: leave the scratch directory (servers' output, the service's log files) in place. */
/** --cpu-prof: run the service under --cpu-prof (profiles kept in the scratch directory). */
const cpuProf = process.argv.includes('--cpu-prof');
const keep = cpuProf || process.argv.includes('--keep');
const connections = 50;
const systemsNodeVersion = spawnSync(systemNode, ['--version'], { encoding: 'utf8' }).stdout.trim();
const warmupSeconds = quick ? 3 : 5;
const durationSeconds = quick ? 5 : 15;

const systems: { name: SystemName; scenarios: Scenario[] }[] = [
  { name: 'bare-pg', scenarios: ['create', 'get', 'list'] },
  { name: 'express-pg', scenarios: ['get', 'list'] },
  { name: 'bare-saga', scenarios: ['create', 'mix'] },
  { name: 'service', scenarios: ['create', 'get', 'list', 'mix'] },
  { name: 'service-events', scenarios: ['create'] },
  { name: 'service-otlp', scenarios: ['create'] },
];

async function main(): Promise<void> {
  const soakSeconds = numberOption('soak-seconds') ?? 300;
  const mode = growth ? 'growth' : soak ? 'soak' : quick ? 'quick' : 'full';
  if (growth && soak) throw new Error('--growth and --soak run one at a time');
  const rounds = numberOption('rounds') ?? (quick ? 1 : 3);
  log(
    mode === 'soak'
      ? `bench: soak, ${String(soakSeconds)} s`
      : `bench: ${mode} run, ${String(connections)} connections, warm-up ${String(warmupSeconds)} s, ${String(durationSeconds)} s measured` +
          (growth ? '' : `, ${String(rounds)} round(s)`),
  );
  log('building the service (npm run build)…');
  const build = spawnSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');

  const scratch = await mkdtemp(path.join(tmpdir(), 'order-bench-'));
  await chmod(scratch, 0o755);
  const database = await startDatabase(scratch);
  let results: Record<string, unknown> = {};
  let failed = false;
  try {
    log(`PostgreSQL ${database.version}; systems run on Node ${systemsNodeVersion}`);
    if (growth) {
      const report = await runGrowth({
        adminUrl: database.adminUrl,
        scratch,
        connections,
        warmupSeconds,
        durationSeconds,
      });
      results = { warmupSeconds, durationSeconds, connections, ...report };
      failed = report.failed;
    } else if (soak) {
      const report = await runSoak({ adminUrl: database.adminUrl, scratch, seconds: soakSeconds });
      results = { ...report };
      failed = report.failed;
    } else {
      const report = await benchSystems(database.adminUrl, scratch, rounds);
      results = { connections, warmupSeconds, durationSeconds, ...report };
      failed = report.rows.some((row) => Object.keys(row.unexpected).length > 0 || row.errors > 0);
    }
  } finally {
    killChildren();
    await database.stop();
    if (keep) log(`kept ${scratch} (servers' output and logs)`);
    else await rm(scratch, { recursive: true, force: true });
  }

  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? '',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    systemsNode: systemsNodeVersion,
    postgres: database.version,
  };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const suffix = growth || soak ? `-${mode}` : '';
  const file = path.join('bench', 'results', `${stamp}${suffix}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  // Formatted as `prettier --check .` (npm run check) expects of a committed result.
  await writeFile(
    file,
    await format(
      JSON.stringify({ at: new Date().toISOString(), mode, machine, ...results }, null, 2),
      { parser: 'json' },
    ),
  );
  log(`\nwritten to ${file}`);
  if (failed) process.exitCode = 1;
}

function numberOption(name: string): number | undefined {
  const value = process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new Error(`--${name} must be a positive whole number`);
  return Number(value);
}

async function benchSystems(
  adminUrl: string,
  scratch: string,
  rounds: number,
): Promise<{
  rounds: number;
  legend: Record<string, string>;
  postgresSettings: Record<string, string>;
  rows: Row[];
  ratios: Ratio[];
  notes: string[];
}> {
  const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
  const onlyScenarios = process.argv
    .find((arg) => arg.startsWith('--scenarios='))
    ?.slice('--scenarios='.length)
    .split(',');
  const chosen = systems
    .filter((system) => only === undefined || only.split(',').includes(system.name))
    .map((system) => ({
      ...system,
      scenarios: system.scenarios.filter((s) => onlyScenarios?.includes(s) ?? true),
    }))
    .filter((system) => system.scenarios.length > 0);
  const probe = await openPostgresProbe(adminUrl);
  const groups: MeasuredGroup[] = chosen.flatMap(({ name, scenarios }) =>
    scenarios.map((scenario) => ({ system: name, scenario, runs: [] })),
  );
  try {
    // The systems take turns round by round, so a slow spell of the machine spreads over all.
    for (let round = 1; round <= rounds; round += 1) {
      for (const { name, scenarios } of chosen) {
        const measured = await measureRound(name, scenarios, {
          adminUrl,
          scratch,
          probe,
          round,
          connections,
          warmupSeconds,
          durationSeconds,
          serviceNodeOptions: cpuProf
            ? ['--cpu-prof', `--cpu-prof-dir=${path.join(scratch, 'profiles')}`]
            : [],
        });
        for (const group of groups) {
          const measurement = group.system === name ? measured.get(group.scenario) : undefined;
          if (measurement !== undefined) group.runs.push(measurement);
        }
      }
    }
  } finally {
    await probe.close();
  }
  const rows = rowsOf(groups);
  const ratios = ratiosOf(rows);
  const notes = notesOn(rows, probe);
  printReport(rows, ratios, notes);
  return {
    rounds,
    legend: {
      ...columnLegend,
      'service+otlp': `the service exporting traces over OTLP/HTTP to a local sink, OTEL_TRACES_SAMPLER=parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG=${String(tracingSampleRatio)}`,
      peersCpuMsPerRequest: 'user+system CPU of the trivial peers process over the run / requests',
      walBytesPerRequest: 'pg_stat_wal.wal_bytes delta (whole server) / requests',
      otlpBytesPerRequest: 'service+otlp: bytes the OTLP sink received during the run / requests',
      otherDatabaseCommits:
        'commits in other databases during the run: load on the server that is not the bench’s',
      ratios: 'system / baseline, of the medians: reqPerSec, p99 and cpuPerRequest',
    },
    postgresSettings: probe.settings,
    rows,
    ratios,
    notes,
  };
}

/** What a reader of the table must know to trust it, or not. */
function notesOn(rows: readonly Row[], probe: PostgresProbe): string[] {
  const notes: string[] = [];
  const invalid = rows.filter((row) => Object.keys(row.unexpected).length > 0 || row.errors > 0);
  if (invalid.length > 0) {
    notes.push(`${String(invalid.length)} row(s) had unexpected statuses or errors: see "!".`);
  }
  if (probe.postmasterPid === undefined) {
    notes.push('PG CPU: the PostgreSQL server is not a process of this machine: not measured.');
  }
  const { fsync = '?', wal_sync_method: method = '?' } = probe.settings;
  const writing = rows.filter((row) => row.scenario === 'create' || row.scenario === 'mix');
  if (writing.length > 0 && writing.every((row) => !row.walSyncsPerRequest)) {
    notes.push(
      `WAL syncs: pg_stat_wal.wal_sync did not move (fsync=${fsync}, wal_sync_method=${method}: ` +
        'it counts only fdatasync/fsync calls when fsync is on), so that column says nothing.',
    );
  }
  const noisy = rows.filter((row) => (row.otherDatabaseCommits ?? 0) > 0);
  if (noisy.length > 0) {
    const most = Math.max(...noisy.map((row) => row.otherDatabaseCommits ?? 0));
    notes.push(
      `Other databases on the server committed during ${String(noisy.length)} row(s)' runs ` +
        `(up to ${most.toFixed(0)} commits, median of rounds): PG CPU and WAL syncs are ` +
        'server-wide and include that load; commits/req is per database and does not.',
    );
  }
  notes.push(
    'By construction bare-pg makes 1 statement a request; bare-saga 2 statements and 5 peer ' +
      'calls a create (2 GET product, 2 stock decreases, 1 charge) and delivers no notifications.',
  );
  notes.push(
    `${systemLabels['service-otlp']}: ${String(tracingSampleRatio * 100)} % of traces exported ` +
      'over OTLP/HTTP to a local sink (otlp-sink.ts).',
  );
  notes.push(...eventNotes(rows));
  return notes;
}

/** Issue 15's targets: create within 10 % with the broker on; the relay's lag under 1 s. */
function eventNotes(rows: readonly Row[]): string[] {
  const find = (system: SystemName) =>
    rows.find((row) => row.system === system && row.scenario === 'create');
  const off = find('service');
  const on = find('service-events');
  if (on === undefined) return [];
  const verdict = (isMet: boolean) => (isMet ? 'met' : 'MISSED');
  const worstLag = Math.max(0, ...on.perRound.map((run) => run.eventLagMaxSeconds ?? 0));
  const notes = [
    `${systemLabels['service-events']}: events published to RabbitMQ (exchange of this run, ` +
      `drained by a consumer here); lag sampled every 250 ms: p95 ` +
      `${(on.eventLagP95Seconds ?? 0).toFixed(2)} s, max ${worstLag.toFixed(2)} s over the rounds ` +
      `(target < 1 s: ${verdict(worstLag < 1)}); ${(on.eventsPerSecond ?? 0).toFixed(0)} events/s ` +
      `in batches of ${(on.eventsPerBatch ?? 0).toFixed(1)}, each confirmed in ` +
      `${(on.eventConfirmMs ?? 0).toFixed(1)} ms (medians of the rounds).`,
  ];
  if (off?.reqPerSec !== undefined && on.reqPerSec !== undefined) {
    const ratio = on.reqPerSec / off.reqPerSec;
    const perRound = on.perRound.flatMap((run) => {
      const paired = off.perRound.find((each) => each.round === run.round);
      return paired?.reqPerSec && run.reqPerSec
        ? [`${((run.reqPerSec / paired.reqPerSec) * 100).toFixed(0)} %`]
        : [];
    });
    notes.push(
      `Create with events on: ${on.reqPerSec.toFixed(0)} req/s against ${off.reqPerSec.toFixed(0)} ` +
        `off, ${(ratio * 100).toFixed(0)} % (target ≥ 90 %: ${verdict(ratio >= 0.9)}); ` +
        `round by round ${perRound.join(', ')}.`,
    );
  }
  return notes;
}

await main();
