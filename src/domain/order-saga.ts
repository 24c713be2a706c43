import type { OrderId, ProductId } from './ids.js';
import type { Cents } from './money.js';
import { parseMoney } from './money.js';
import type { OrderItem } from './order.js';

/**
 * The saga plan, pure: which steps a saga has, each step's compensation, and — from what the saga
 * log says happened so far — the one thing to do next. saga/saga-runner.ts performs the action,
 * records intent and outcome, and asks again. peer-services.md, "The order saga".
 */
export type SagaKind = 'place' | 'cancel' | 'fail';

export type SagaState = 'running' | 'compensating' | 'completed' | 'failed';

/** What the admin API shows of a saga. */
export type SagaSummary = {
  id: number;
  orderId: OrderId;
  kind: SagaKind;
  state: SagaState;
  step: string;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date;
  lockedUntil: Date | null;
  deadlineAt: Date;
  createdAt: Date;
  updatedAt: Date;
};

export type SagaLogEntry = {
  readonly step: string;
  readonly phase: 'intent' | 'outcome';
  readonly outcome: string | null;
  readonly detail: {
    readonly paymentId?: string;
    readonly reason?: string;
    /** `wrong-amount` charges: what the peer says it took, as "59.99". */
    readonly chargedAmount?: string;
  } | null;
};

export type FailureCause =
  | 'insufficient-stock'
  | 'unknown-product'
  | 'payment-declined'
  | 'payment-amount-mismatch'
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
    'deadline',
    'cancel-requested',
  ],
  cancel: ['cancel-requested'],
  fail: ['failed-by-admin'],
} as const satisfies Record<SagaKind, readonly CompensationCause[]>;

export type SagaAction =
  | { readonly kind: 'decrease-stock'; readonly item: OrderItem }
  | { readonly kind: 'increase-stock'; readonly item: OrderItem }
  | { readonly kind: 'charge' }
  /** `amountCents` absent: the order's total. */
  | { readonly kind: 'refund'; readonly paymentId: string; readonly amountCents?: Cents }
  | { readonly kind: 'mark-paid'; readonly paymentId: string }
  | {
      readonly kind: 'finish';
      readonly status: 'failed' | 'cancelled';
      /** Why a place saga failed; absent for a requested cancel and the admin `failed`. */
      readonly cause?: FailureCause;
      readonly productIds: readonly ProductId[];
    };

export type SagaSituation = {
  readonly kind: SagaKind;
  readonly items: readonly OrderItem[];
  /** The charge an order already holds (cancel and fail sagas). */
  readonly paymentId: string | null;
  readonly isCancelRequested: boolean;
  readonly isPastDeadline: boolean;
  readonly log: readonly SagaLogEntry[];
};

export const stepName = {
  decreaseStock: (productId: ProductId) => `decrease-stock:${productId}`,
  increaseStock: (productId: ProductId) => `increase-stock:${productId}`,
  charge: 'charge',
  refund: 'refund',
  markPaid: 'mark-paid',
  finish: 'finish',
} as const;

type StepState = { outcome: string; paymentId?: string; chargedAmount?: string };

/** The latest known state of each step: an intent with no outcome after it is `unknown`. */
export function stepStates(log: readonly SagaLogEntry[]): Map<string, StepState> {
  const states = new Map<string, StepState>();
  for (const entry of log) {
    if (entry.phase === 'intent') {
      states.set(entry.step, { outcome: 'unknown' });
    } else {
      const paymentId = entry.detail?.paymentId;
      const chargedAmount = entry.detail?.chargedAmount;
      states.set(entry.step, {
        outcome: entry.outcome ?? 'unknown',
        ...(paymentId === undefined ? {} : { paymentId }),
        ...(chargedAmount === undefined ? {} : { chargedAmount }),
      });
    }
  }
  return states;
}

/** The next action of a saga (`finish` is the last one), and whether it is undoing. */
export function nextAction(situation: SagaSituation): {
  action: SagaAction;
  isCompensating: boolean;
} {
  const action = decide(situation);
  const isForward =
    situation.kind === 'place' &&
    (action.kind === 'decrease-stock' || action.kind === 'charge' || action.kind === 'mark-paid') &&
    !situation.isCancelRequested &&
    failureCause(situation) === undefined;
  return { action, isCompensating: !isForward };
}

