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
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import type { ClientContext, RequestSpec } from 'autocannon';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { migrate } from '../src/db/migrate.js';

const quick = process.argv.includes('--quick');
/** --keep: leave the scratch directory (servers' output, the service's log files) in place. */
/** --cpu-prof: run the service under --cpu-prof (profiles kept in the scratch directory). */
const cpuProf = process.argv.includes('--cpu-prof');
const keep = cpuProf || process.argv.includes('--keep');
let scratchDir = '';
const connections = 50;
const warmupSeconds = quick ? 3 : 5;
const durationSeconds = quick ? 5 : 15;
const jwtSecret = 'bench-jwt-secret-0123456789-abcdefghijkl'; // 40 characters
const listUsers = 100; // users 1..100 each own 200 seeded orders
const ordersPerListUser = 200;
const createUsers = 2000; // create spreads over users 1001..3000
const productCount = 10;
const address = { street: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };

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

const children = new Set<ChildProcess>();
// However the harness ends, no server or sandbox outlives it.
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  log(
    `bench: ${quick ? 'quick' : 'full'} run, ${connections} connections, warm-up ${warmupSeconds} s, ${durationSeconds} s measured`,
  );
  log('building the service (npm run build)…');
  const build = spawnSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');

  const scratch = await mkdtemp(path.join(tmpdir(), 'order-bench-'));
  await chmod(scratch, 0o755);
  scratchDir = scratch;
  const given = process.env.BENCH_DATABASE_URL;
  const embedded =
    given === undefined
      ? await startEmbeddedPostgres({
          dataDir: path.join(scratch, 'pg'),
          database: 'postgres',
          persistent: false,
        })
      : undefined;
  const adminUrl = given ?? embedded?.connectionString ?? '';
  const rows: Row[] = [];
  let postgresVersion = '';
  try {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    postgresVersion =
      (await admin.query<{ v: string }>('select current_setting($1) as v', ['server_version']))
        .rows[0]?.v ?? '';
    await admin.end();
    log(`PostgreSQL ${postgresVersion}${embedded ? ' (embedded)' : ''}`);
    const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
    for (const system of systems) {
      if (only !== undefined && !only.split(',').includes(system.name)) continue;
      rows.push(...(await benchSystem(system.name, system.scenarios, adminUrl, scratch)));
    }
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await embedded?.stop();
    if (keep) log(`kept ${scratch} (servers' output and logs)`);
    else await rm(scratch, { recursive: true, force: true });
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
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? '',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: `${postgresVersion}${embedded ? ' (embedded)' : ''}`,
  };
  printTable(rows);
  const invalid = rows.filter((row) => Object.keys(row.unexpected).length > 0 || row.errors > 0);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join('bench', 'results', `${stamp}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        mode: quick ? 'quick' : 'full',
        connections,
        warmupSeconds,
        durationSeconds,
        machine,
        rows,
      },
      null,
      2,
    )}\n`,
  );
  log(`\nwritten to ${file}`);
  if (invalid.length > 0) {
    log(`\n${invalid.length} row(s) had unexpected statuses or errors: see the "!" column`);
    process.exitCode = 1;
  }
}

