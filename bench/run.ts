/**
 * `npm run bench [-- --quick]`: the Order Service against two baselines (bare-pg.ts and
 * bare-saga.ts), one system at a time, each in its own process, on the same PostgreSQL and with
 * the sandbox peers in their own process (a fresh one per system). Load comes from autocannon in
 * this process: 50 connections, a warm-up, then the measured run. Prints one table and writes
 * it as JSON to bench/results/<timestamp>.json.
 *
 * Uses BENCH_DATABASE_URL when set (a server where it may create databases), otherwise an
 * embedded PostgreSQL in a temporary directory. Every response's status is checked: a row whose
 * requests did not all answer as expected is flagged, never silently averaged in.
 *
 * Two other modes, one at a time, on the service alone:
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
import type { OrderTargets } from './bench-load.js';
import {
  createRequest,
  describeUnexpected,
  getRequest,
  listRequest,
  mixOf,
  runLoad,
} from './bench-load.js';
import type { Load } from './bench-load.js';
import { freshDatabase, listUsers, seedListUsers, startDatabase } from './bench-database.js';
import {
  createProducts,
  freePort,
  killChildren,
  log,
  rssMb,
  spawnChild,
  spawnService,
  startSandboxProcess,
  stopChild,
  systemEnv,
  waitForHttp,
} from './bench-processes.js';
import { runGrowth } from './growth.js';
import { runSoak } from './soak.js';

const quick = process.argv.includes('--quick');
const growth = process.argv.includes('--growth');
const soak = process.argv.includes('--soak');
/** --keep: leave the scratch directory (servers' output, the service's log files) in place. */
/** --cpu-prof: run the service under --cpu-prof (profiles kept in the scratch directory). */
const cpuProf = process.argv.includes('--cpu-prof');
const keep = cpuProf || process.argv.includes('--keep');
const connections = 50;
const warmupSeconds = quick ? 3 : 5;
const durationSeconds = quick ? 5 : 15;
const createUsers = { first: 1001, count: 2000 }; // create spreads over users 1001..3000

type Scenario = 'create' | 'get' | 'list' | 'mix';
type SystemName = 'service' | 'bare-pg' | 'bare-saga';
type Row = {
  system: SystemName;
  scenario: Scenario;
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number;
  unexpected: Record<string, number>;
  errors: number;
  /** Service only, from its /metrics: statements and peer calls (background work included). */
  dbQueriesPerRequest?: number;
  peerCallsPerRequest?: number;
  ratio?: number;
};

const systems: { name: SystemName; scenarios: Scenario[] }[] = [
  { name: 'bare-pg', scenarios: ['create', 'get', 'list'] },
  { name: 'bare-saga', scenarios: ['create', 'mix'] },
  { name: 'service', scenarios: ['create', 'get', 'list', 'mix'] },
];

