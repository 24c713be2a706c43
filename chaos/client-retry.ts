import type { Random } from './seeded-random.js';

/**
 * What a well-behaved client of order-api.md does with an answer: keep it, or send the same
 * request again (same Idempotency-Key) after a pause. Pure; see client-retry.test.ts.
 */

/** order-api.md: the same key while the first request is still in flight. */
export const inFlightProblem = '/problems/idempotency-key-in-flight';

/** `undefined`: no answer at all (refused, reset, timed out). */
export type Answer = { status: number; problemType: string | undefined } | undefined;

/**
 * No answer, a 5xx (the service or its database restarting), 429, or the key still held by a
 * request a killed replica was running (409 idempotency-key-in-flight) — all worth the same key
 * again. Everything else is the answer.
 */
export function isWorthRetrying(answer: Answer): boolean {
  if (answer === undefined) return true;
  if (answer.status >= 500 || answer.status === 429) return true;
  return answer.status === 409 && answer.problemType === inFlightProblem;
}

/** 250 ms doubling to 2 s, with half of it random so the users do not retry in step. */
export function retryPauseMs(retry: number, random: Random): number {
  const ceiling = Math.min(2_000, 250 * 2 ** Math.max(0, retry));
  return Math.round(ceiling / 2 + (random.next() * ceiling) / 2);
}
