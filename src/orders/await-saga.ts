import { setTimeout as delay } from 'node:timers/promises';
import type { SagaRunResult } from '../saga/saga-deps.js';

/** The run's result, or 'deadline' when it takes longer; the run goes on either way. */
export async function raceDeadline(
  run: Promise<SagaRunResult>,
  deadlineMs: number,
): Promise<SagaRunResult | 'deadline'> {
  // A plain timer: aborting a timers/promises delay makes an AbortError (a DOMException with its
  // stack) on every request that beats the deadline, a few per cent of a create's CPU.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(resolve, deadlineMs, 'deadline');
  });
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
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