async function main(): Promise<void> {
  const soakSeconds = numberOption('soak-seconds') ?? 300;
  const mode = growth ? 'growth' : soak ? 'soak' : quick ? 'quick' : 'full';
  if (growth && soak) throw new Error('--growth and --soak run one at a time');
  log(
    mode === 'soak'
      ? `bench: soak, ${String(soakSeconds)} s`
      : `bench: ${mode} run, ${String(connections)} connections, warm-up ${String(warmupSeconds)} s, ${String(durationSeconds)} s measured`,
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
    log(`PostgreSQL ${database.version}`);
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
      const rows = await benchSystems(database.adminUrl, scratch);
      results = { connections, warmupSeconds, durationSeconds, rows };
      failed = rows.some((row) => Object.keys(row.unexpected).length > 0 || row.errors > 0);
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

async function benchSystems(adminUrl: string, scratch: string): Promise<Row[]> {
  const rows: Row[] = [];
  const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
  for (const system of systems) {
    if (only !== undefined && !only.split(',').includes(system.name)) continue;
    rows.push(...(await benchSystem(system.name, system.scenarios, adminUrl, scratch)));
  }
  for (const row of rows) {
    const baseline =
      row.system !== 'service'
        ? undefined
        : row.scenario === 'get' || row.scenario === 'list'
          ? rows.find((r) => r.system === 'bare-pg' && r.scenario === row.scenario)
          : rows.find((r) => r.system === 'bare-saga' && r.scenario === row.scenario);
    if (baseline !== undefined && baseline.reqPerSec > 0) {
      row.ratio = row.reqPerSec / baseline.reqPerSec;
    }
  }
  printTable(rows);
  const invalid = rows.filter((row) => Object.keys(row.unexpected).length > 0 || row.errors > 0);
  if (invalid.length > 0) {
    log(`\n${String(invalid.length)} row(s) had unexpected statuses or errors: see the "!" column`);
  }
  return rows;
}

async function benchSystem(
  name: SystemName,
  scenarios: Scenario[],
  adminUrl: string,
  scratch: string,
): Promise<Row[]> {
  log(`\n== ${name}`);
  const databaseUrl = await freshDatabase(adminUrl, `bench_${name.replace('-', '_')}`);
  const seeded = await seedListUsers(databaseUrl);
  const sandbox = await startSandboxProcess(scratch);
  const productIds = await createProducts(sandbox.productUrl);
  const port = await freePort();
  const env = systemEnv(port, databaseUrl, sandbox);
  const server =
    name === 'service'
      ? spawnService(
          env,
          scratch,
          cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.join(scratch, 'profiles')}`] : [],
        )
      : spawnChild(['--import', 'tsx', `bench/${name}.ts`], env, name, scratch);
  const baseUrl = `http://127.0.0.1:${String(port)}`;
  const rows: Row[] = [];
  try {
    await waitForHttp(`${baseUrl}${name === 'service' ? '/health/ready' : '/health'}`, server);
    for (const scenario of scenarios) {
      const load = loadFor(scenario, seeded, productIds);
      await runLoad(baseUrl, load, warmupSeconds, { connections });
      const before = name === 'service' ? await scrapeCounters(baseUrl) : undefined;
      const measured = await runLoad(baseUrl, load, durationSeconds, { connections });
      const after = name === 'service' ? await scrapeCounters(baseUrl) : undefined;
      const row: Row = {
        system: name,
        scenario,
        requests: measured.requests,
        reqPerSec: measured.reqPerSec,
        p50Ms: measured.p50Ms,
        p99Ms: measured.p99Ms,
        peakRssMb: await rssMb(server.pid ?? 0),
        unexpected: measured.unexpected,
        errors: measured.errors,
      };
      if (before !== undefined && after !== undefined && measured.requests > 0) {
        row.dbQueriesPerRequest = (after.queries - before.queries) / measured.requests;
        row.peerCallsPerRequest = (after.peerCalls - before.peerCalls) / measured.requests;
      }
      rows.push(row);
      log(
        `  ${scenario.padEnd(7)} ${row.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${String(row.p50Ms)} ms  p99 ${String(row.p99Ms)} ms  ` +
          `RSS ${row.peakRssMb.toFixed(0)} MB` +
          (row.dbQueriesPerRequest === undefined
            ? ''
            : `  ${row.dbQueriesPerRequest.toFixed(1)} SQL + ${(row.peerCallsPerRequest ?? 0).toFixed(1)} peer calls/request`) +
          describeUnexpected(row),
      );
    }
  } finally {
    await stopChild(server);
    await stopChild(sandbox.child);
  }
  return rows;
}

function loadFor(scenario: Scenario, seeded: OrderTargets, productIds: number[]): Load {
  const create = createRequest(productIds, createUsers);
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

/** Totals of the service's statement and peer-call counters, from GET /metrics. */
async function scrapeCounters(baseUrl: string): Promise<{ queries: number; peerCalls: number }> {
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
  };
}

// ---- output --------------------------------------------------------------------------------

function printTable(rows: readonly Row[]): void {
  const header = [
    'system',
    'scenario',
    'req/s',
    'p50 ms',
    'p99 ms',
    'peak RSS MB',
    'SQL/req',
    'peer calls/req',
    'vs baseline',
    '!',
  ];
  const body = rows.map((row) => [
    row.system,
    row.scenario,
    row.reqPerSec.toFixed(0),
    String(row.p50Ms),
    String(row.p99Ms),
    row.peakRssMb.toFixed(0),
    row.dbQueriesPerRequest?.toFixed(1) ?? '',
    row.peerCallsPerRequest?.toFixed(1) ?? '',
    row.ratio === undefined
      ? ''
      : `${(row.ratio * 100).toFixed(0)} % of ${row.scenario === 'get' || row.scenario === 'list' ? 'bare-pg' : 'bare-saga'}`,
    describeUnexpected(row).replace(/^ {2}! /, ''),
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...body.map((cells) => (cells[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i >= 2 && i <= 7 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  log('');
  log(
    'SQL/req and peer calls/req: the service’s own counters (/metrics), background work included.',
  );
  log('By construction bare-pg makes 1 statement a request; bare-saga 2 statements and 5 peer');
  log('calls a create (2 GET product, 2 stock decreases, 1 charge) and delivers no notifications.');
  log('');
  log(line(header));
  log(
    `|${widths.map((w, i) => (i >= 2 && i <= 7 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
  );
  for (const cells of body) log(line(cells));
}

await main();
