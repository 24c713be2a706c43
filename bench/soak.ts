/**
 * `npm run bench:soak` (`npm run bench -- --soak [--soak-seconds=N]`): does the service hold
 * on to memory under steady load? The 80/20 get/create mix at a fixed 100 requests a second
 * (a fraction of what the service can do here, so the machine is not saturated) for 300 s,
 * after a 30 s warm-up at the same rate. The heap is read after a full GC, through the
 * inspector (inspector-session.ts), after the warm-up, every 30 s and at the end; so are the
 * rows of sagas, saga_log and outbox, which the retention job (saga/retention.ts), given ages
 * of 30 s here instead of days, keeps flat.
 */
import pg from 'pg';
import type { LoadResult } from './bench-load.js';
import { createRequest, describeUnexpected, getRequest, mixOf, runLoad } from './bench-load.js';
import { freshDatabase, seedListUsers } from './bench-database.js';
import {
  createProducts,
  freePort,
  log,
  outputFileOf,
  rssMb,
  spawnService,
  startSandboxProcess,
  stopChild,
  systemEnv,
  waitForHttp,
} from './bench-processes.js';
import { inspectorUrlFrom, openInspector } from './inspector-session.js';

export type SoakOptions = { adminUrl: string; scratch: string; seconds: number };

/** Orders keep growing; the rest should not. */
type TableRows = { orders: number; sagas: number; sagaLog: number; outbox: number };

type Sample = {
  atSeconds: number;
  heapUsedMb: number;
  heapTotalMb: number;
  rssMb: number;
  tableRows: TableRows;
};

const ratePerSecond = 100;
const connections = 10;
const warmupSeconds = 30;
const sampleEverySeconds = 30;
const targetGrowthPercent = 10;
const mb = (bytes: number) => bytes / 2 ** 20;
/** Finished sagas and sent notifications are deleted once this old, checked every 5 s. */
const retentionAgeSeconds = 30;
const retention = {
  RETENTION_INTERVAL_MS: '5000',
  RETENTION_SAGAS_DAYS: String(retentionAgeSeconds / 86_400),
  RETENTION_OUTBOX_DAYS: String(retentionAgeSeconds / 86_400),
};

export async function runSoak(options: SoakOptions): Promise<{
  ratePerSecond: number;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  load: LoadResult;
  samples: Sample[];
  retentionAgeSeconds: number;
  heapGrowthPercent: number;
  isHeapGrowthUnderTarget: boolean;
  failed: boolean;
}> {
  log(
    `\n== service, soak: 80/20 get/create at ${String(ratePerSecond)} req/s, ` +
      `${String(connections)} connections, warm-up ${String(warmupSeconds)} s, ${String(options.seconds)} s measured`,
  );
  const databaseUrl = await freshDatabase(options.adminUrl, 'bench_soak');
  const seeded = await seedListUsers(databaseUrl);
  const sandbox = await startSandboxProcess(options.scratch);
  const productIds = await createProducts(sandbox.productUrl);
  const port = await freePort();
  const server = spawnService(
    { ...systemEnv(port, databaseUrl, sandbox), ...retention },
    options.scratch,
    ['--inspect=127.0.0.1:0'],
  );
  const database = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  const baseUrl = `http://127.0.0.1:${String(port)}`;
  const load = {
    setup: mixOf(getRequest(seeded), createRequest(productIds, { first: 1001, count: 2000 })),
  };
  const loadOptions = { connections, overallRate: ratePerSecond };
  const samples: Sample[] = [];
  let result: LoadResult;
  try {
    await waitForHttp(`${baseUrl}/health/ready`, server);
    const inspector = await openInspector(
      await inspectorUrlFrom(outputFileOf(options.scratch, 'service')),
    );
    try {
      const sample = async (atSeconds: number) => {
        const heap = await inspector.heapAfterFullGc();
        const taken = {
          atSeconds,
          heapUsedMb: mb(heap.usedBytes),
          heapTotalMb: mb(heap.totalBytes),
          rssMb: await rssMb(server.pid ?? 0, 'VmRSS'),
          tableRows: await countRows(database),
        };
        samples.push(taken);
        log(
          `  ${String(atSeconds).padStart(4)} s  heap used ${taken.heapUsedMb.toFixed(1)} MB ` +
            `(of ${taken.heapTotalMb.toFixed(1)})  RSS ${taken.rssMb.toFixed(0)} MB  ` +
            describeRows(taken.tableRows),
        );
      };
      await runLoad(baseUrl, load, warmupSeconds, loadOptions);
      await sample(0);
      const started = Date.now();
      const loading = runLoad(baseUrl, load, options.seconds, loadOptions);
      const finished = loading.then(() => 'finished' as const);
      for (let at = sampleEverySeconds; at < options.seconds; at += sampleEverySeconds) {
        const tick = sleep(started + at * 1000 - Date.now()).then(() => 'tick' as const);
        if ((await Promise.race([finished, tick])) === 'finished') break;
        await sample(at);
      }
      result = await loading;
      await sample(Math.round((Date.now() - started) / 1000));
    } finally {
      // A process exits only once its debugger has gone.
      await inspector.close();
    }
  } finally {
    await database.end();
    await stopChild(server);
    await stopChild(sandbox.child);
  }

  const first = samples[0];
  const last = samples.at(-1);
  const heapGrowthPercent =
    first === undefined || last === undefined
      ? NaN
      : ((last.heapUsedMb - first.heapUsedMb) / first.heapUsedMb) * 100;
  const isHeapGrowthUnderTarget = heapGrowthPercent < targetGrowthPercent;
  log(
    `\n  load: ${result.requests.toLocaleString('en')} requests, ${result.reqPerSec.toFixed(0)} req/s, ` +
      `p50 ${String(result.p50Ms)} ms, p99 ${String(result.p99Ms)} ms${describeUnexpected(result)}`,
  );
  log(
    `  heap used after full GC: ${first?.heapUsedMb.toFixed(1) ?? '?'} MB → ` +
      `${last?.heapUsedMb.toFixed(1) ?? '?'} MB, ${heapGrowthPercent >= 0 ? '+' : ''}` +
      `${heapGrowthPercent.toFixed(1)} % (target < ${String(targetGrowthPercent)} %: ` +
      `${isHeapGrowthUnderTarget ? 'met' : 'NOT met'})`,
  );
  log(
    `  rows (retention after ${String(retentionAgeSeconds)} s): ${describeRows(first?.tableRows)} → ` +
      describeRows(last?.tableRows),
  );
  return {
    ratePerSecond,
    connections,
    warmupSeconds,
    seconds: options.seconds,
    load: result,
    samples,
    retentionAgeSeconds,
    heapGrowthPercent,
    isHeapGrowthUnderTarget,
    failed: Object.keys(result.unexpected).length > 0 || result.errors > 0,
  };
}

const describeRows = (rows: TableRows | undefined) =>
  rows === undefined
    ? '?'
    : `orders ${String(rows.orders)}, sagas ${String(rows.sagas)}, ` +
      `saga_log ${String(rows.sagaLog)}, outbox ${String(rows.outbox)}`;

async function countRows(database: pg.Pool): Promise<TableRows> {
  const { rows } = await database.query<TableRows>(
    `select (select count(*) from orders)::int as "orders",
       (select count(*) from sagas)::int as "sagas",
       (select count(*) from saga_log)::int as "sagaLog",
       (select count(*) from outbox)::int as "outbox"`,
  );
  return rows[0] ?? { orders: NaN, sagas: NaN, sagaLog: NaN, outbox: NaN };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
