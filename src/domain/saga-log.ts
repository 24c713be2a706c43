import type { ActorLabel } from './actor.js';
import type { ProductId } from './ids.js';
import { productId } from './ids.js';

/**
 * The saga log records outcomes, never intents (issue 12): every peer call is idempotent by its
 * key, so a step with no recorded outcome is resolved by sending it once more with the same key
 * and reading the peer's answer — the way DBOS checkpoints steps.
 */

/**
 * Every step's outcomes share three words (issue 13, point 2): `unknown` — no answer (5xx, 429,
 * timeout, connection), re-sent with the same key; `rejected` — a 4xx the contract gives no
 * meaning (401, 403, 400, 422…), which no retry can fix, so the saga parks until an admin
 * retries or resolves it; `resolved` — an admin settled that refused step by hand: a forward step
 * (decrease, charge) as not done, a compensation (restock, refund) as done. It is never sent again.
 */

/** A stock change: applied, refused for lack of stock, unknown product, or the three above. */
export const stockOutcomes = [
  'changed',
  'insufficient',
  'not-found',
  'unknown',
  'rejected',
  'resolved',
] as const;
export type StockOutcome = (typeof stockOutcomes)[number];

export const chargeOutcomes = [
  'charged',
  'declined',
  'wrong-amount',
  'unknown',
  'rejected',
  'resolved',
] as const;
export type ChargeOutcome = (typeof chargeOutcomes)[number];

export const refundOutcomes = ['refunded', 'unknown', 'rejected', 'resolved'] as const;
export type RefundOutcome = (typeof refundOutcomes)[number];

/** Narrows text read back from the log to one of `outcomes`. */
export const isOneOf = <T extends string>(outcomes: readonly T[], value: unknown): value is T =>
  (outcomes as readonly unknown[]).includes(value);

/** A stock step touches all of the order's items at once; `items` is by product id. */
export type StockStepEntry = {
  readonly step: 'decrease-stock' | 'increase-stock';
  readonly items: Readonly<Record<string, StockOutcome>>;
  /** The HTTP status of a `rejected` item's answer. */
  readonly status?: number;
};

export type ChargeEntry = {
  readonly step: 'charge';
  readonly outcome: ChargeOutcome;
  readonly paymentId?: string;
  readonly reason?: string;
  /** `wrong-amount`: what the peer says it took, as "59.99". */
  readonly chargedAmount?: string;
  /** `rejected`: the answer's HTTP status. */
  readonly status?: number;
};

export type RefundEntry = {
  readonly step: 'refund';
  readonly outcome: RefundOutcome;
  /** `rejected`: the answer's HTTP status. */
  readonly status?: number;
};

/** An admin's retry or resolve of a parked saga: the audit of who did it and why. */
export type AdminEntry = {
  readonly step: 'admin';
  readonly action: 'retry' | 'resolve';
  readonly actor: ActorLabel;
  readonly reason: string | null;
};

export type PeerStepEntry = StockStepEntry | ChargeEntry | RefundEntry;

export type SagaLogEntry = PeerStepEntry | AdminEntry;

/** One saga_log row as written, for the admin API: the saga's own history. */
export type SagaLogRecord = {
  readonly step: string;
  readonly outcome: string | null;
  readonly detail: unknown;
  readonly attempt: number | null;
  readonly at: Date;
};

/** What the log says happened so far: the latest outcome of each step (and of each item). */
export type SagaKnowledge = {
  readonly decreased: ReadonlyMap<ProductId, StockOutcome>;
  readonly increased: ReadonlyMap<ProductId, StockOutcome>;
  readonly charge: ChargeEntry | undefined;
  readonly refund: RefundOutcome | undefined;
  /** The last admin resolve: who settled a refused step by hand, and why. */
  readonly resolvedBy: { readonly actor: ActorLabel; readonly reason: string | null } | undefined;
};

export function knowledgeOf(log: readonly SagaLogEntry[]): SagaKnowledge {
  const decreased = new Map<ProductId, StockOutcome>();
  const increased = new Map<ProductId, StockOutcome>();
  let charge: ChargeEntry | undefined;
  let refund: RefundOutcome | undefined;
  let resolvedBy: SagaKnowledge['resolvedBy'];
  for (const entry of log) {
    switch (entry.step) {
      case 'decrease-stock':
      case 'increase-stock': {
        const target = entry.step === 'decrease-stock' ? decreased : increased;
        for (const [id, outcome] of Object.entries(entry.items)) {
          target.set(productId(Number(id)), outcome);
        }
        break;
      }
      case 'charge':
        charge = entry;
        break;
      case 'refund':
        refund = entry.outcome;
        break;
      case 'admin':
        if (entry.action === 'resolve') resolvedBy = { actor: entry.actor, reason: entry.reason };
        break;
    }
  }
  return { decreased, increased, charge, refund, resolvedBy };
}

/** One word for a stock step (span attributes, saga_log.outcome): the worst item's outcome. */
export function stockStepOutcome(items: Readonly<Record<string, StockOutcome>>): StockOutcome {
  const outcomes = Object.values(items);
  for (const worst of ['rejected', 'unknown', 'not-found', 'insufficient', 'resolved'] as const) {
    if (outcomes.includes(worst)) return worst;
  }
  return 'changed';
}

export function outcomeOf(entry: SagaLogEntry): string {
  switch (entry.step) {
    case 'decrease-stock':
    case 'increase-stock':
      return stockStepOutcome(entry.items);
    case 'charge':
    case 'refund':
      return entry.outcome;
    case 'admin':
      return entry.action;
  }
}

/**
 * What to write after a peer step. `none`: a crash now loses nothing that a re-send with the
 * same key would not give back (the happy path writes nothing between storing the order and
 * marking it paid). `save`: a decision the next steps depend on (a refusal, a decline) is kept.
 * `retry-later`: no answer; saved, and the saga is given back until its next attempt.
 */
export type Checkpoint = 'none' | 'save' | 'retry-later';

export function checkpointAfter(entry: PeerStepEntry): Checkpoint {
  const outcome = outcomeOf(entry);
  // The plan parks next, and parking writes what is unsaved.
  if (outcome === 'rejected') return 'none';
  if (outcome === 'unknown') return 'retry-later';
  switch (entry.step) {
    case 'decrease-stock':
    case 'increase-stock':
      return outcome === 'changed' || entry.step === 'increase-stock' ? 'none' : 'save';
    case 'charge':
      return outcome === 'charged' ? 'none' : 'save';
    case 'refund':
      return 'none';
  }
}
