import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Pool } from './pool.js';

const migrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));
const migrationFile = /^(\d{4})_[a-z0-9_]+\.sql$/;
// Any constant shared by all replicas; "orders" in ASCII.
const migrationLockId = 0x6f72646572;

export type MigrationResult = { applied: string[]; alreadyApplied: number };

/**
 * Applies the numbered SQL files in src/db/migrations that are not yet recorded, each in its
 * own transaction, while holding a session advisory lock so replicas starting together queue
 * up instead of racing.
 */
export async function migrate(pool: Pool): Promise<MigrationResult> {
  const files = (await readdir(migrationsDir)).filter((name) => migrationFile.test(name)).sort();
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [migrationLockId]);
    await client.query(`create table if not exists schema_migrations (
      version    text primary key,
      name       text not null,
      applied_at timestamptz not null default now()
    )`);
    const { rows } = await client.query<{ version: string }>(
      'select version from schema_migrations',
    );
    const done = new Set(rows.map((row) => row.version));
    const applied: string[] = [];
    for (const name of files) {
      const version = name.slice(0, 4);
      if (done.has(version)) continue;
      const sql = await readFile(`${migrationsDir}${name}`, 'utf8');
      await client.query('begin');
      try {
        await client.query(sql);
        await client.query('insert into schema_migrations (version, name) values ($1, $2)', [
          version,
          name,
        ]);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw error;
      }
      applied.push(name);
    }
    return { applied, alreadyApplied: done.size };
  } finally {
    await client.query('select pg_advisory_unlock($1)', [migrationLockId]).catch(() => undefined);
    client.release();
  }
}

/** True when every migration file is recorded as applied (readiness). */
export async function isMigrated(pool: Pool): Promise<boolean> {
  const files = (await readdir(migrationsDir)).filter((name) => migrationFile.test(name));
  const { rows } = await pool.query<{ count: number }>(
    `select count(*)::int as count from schema_migrations`,
  );
  return (rows[0]?.count ?? 0) >= files.length;
}
