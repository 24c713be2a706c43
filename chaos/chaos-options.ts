import { parseArgs } from 'node:util';
import { minimumDurationMs } from './chaos-plan.js';

export type ChaosOptions = {
  seconds: number;
  replicas: number;
  users: number;
  seed: number;
  /** A server where the run may create (and then drop) its own database; no PostgreSQL restart. */
  databaseUrl: string | undefined;
  /** Keep the scratch directory (logs, PostgreSQL data) for a look after the run. */
  keepDir: boolean;
};

export const chaosUsage = `usage: npm run chaos -- [--seconds 600] [--replicas 3] [--users 4] [--seed N]
                         [--database-url postgres://…] [--keep-dir]`;

/** The command line, or the reason it is not one. `randomSeed` is used when `--seed` is absent. */
export function parseChaosOptions(
  args: readonly string[],
  randomSeed: number,
): { kind: 'options'; options: ChaosOptions } | { kind: 'error'; message: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        seconds: { type: 'string', default: '600' },
        replicas: { type: 'string', default: '3' },
        users: { type: 'string', default: '4' },
        seed: { type: 'string' },
        'database-url': { type: 'string' },
        'keep-dir': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  const seconds = wholeNumber(values.seconds, '--seconds', minimumDurationMs / 1000, 86_400);
  const replicas = wholeNumber(values.replicas, '--replicas', 2, 9);
  const users = wholeNumber(values.users, '--users', 1, 50);
  const seed =
    values.seed === undefined ? randomSeed : wholeNumber(values.seed, '--seed', 0, 2 ** 32 - 1);
  const databaseUrl = values['database-url'];
  for (const parsed of [seconds, replicas, users, seed]) {
    if (typeof parsed === 'string') return { kind: 'error', message: parsed };
  }
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    return { kind: 'error', message: '--database-url must be a postgres:// URL' };
  }
  return {
    kind: 'options',
    options: {
      seconds: Number(seconds),
      replicas: Number(replicas),
      users: Number(users),
      seed: Number(seed),
      databaseUrl,
      keepDir: values['keep-dir'],
    },
  };
}

/** The number, or the sentence saying why the text is not one in range. */
function wholeNumber(text: string, name: string, min: number, max: number): number | string {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  return Number.isSafeInteger(value) && value >= min && value <= max
    ? value
    : `${name} must be a whole number from ${String(min)} to ${String(max)}, not "${text}"`;
}
