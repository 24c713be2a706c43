import type { ActorLabel } from './actor.js';
import type { ProductId } from './ids.js';
import type { PeerStepEntry, SagaKnowledge, SagaLogEntry, StockOutcome } from './saga-log.js';

/**
 * A saga that needs attention (issue 13, point 2): a peer refused one of its steps with an answer
 * no retry can fix. The saga stops there, parked, until an admin either retries (the step is sent
 * again with its key, once the cause is fixed) or resolves it (the step is settled by hand).
 */

/** The peer and operation behind each step: the metric's labels and the API's `peerAnswer`. */
export const peerOfStep = {
  'decrease-stock': { service: 'product', operation: 'decreaseStock' },
  'increase-stock': { service: 'product', operation: 'increaseStock' },
  charge: { service: 'payment', operation: 'charge' },
  refund: { service: 'payment', operation: 'refund' },
} as const;

export type RefusedStep = keyof typeof peerOfStep;

/** The steps each kind of saga sends, so each can park there. */
export const parkableSteps = {
  place: ['decrease-stock', 'charge', 'increase-stock', 'refund'],
  cancel: ['refund', 'increase-stock'],
  fail: ['refund', 'increase-stock'],
} as const satisfies Record<'place' | 'cancel' | 'fail', readonly RefusedStep[]>;

/** What a parked saga shows: the refused step and the peer's answer to it. */
export type PeerAnswer = {
  readonly service: (typeof peerOfStep)[RefusedStep]['service'];
  readonly operation: (typeof peerOfStep)[RefusedStep]['operation'];
  readonly status: number | null;
};

export type Refusal = { readonly step: RefusedStep; readonly answer: PeerAnswer };

/** The step the log's latest outcomes say was refused, if any (the saga must park). */
export function refusalIn(known: SagaKnowledge, log: readonly SagaLogEntry[]): Refusal | undefined {
  const step = refusedSteps(known)[0];
  if (step === undefined) return undefined;
  const last = log.findLast((entry) => entry.step === step);
  const status = last !== undefined && 'status' in last ? (last.status ?? null) : null;
  return { step, answer: { ...peerOfStep[step], status } };
}

function refusedSteps(known: SagaKnowledge): RefusedStep[] {
  const steps: RefusedStep[] = [];
  if (refusedItems(known.decreased).length > 0) steps.push('decrease-stock');
  if (known.charge?.outcome === 'rejected') steps.push('charge');
  if (known.refund === 'rejected') steps.push('refund');
  if (refusedItems(known.increased).length > 0) steps.push('increase-stock');
  return steps;
}

const refusedItems = (outcomes: ReadonlyMap<ProductId, StockOutcome>): string[] =>
  [...outcomes].filter(([, outcome]) => outcome === 'rejected').map(([id]) => String(id));

export type AdminDecision = {
  readonly action: 'retry' | 'resolve';
  readonly actor: ActorLabel;
  readonly reason: string | null;
};

/**
 * The log entries an admin's decision appends: the audit entry, then for every refused step
 * `unknown` (retry: the plan sends it again with its key) or `resolved` (settled by hand).
 */
export function entriesFor(known: SagaKnowledge, decision: AdminDecision): SagaLogEntry[] {
  const outcome = decision.action === 'retry' ? 'unknown' : 'resolved';
  const settle = (outcomes: ReadonlyMap<ProductId, StockOutcome>) =>
    Object.fromEntries(refusedItems(outcomes).map((id) => [id, outcome] as const));
  const steps = refusedSteps(known).map((step): PeerStepEntry => {
    switch (step) {
      case 'decrease-stock':
        return { step, items: settle(known.decreased) };
      case 'increase-stock':
        return { step, items: settle(known.increased) };
      case 'charge':
      case 'refund':
        return { step, outcome };
    }
  });
  return [{ step: 'admin', ...decision }, ...steps];
}