async function benchSystem(
  name: SystemName,
  scenarios: Scenario[],
  adminUrl: string,
  scratch: string,
): Promise<Row[]> {
  log(`\n== ${name}`);
  const databaseUrl = await freshDatabase(adminUrl, `bench_${name.replace('-', '_')}`);
  const seeded = await seed(databaseUrl);
  const sandbox = await startSandboxProcess();
  const productIds = await createProducts(sandbox.productUrl);
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    PRODUCT_SERVICE_URL: sandbox.productUrl,
    PAYMENT_SERVICE_URL: sandbox.paymentUrl,
    NOTIFICATION_SERVICE_URL: sandbox.notificationUrl,
  };
  const server =
    name === 'service'
      ? spawnChild(
          [
            ...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.join(scratch, 'profiles')}`] : []),
            '--import',
            './dist/src/observability/instrument.js',
            'dist/src/main.js',
          ],
          {
            ...env,
            NODE_ENV: 'production',
            JWT_SECRET: jwtSecret,
            LOG_LEVEL: 'info',
            LOG_DIR: path.join(scratch, 'logs'),
          },
          name,
        )
      : spawnChild(['--import', 'tsx', `bench/${name}.ts`], env, name);
  const baseUrl = `http://127.0.0.1:${String(port)}`;
  const rows: Row[] = [];
  try {
    await waitForHttp(`${baseUrl}${name === 'service' ? '/health/ready' : '/health'}`, server);
    for (const scenario of scenarios) {
      const load = loadFor(scenario, seeded, productIds);
      await runLoad(baseUrl, load, warmupSeconds);
      const before = name === 'service' ? await scrapeCounters(baseUrl) : undefined;
      const measured = await runLoad(baseUrl, load, durationSeconds);
      const after = name === 'service' ? await scrapeCounters(baseUrl) : undefined;
      const row: Row = {
        system: name,
        scenario,
        requests: measured.requests,
        reqPerSec: measured.reqPerSec,
        p50Ms: measured.p50Ms,
        p99Ms: measured.p99Ms,
        peakRssMb: await peakRssMb(server.pid ?? 0),
        unexpected: measured.unexpected,
        errors: measured.errors,
      };
      if (before !== undefined && after !== undefined && measured.requests > 0) {
        row.dbQueriesPerRequest = (after.queries - before.queries) / measured.requests;
        row.peerCallsPerRequest = (after.peerCalls - before.peerCalls) / measured.requests;
      }
      rows.push(row);
      log(
        `  ${scenario.padEnd(7)} ${row.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${row.p50Ms} ms  p99 ${row.p99Ms} ms  ` +
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

// ---- load ----------------------------------------------------------------------------------

type Load = {
  setup: (context: ClientContext) => RequestSpec & { expect: number };
};

type Seeded = { orderIds: number[]; owners: number[] };

function loadFor(scenario: Scenario, seeded: Seeded, productIds: number[]): Load {
  const create = (): RequestSpec & { expect: number } => {
    const user = 1001 + Math.floor(Math.random() * createUsers);
    const first = Math.floor(Math.random() * productIds.length);
    const second =
      (first + 1 + Math.floor(Math.random() * (productIds.length - 1))) % productIds.length;
    return {
      method: 'POST',
      path: '/api/orders',
      headers: { ...authHeaders(user), 'Content-Type': 'application/json' },
      body: JSON.stringify({
        items: [
          { productId: productIds[first], quantity: 1 },
          { productId: productIds[second], quantity: 1 },
        ],
        shippingAddress: address,
        paymentMethod: 'pm_card_visa',
      }),
      expect: 201,
    };
  };
  const get = (): RequestSpec & { expect: number } => {
    const i = Math.floor(Math.random() * seeded.orderIds.length);
    return {
      method: 'GET',
      path: `/api/orders/${String(seeded.orderIds[i])}`,
      headers: authHeaders(seeded.owners[i] ?? 1),
      expect: 200,
    };
  };
  const list = (): RequestSpec & { expect: number } => ({
    method: 'GET',
    path: '/api/orders?limit=20',
    headers: authHeaders(1 + Math.floor(Math.random() * listUsers)),
    expect: 200,
  });
  switch (scenario) {
    case 'create':
      return { setup: create };
    case 'get':
      return { setup: get };
    case 'list':
      return { setup: list };
    case 'mix':
      return { setup: () => (Math.random() < 0.8 ? get() : create()) };
  }
}

async function runLoad(baseUrl: string, load: Load, seconds: number) {
  const unexpected: Record<string, number> = {};
  let completed = 0;
  const instance = autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        setupRequest: (_request, context) => {
          const { expect, ...spec } = load.setup(context);
          context.expect = expect;
          return { ...spec, body: spec.body ?? '' };
        },
        onResponse: (status, _body, context) => {
          completed += 1;
          if (status !== context.expect) {
            const key = `${String(context.expect)}→${String(status)}`;
            unexpected[key] = (unexpected[key] ?? 0) + 1;
          }
        },
      },
    ],
  });
  const result = await instance;
  return {
    requests: completed,
    reqPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    unexpected,
    errors: result.errors + result.timeouts,
  };
}

