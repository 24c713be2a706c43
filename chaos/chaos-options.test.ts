import { describe, expect, it } from 'vitest';
import { parseChaosOptions } from './chaos-options.js';

describe('parseChaosOptions', () => {
  it('defaults to the long run with a random seed', () => {
    expect(parseChaosOptions([], 42)).toEqual({
      kind: 'options',
      options: {
        seconds: 600,
        replicas: 3,
        users: 4,
        seed: 42,
        databaseUrl: undefined,
        keepDir: false,
      },
    });
  });

  it('reads every flag', () => {
    const parsed = parseChaosOptions(
      [
        '--seconds',
        '60',
        '--replicas',
        '2',
        '--users',
        '6',
        '--seed',
        '7',
        '--database-url',
        'postgres://u@h/db',
        '--keep-dir',
      ],
      42,
    );

    expect(parsed).toEqual({
      kind: 'options',
      options: {
        seconds: 60,
        replicas: 2,
        users: 6,
        seed: 7,
        databaseUrl: 'postgres://u@h/db',
        keepDir: true,
      },
    });
  });

  it.each([
    [['--seconds', '10'], '--seconds must be a whole number from 30'],
    [['--seconds', '1.5'], '--seconds must be a whole number'],
    [['--replicas', '1'], '--replicas must be a whole number from 2 to 9'],
    [['--seed=-1'], '--seed must be a whole number'],
    [['--database-url', 'mysql://x'], '--database-url must be a postgres:// URL'],
    [['--minutes', '5'], "Unknown option '--minutes'"],
  ])('refuses %j, saying why', (args, message) => {
    const parsed = parseChaosOptions(args, 42);

    expect(parsed.kind).toBe('error');
    expect(parsed.kind === 'error' ? parsed.message : '').toContain(message);
  });
});
