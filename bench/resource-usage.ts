/**
 * What a measured run costs besides time: CPU of the system's process and of the PostgreSQL
 * server (from /proc, so only for a server on this machine), and the server's commits and WAL
 * syncs (from its cumulative statistics). Taken as a snapshot before and after a run; the
 * difference, divided by the requests completed, is the cost per request.
 */
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import pg from 'pg';

const clockTicksPerSecond = (() => {
  const answer = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(answer.stdout.trim());
  return answer.status === 0 && ticks > 0 ? ticks : 100;
})();

/**
 * PostgreSQL's backends report their statistics when idle, at most once a second (PG 15
 * PGSTAT_MIN_INTERVAL): wait this long after the load stops before reading them.
 */
export const statisticsDelayMs = 1200;

type ProcStat = { pid: number; ppid: number; cpuMs: number; childrenCpuMs: number };

/** Fields of /proc/<pid>/stat after the command name: utime, stime, cutime, cstime in ticks. */
async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  const text = await readFile(`/proc/${String(pid)}/stat`, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ms = (index: number) => (Number(fields[index] ?? 0) * 1000) / clockTicksPerSecond;
  return {
    pid,
    ppid: Number(fields[1] ?? 0),
    cpuMs: ms(11) + ms(12),
    childrenCpuMs: ms(13) + ms(14),
  };
}

/** User + system CPU a process (all its threads) has used so far, in ms; undefined if gone. */
export async function processCpuMs(pid: number): Promise<number | undefined> {
  return (await readProcStat(pid))?.cpuMs;
}

export type PostgresSnapshot = {
  /** Postmaster, its live children, and the children it has reaped; undefined if not local. */
  cpuMs: number | undefined;
  /** pg_stat_database.xact_commit of the system's database. */
  commits: number;
  /** The same summed over every other database but the bench's admin one: someone else's load. */
  otherCommits: number;
  /** pg_stat_wal: cluster-wide. */
  walSyncs: number;
  walBytes: number;
  /** pg_stat_user_tables of `orders` in the system's database: updates, and how many were HOT. */
  ordersUpdates: number;
  ordersHotUpdates: number;
};

export type PostgresProbe = {
  /** fsync, synchronous_commit, wal_sync_method, commit_delay as the server has them. */
  settings: Record<string, string>;
  /** The postmaster's pid when it runs on this machine (its CPU is then measured). */
  postmasterPid: number | undefined;
  snapshot(database: string): Promise<PostgresSnapshot>;
  close(): Promise<void>;
};

/**
 * Opens one connection to the admin database (its own commits go there, out of every system's
 * count) and finds the postmaster as the parent of that connection's backend.
 */
export async function openPostgresProbe(adminUrl: string): Promise<PostgresProbe> {
  const admin = new pg.Client({ connectionString: adminUrl, application_name: 'bench-probe' });
  await admin.connect();
  const { rows } = await admin.query<{ name: string; setting: string; pid: number; db: string }>(
    `select name, setting, pg_backend_pid() as pid, current_database() as db from pg_settings
     where name in ('fsync', 'synchronous_commit', 'wal_sync_method', 'commit_delay')`,
  );
  const settings = Object.fromEntries(rows.map((row) => [row.name, row.setting]));
  const adminDatabase = rows[0]?.db ?? '';
  const backend = await readProcStat(rows[0]?.pid ?? 0);
  const postmaster = backend === undefined ? undefined : await readProcStat(backend.ppid);
  const postmasterPid = postmaster?.pid;

  async function postgresCpuMs(): Promise<number | undefined> {
    if (postmasterPid === undefined) return undefined;
    const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
    const stats = await Promise.all(pids.map(readProcStat));
    let total = 0;
    for (const stat of stats) {
      if (stat === undefined) continue;
      if (stat.pid === postmasterPid) total += stat.cpuMs + stat.childrenCpuMs;
      else if (stat.ppid === postmasterPid) total += stat.cpuMs;
    }
    return total;
  }

  return {
    settings,
    postmasterPid,
    async snapshot(database) {
      const cpuMs = await postgresCpuMs();
      const stats = await admin.query<{
        commits: string;
        other_commits: string;
        wal_sync: string;
        wal_bytes: string;
      }>(
        `select
           (select coalesce(sum(xact_commit), 0) from pg_stat_database
             where datname = $1)::text as commits,
           (select coalesce(sum(xact_commit), 0) from pg_stat_database
             where datname is not null and datname not in ($1, $2))::text as other_commits,
           wal_sync::text, wal_bytes::text
         from pg_stat_wal`,
        [database, adminDatabase],
      );
      const row = stats.rows[0];
      const orders = await ordersUpdates(adminUrl, database);
      return {
        cpuMs,
        commits: Number(row?.commits ?? 0),
        otherCommits: Number(row?.other_commits ?? 0),
        walSyncs: Number(row?.wal_sync ?? 0),
        walBytes: Number(row?.wal_bytes ?? 0),
        ...orders,
      };
    },
    close: () => admin.end(),
  };
}

/**
 * Updates of `orders` and how many were HOT (heap-only: no index touched), read in the system's
 * own database (pg_stat_user_tables is per database). Zero when it has no `orders` table.
 */
async function ordersUpdates(
  adminUrl: string,
  database: string,
): Promise<{ ordersUpdates: number; ordersHotUpdates: number }> {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.href, application_name: 'bench-probe' });
  await client.connect();
  try {
    const { rows } = await client.query<{ upd: string; hot: string }>(
      `select n_tup_upd::text as upd, n_tup_hot_upd::text as hot from pg_stat_user_tables
       where relname = 'orders'`,
    );
    return {
      ordersUpdates: Number(rows[0]?.upd ?? 0),
      ordersHotUpdates: Number(rows[0]?.hot ?? 0),
    };
  } finally {
    await client.end();
  }
}