const tokens = new Map<number, string>();
function authHeaders(user: number): Record<string, string> {
  let token = tokens.get(user);
  if (token === undefined) {
    token = signJwt(user);
    tokens.set(user, token);
  }
  return { Authorization: `Bearer ${token}`, 'X-User-Id': String(user) };
}

function signJwt(user: number): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({
    sub: String(user),
    role: 'user',
    exp: Math.floor(Date.now() / 1000) + 3600,
  })}`;
  return `${unsigned}.${createHmac('sha256', jwtSecret).update(unsigned).digest('base64url')}`;
}

// ---- database ------------------------------------------------------------------------------

async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Migrates, then gives users 1..100 200 paid orders each (2 items), spread over the last days. */
async function seed(databaseUrl: string): Promise<Seeded> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    await migrate(pool);
    await pool.query(
      `insert into orders (user_id, status, total_amount, currency, shipping_address, payment_id,
         created_at, updated_at)
       select u, 'paid', 25.98, 'USD', $1::jsonb, 'pay_seed_' || u || '_' || n,
         now() - make_interval(mins => n), now() - make_interval(mins => n)
       from generate_series(1, $2::int) u, generate_series(1, $3::int) n`,
      [JSON.stringify(address), listUsers, ordersPerListUser],
    );
    await pool.query(
      `insert into order_items (order_id, product_id, quantity, price, created_at)
       select o.id, p, 1, 12.99, o.created_at from orders o, generate_series(1, 2) p`,
    );
    await pool.query('analyze');
    const { rows } = await pool.query<{ id: string; user_id: string }>(
      'select id::text, user_id::text from orders order by id',
    );
    return { orderIds: rows.map((r) => Number(r.id)), owners: rows.map((r) => Number(r.user_id)) };
  } finally {
    await pool.end();
  }
}

// ---- processes -----------------------------------------------------------------------------

function spawnChild(args: string[], env: Record<string, string>, name: string): ChildProcess {
  // Output goes to a file, not through a pipe into this process, which also drives the load.
  const outputFile = path.join(scratchDir, `${name}.out`);
  const output = openSync(outputFile, 'a');
  const child = spawn(process.execPath, args, {
    env,
    stdio: ['ignore', name === 'sandbox' ? 'pipe' : output, output],
  });
  closeSync(output);
  children.add(child);
  child.once('exit', (code, signal) => {
    children.delete(child);
    if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGKILL') {
      const tail = readFileSync(outputFile, 'utf8').slice(-4000);
      process.stderr.write(`${name} exited (${String(code ?? signal)}):\n${tail}\n`);
    }
  });
  return child;
}

async function startSandboxProcess() {
  const child = spawnChild(
    ['--import', 'tsx', 'bench/sandbox-process.ts'],
    {
      PATH: process.env.PATH ?? '',
    },
    'sandbox',
  );
  const line = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const end = buffered.indexOf('\n');
      if (end >= 0) resolve(buffered.slice(0, end));
    });
    child.once('exit', () => {
      reject(new Error('the sandbox did not start'));
    });
  });
  const urls = JSON.parse(line) as {
    productUrl: string;
    paymentUrl: string;
    notificationUrl: string;
  };
  return { child, ...urls };
}

async function createProducts(productUrl: string): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < productCount; i += 1) {
    const response = await fetch(`${productUrl}/__sandbox/products`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ price: '12.99', stock: 1_000_000_000 }),
    });
    const product = (await response.json()) as { id: number };
    ids.push(product.id);
  }
  return ids;
}

async function waitForHttp(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited`);
    const status = await fetch(url)
      .then(async (response) => {
        await response.arrayBuffer();
        return response.status;
      })
      .catch(() => 0);
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} not ready after 60 s`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const found = server.address();
      const port = typeof found === 'object' && found !== null ? found.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
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

/** VmHWM: the process's peak resident set so far, in MB. */
async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${String(pid)}/status`, 'utf8').catch(() => '');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? 0 : Number(kb) / 1024;
}

// ---- output --------------------------------------------------------------------------------

function describeUnexpected(row: Row): string {
  const parts = Object.entries(row.unexpected).map(([key, count]) => `${key} ×${String(count)}`);
  if (row.errors > 0) parts.push(`errors/timeouts ×${String(row.errors)}`);
  return parts.length === 0 ? '' : `  ! ${parts.join(', ')}`;
}

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
