import type { Answer } from './client-retry.js';
import { inFlightProblem } from './client-retry.js';

/**
 * What the chaos clients sent and were told: every HTTP answer by endpoint and status, the
 * latency of each answered POST /api/orders, and what a 2xx acknowledged — each acknowledgement
 * is checked against the database at the end.
 */
export const endpoints = ['place', 'cancel', 'change-status', 'read'] as const;
export type Endpoint = (typeof endpoints)[number];

export const endpointLabels: Record<Endpoint, string> = {
  place: 'POST /api/orders',
  cancel: 'POST /api/orders/:id/cancel',
  'change-status': 'PATCH /api/orders/:id/status',
  read: 'GET /api/orders/:id',
};

/**
 * The status, `409 in flight` for a key another request still holds (sent again, unlike a 409
 * for short stock), or `no answer` (refused, cut by a kill, timed out).
 */
export type AnswerLabel = string;

export type LoadRecord = {
  /** Logical requests: one per Idempotency-Key or cancel or status change, however often sent. */
  logical: Record<Endpoint, number>;
  /** Logical requests abandoned after retrying for a minute without a final answer. */
  gaveUp: Record<Endpoint, number>;
  answers: Record<Endpoint, Map<AnswerLabel, number>>;
  placeLatenciesMs: number[];
  placed: { orderId: number; userId: number }[];
  cancelled: { orderId: number; userId: number }[];
  moved: { orderId: number; to: string; adminId: number }[];
};

const perEndpoint = <T>(make: () => T): Record<Endpoint, T> => ({
  place: make(),
  cancel: make(),
  'change-status': make(),
  read: make(),
});

export function createLoadRecord(): LoadRecord {
  return {
    logical: perEndpoint(() => 0),
    gaveUp: perEndpoint(() => 0),
    answers: perEndpoint(() => new Map<AnswerLabel, number>()),
    placeLatenciesMs: [],
    placed: [],
    cancelled: [],
    moved: [],
  };
}

export function recordAnswer(
  record: LoadRecord,
  endpoint: Endpoint,
  answer: Answer,
  ms: number,
): void {
  const label: AnswerLabel =
    answer === undefined
      ? 'no answer'
      : answer.status === 409 && answer.problemType === inFlightProblem
        ? '409 in flight'
        : String(answer.status);
  const counts = record.answers[endpoint];
  counts.set(label, (counts.get(label) ?? 0) + 1);
  if (endpoint === 'place' && answer !== undefined) record.placeLatenciesMs.push(ms);
}
