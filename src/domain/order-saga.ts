import type { ActorLabel } from './actor.js';
import type { OrderId, ProductId } from './ids.js';
import type { Cents } from './money.js';
import { parseMoney } from './money.js';
import type { OrderItem } from './order.js';
import type { PeerAnswer, RefusedStep } from './saga-attention.js';
import { refusalIn } from './saga-attention.js';
import type { SagaKnowledge, SagaLogEntry, StockOutcome } from './saga-log.js';
import { knowledgeOf } from './saga-log.js';

/**
 * The saga plan, pure: from what the saga log says happened so far, the one thing to do next —
 * the peer step, the refund's reason, the final status, who the history names and how the saga
 * row ends. saga/saga-runner.ts performs the action, records it when a crash would otherwise lose
 * something (saga-log.ts, `checkpointAfter`), and asks again. peer-services.md, "The order saga".
 */
export type SagaKind = 'place' | 'cancel' | 'fail';

export type SagaState = 'running' | 'compensating' | 'completed' | 'failed';

/** What the admin API shows of a saga; `parkedAt` set: it needs attention (saga-attention.ts). */
export type SagaSummary = {
  id: number;
  orderId: OrderId;
  kind: SagaKind;
  state: SagaState;
  parkedAt: Date | null;
  peerAnswer: PeerAnswer | null;
  step: string;
  attempts: number;
  lastError: string | null;
  /** Null while parked: never due until an admin acts. */
  nextAttemptAt: Date | null;
  lockedUntil: Date | null;
  deadlineAt: Date;
  createdAt: Date;
  updatedAt: Date;
};

export type FailureCause =
  | 'insufficient-stock'
  | 'unknown-product'
  | 'payment-declined'
  | 'payment-amount-mismatch'
  /** A peer refused a step for good and an admin resolved it as not done. */
  | 'peer-refused'
  | 'deadline';

/** Why a saga undoes what it did: a place saga's failure, a requested cancel, an admin `failed`. */
export type CompensationCause = FailureCause | 'cancel-requested' | 'failed-by-admin';

/** Every cause each kind of saga can compensate for (metrics export each at 0 from the start). */
export const compensationCauses = {
  place: [
    'insufficient-stock',
    'unknown-product',
    'payment-declined',
    'payment-amount-mismatch',
    'peer-refused',
    'deadline',
    'cancel-requested',
  ],
  cancel: ['cancel-requested'],
  fail: ['failed-by-admin'],
} as const satisfies Record<SagaKind, readonly CompensationCause[]>;

export type RefundReason = 'order_cancelled' | 'order_failed';

export type SagaAction =
  /** Every item in one step, its calls sent concurrently. */
  | { readonly kind: 'decrease-stock'; readonly items: readonly OrderItem[] }
  | { readonly kind: 'increase-stock'; readonly items: readonly OrderItem[] }
  | { readonly kind: 'charge' }
  | {
      readonly kind: 'refund';
      readonly paymentId: string;
      /** The order's total, or what a charge of another amount took. */
      readonly amountCents: Cents;
      readonly reason: RefundReason;
    }
  | { readonly kind: 'mark-paid'; readonly paymentId: string }
  /** A peer refused a step for good: stop here until an admin retries or resolves it. */
  | { readonly kind: 'park'; readonly step: RefusedStep; readonly answer: PeerAnswer }
  | {
      readonly kind: 'finish';
      readonly status: 'failed' | 'cancelled';
      /** `completed` when the saga reached what it was for (a cancel saga cancelled). */
      readonly sagaState: 'completed' | 'failed';
      /** The history entry's actor and reason: whoever asked for the change, else `system`. */
      readonly actor: ActorLabel;
      readonly reason: string | null;
      /** Why a place saga failed; absent for a requested cancel and the admin `failed`. */
      readonly cause?: FailureCause;
      readonly productIds: readonly ProductId[];
    };

export type ChangeRequest = { readonly actor: ActorLabel; readonly reason: string | null };

