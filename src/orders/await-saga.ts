import { setTimeout as delay } from 'node:timers/promises';
import type { SagaRunResult } from '../saga/saga-deps.js';

/** The run's result, or 'deadline' when it takes longer; the run goes on either way. */
export async function raceDeadline(
  run: Promise<SagaRunResult>,
  deadlineMs: number,
): Promise<SagaRunResult | 'deadline'> {
  const controller = new AbortController();
  const timer = delay(deadlineMs, 'deadline' as const, { signal: controller.signal }).catch(
    () => 'aborted' as const,
  );
  try {
    const winner = await Promise.race([run, timer]);
    return winner === 'aborted' ? 'deadline' : winner;
  } finally {
    controller.abort();
  }
}

/** Polls `check` until it returns a value or the deadline passes (another replica's saga). */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  deadlineMs: number,
  intervalMs = 50,
): Promise<T | undefined> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined || Date.now() >= until) return value;
    await delay(intervalMs);
  }
}
