import { describe, expect, it } from 'vitest';
import { inFlightProblem, isWorthRetrying, retryPauseMs } from './client-retry.js';
import { seededRandom } from './seeded-random.js';

describe('isWorthRetrying', () => {
  it.each([
    ['no answer', undefined],
    ['a 503 while the database restarts', { status: 503, problemType: undefined }],
    ['a 500', { status: 500, problemType: '/problems/internal-error' }],
    ['a 429', { status: 429, problemType: '/problems/too-many-requests' }],
    ['a 409 for a key still in flight', { status: 409, problemType: inFlightProblem }],
  ])('sends the same request again after %s', (_, answer) => {
    expect(isWorthRetrying(answer)).toBe(true);
  });

  it.each([
    ['201', { status: 201, problemType: undefined }],
    ['202', { status: 202, problemType: undefined }],
    ['402 declined', { status: 402, problemType: '/problems/payment-declined' }],
    ['409 short stock', { status: 409, problemType: '/problems/insufficient-stock' }],
    ['412 stale If-Match', { status: 412, problemType: '/problems/precondition-failed' }],
    ['422 key reused', { status: 422, problemType: '/problems/idempotency-key-reused' }],
  ])('keeps %s as the answer', (_, answer) => {
    expect(isWorthRetrying(answer)).toBe(false);
  });
});

describe('retryPauseMs', () => {
  it('waits between half and all of 250 ms doubling to 2 s', () => {
    const random = seededRandom(3);
    for (const [retry, ceiling] of [
      [0, 250],
      [1, 500],
      [2, 1_000],
      [3, 2_000],
      [9, 2_000],
    ] as const) {
      const pause = retryPauseMs(retry, random);

      expect(pause).toBeGreaterThanOrEqual(ceiling / 2);
      expect(pause).toBeLessThanOrEqual(ceiling);
    }
  });
});