export type SagaSituation = {
  readonly kind: SagaKind;
  readonly items: readonly OrderItem[];
  readonly totalCents: Cents;
  /** The charge an order already holds (cancel and fail sagas). */
  readonly paymentId: string | null;
  /** Who started the saga (the history's actor of a cancel or fail saga's finish). */
  readonly requestedBy: ChangeRequest;
  /** A cancel recorded on a running place saga. */
  readonly cancelRequest: ChangeRequest | null;
  readonly isPastDeadline: boolean;
  /**
   * True while the runner that stored or claimed the saga still drives it: a step with no
   * outcome in the log was never sent. False after a crash or a hand-over: it may have been.
   */
  readonly isLogComplete: boolean;
  readonly log: readonly SagaLogEntry[];
};

export type SagaDecision = {
  readonly action: SagaAction;
  /** Undoing rather than going forward. */
  readonly isCompensating: boolean;
  /** Why it is undoing; undefined while a place saga goes forward. */
  readonly cause: CompensationCause | undefined;
};

export function nextAction(situation: SagaSituation): SagaDecision {
  const known = knowledgeOf(situation.log);
  const refusal = refusalIn(known, situation.log);
  if (situation.kind !== 'place') {
    const cause = situation.kind === 'cancel' ? 'cancel-requested' : 'failed-by-admin';
    const action = refusal === undefined ? undo(situation, known) : park(refusal);
    return { action, isCompensating: true, cause };
  }
  const failure = failureCause(situation, known);
  if (failure === undefined && situation.cancelRequest === null) {
    const action = refusal === undefined ? goForward(situation, known) : park(refusal);
    return { action, isCompensating: false, cause: undefined };
  }
  return {
    action: refusal === undefined ? compensatePlace(situation, known, failure) : park(refusal),
    isCompensating: true,
    cause: failure ?? 'cancel-requested',
  };
}

const park = (refusal: { step: RefusedStep; answer: PeerAnswer }): SagaAction => ({
  kind: 'park',
  ...refusal,
});

function failureCause(situation: SagaSituation, known: SagaKnowledge): FailureCause | undefined {
  const decreases = [...known.decreased.values()];
  if (decreases.includes('insufficient')) return 'insufficient-stock';
  if (decreases.includes('not-found')) return 'unknown-product';
  if (known.charge?.outcome === 'declined') return 'payment-declined';
  if (known.charge?.outcome === 'wrong-amount') return 'payment-amount-mismatch';
  if (decreases.includes('resolved') || known.charge?.outcome === 'resolved') return 'peer-refused';
  if (situation.isPastDeadline) return 'deadline';
  return undefined;
}

function goForward(situation: SagaSituation, known: SagaKnowledge): SagaAction {
  const toDecrease = situation.items.filter(
    (item) => known.decreased.get(item.productId) !== 'changed',
  );
  if (toDecrease.length > 0) return { kind: 'decrease-stock', items: toDecrease };
  const { charge } = known;
  if (charge?.outcome === 'charged' && charge.paymentId !== undefined) {
    return { kind: 'mark-paid', paymentId: charge.paymentId };
  }
  return { kind: 'charge' };
}

/**
 * A place saga that must not reach `paid`. A step with no known outcome is first sent once more
 * with its key (the peer answers with what it did), so nothing is undone that did not happen and
 * nothing done is left standing: stock is increased only where the peer confirms a decrease.
 */