function failureCause(situation: SagaSituation): FailureCause | undefined {
  const states = stepStates(situation.log);
  const outcomeOf = (step: string): string => states.get(step)?.outcome ?? 'not-tried';
  const decreases = situation.items.map((item) =>
    outcomeOf(stepName.decreaseStock(item.productId)),
  );
  if (decreases.includes('insufficient')) return 'insufficient-stock';
  if (decreases.includes('not-found')) return 'unknown-product';
  if (outcomeOf(stepName.charge) === 'declined') return 'payment-declined';
  if (outcomeOf(stepName.charge) === 'wrong-amount') return 'payment-amount-mismatch';
  if (situation.isPastDeadline) return 'deadline';
  return undefined;
}

function decide(situation: SagaSituation): SagaAction {
  const states = stepStates(situation.log);
  const outcomeOf = (step: string): string => states.get(step)?.outcome ?? 'not-tried';
  const decrease = (item: OrderItem) => outcomeOf(stepName.decreaseStock(item.productId));
  const increase = (item: OrderItem) => outcomeOf(stepName.increaseStock(item.productId));
  const charge = states.get(stepName.charge);

  if (situation.kind !== 'place') {
    if (situation.paymentId !== null && outcomeOf(stepName.refund) !== 'refunded') {
      return { kind: 'refund', paymentId: situation.paymentId };
    }
    const toRestock = situation.items.find((item) => !isSettledIncrease(increase(item)));
    if (toRestock) return { kind: 'increase-stock', item: toRestock };
    return {
      kind: 'finish',
      status: situation.kind === 'cancel' ? 'cancelled' : 'failed',
      productIds: [],
    };
  }

  const refused = situation.items.filter((item) => decrease(item) === 'insufficient');
  const unknownProducts = situation.items.filter((item) => decrease(item) === 'not-found');
  const cause = failureCause(situation);

  if (cause === undefined && !situation.isCancelRequested) {
    const toDecrease = situation.items.find((item) => decrease(item) !== 'changed');
    if (toDecrease) return { kind: 'decrease-stock', item: toDecrease };
    if (charge?.outcome === 'charged' && charge.paymentId !== undefined) {
      return { kind: 'mark-paid', paymentId: charge.paymentId };
    }
    return { kind: 'charge' };
  }

  // Compensate. A step whose outcome is unknown is first resolved by sending it again with the
  // same key (the peer answers with what it did), so we never undo what did not happen.
  const unresolved = situation.items.find((item) => decrease(item) === 'unknown');
  if (unresolved) return { kind: 'decrease-stock', item: unresolved };
  const toRestock = situation.items.find(
    (item) => decrease(item) === 'changed' && !isSettledIncrease(increase(item)),
  );
  if (toRestock) return { kind: 'increase-stock', item: toRestock };
  if (charge?.outcome === 'unknown') return { kind: 'charge' };
  if (
    charge?.outcome === 'charged' &&
    charge.paymentId !== undefined &&
    outcomeOf(stepName.refund) !== 'refunded'
  ) {
    return { kind: 'refund', paymentId: charge.paymentId };
  }
  // A charge of another amount than asked is undone by refunding what the peer says it took.
  if (
    charge?.outcome === 'wrong-amount' &&
    charge.paymentId !== undefined &&
    outcomeOf(stepName.refund) !== 'refunded'
  ) {
    const amountCents = parseMoney(charge.chargedAmount ?? '0');
    if (amountCents > 0) return { kind: 'refund', paymentId: charge.paymentId, amountCents };
  }
  if (
    situation.isCancelRequested &&
    cause !== 'payment-declined' &&
    cause !== 'payment-amount-mismatch'
  ) {
    return { kind: 'finish', status: 'cancelled', productIds: [] };
  }
  return {
    kind: 'finish',
    status: 'failed',
    ...(cause === undefined ? {} : { cause }),
    productIds: (cause === 'unknown-product' ? unknownProducts : refused).map(
      (item) => item.productId,
    ),
  };
}

/** Why the saga is compensating; undefined while a place saga still goes forward. */
export function compensationCause(situation: SagaSituation): CompensationCause | undefined {
  switch (situation.kind) {
    case 'cancel':
      return 'cancel-requested';
    case 'fail':
      return 'failed-by-admin';
    case 'place':
      return (
        failureCause(situation) ?? (situation.isCancelRequested ? 'cancel-requested' : undefined)
      );
  }
}

/** A restock is settled once applied, or when the product no longer exists at the peer. */
const isSettledIncrease = (outcome: string): boolean =>
  outcome === 'changed' || outcome === 'not-found';