function compensatePlace(
  situation: SagaSituation,
  known: SagaKnowledge,
  cause: FailureCause | undefined,
): SagaAction {
  const { items } = situation;
  const decrease = (item: OrderItem): StockOutcome | undefined =>
    known.decreased.get(item.productId);
  const unresolved = items.filter(
    (item) =>
      decrease(item) === 'unknown' || (decrease(item) === undefined && !situation.isLogComplete),
  );
  if (unresolved.length > 0) return { kind: 'decrease-stock', items: unresolved };
  const toRestock = items.filter(
    (item) =>
      decrease(item) === 'changed' && !isSettledIncrease(known.increased.get(item.productId)),
  );
  if (toRestock.length > 0) return { kind: 'increase-stock', items: toRestock };

  const { charge } = known;
  // The charge is sent only once every decrease succeeded: only then may it be out there.
  const mayHaveCharged = items.every((item) => decrease(item) === 'changed');
  if (
    charge?.outcome === 'unknown' ||
    (charge === undefined && mayHaveCharged && !situation.isLogComplete)
  ) {
    return { kind: 'charge' };
  }
  const refundReason = situation.cancelRequest === null ? 'order_failed' : 'order_cancelled';
  const refund = toRefund(charge, situation.totalCents, known.refund, refundReason);
  if (refund !== undefined) return refund;

  // An accepted cancel always ends `cancelled`, whatever else went wrong on the way (a charge
  // re-sent to learn its outcome and declined leaves nothing to refund): issue 13, point 3.
  // A refusal an admin resolved names the admin (and the reason given) in the history.
  const canceller = situation.cancelRequest;
  const resolver = cause === 'peer-refused' ? known.resolvedBy : undefined;
  const refusedOutcome = { 'unknown-product': 'not-found', 'peer-refused': 'resolved' } as const;
  const refused = items.filter(
    (item) =>
      decrease(item) ===
      (cause === 'unknown-product' || cause === 'peer-refused'
        ? refusedOutcome[cause]
        : 'insufficient'),
  );
  return {
    kind: 'finish',
    status: canceller === null ? 'failed' : 'cancelled',
    sagaState: 'failed',
    ...(canceller ?? resolver ?? { actor: 'system', reason: cause ?? null }),
    ...(cause === undefined ? {} : { cause }),
    productIds: refused.map((item) => item.productId),
  };
}

/** The refund a charge still needs: in full, or what a charge of another amount took. */
function toRefund(
  charge: SagaKnowledge['charge'],
  totalCents: Cents,
  refunded: SagaKnowledge['refund'],
  reason: RefundReason,
): SagaAction | undefined {
  if (charge?.paymentId === undefined || isSettledRefund(refunded)) return undefined;
  if (charge.outcome === 'charged') {
    return { kind: 'refund', paymentId: charge.paymentId, amountCents: totalCents, reason };
  }
  if (charge.outcome !== 'wrong-amount') return undefined;
  const amountCents = parseMoney(charge.chargedAmount ?? '0');
  return amountCents > 0
    ? { kind: 'refund', paymentId: charge.paymentId, amountCents, reason }
    : undefined;
}

/** A cancel or fail saga: refund the order's charge, restock every item, then finish. */
function undo(situation: SagaSituation, known: SagaKnowledge): SagaAction {
  const reason = situation.kind === 'cancel' ? 'order_cancelled' : 'order_failed';
  if (situation.paymentId !== null && !isSettledRefund(known.refund)) {
    return {
      kind: 'refund',
      paymentId: situation.paymentId,
      amountCents: situation.totalCents,
      reason,
    };
  }
  const toRestock = situation.items.filter(
    (item) => !isSettledIncrease(known.increased.get(item.productId)),
  );
  if (toRestock.length > 0) return { kind: 'increase-stock', items: toRestock };
  return {
    kind: 'finish',
    status: situation.kind === 'cancel' ? 'cancelled' : 'failed',
    sagaState: 'completed',
    ...situation.requestedBy,
    productIds: [],
  };
}

/**
 * A restock is settled once applied, when the product no longer exists at the peer, or when an
 * admin resolved a refused one by hand; a refund once made or resolved by hand.
 */
const isSettledIncrease = (outcome: StockOutcome | undefined): boolean =>
  outcome === 'changed' || outcome === 'not-found' || outcome === 'resolved';

const isSettledRefund = (outcome: SagaKnowledge['refund']): boolean =>
  outcome === 'refunded' || outcome === 'resolved';
