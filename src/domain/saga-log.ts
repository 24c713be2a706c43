import type { ProductId } from './ids.js';
import { productId } from './ids.js';

/**
 * The saga log records outcomes, never intents (issue 12): every peer call is idempotent by its
 * key, so a step with no recorded outcome is resolved by sending it once more with the same key
 * and reading the peer's answer — the way DBOS checkpoints steps.
 */

/** A stock change: applied, refused for lack of stock, unknown product, or no answer. */
export const stockOutcomes = ['changed', 'insufficient', 'not-found', 'unknown'] as const;
export type StockOutcome = (typeof stockOutcomes)[number];

export const chargeOutcomes = ['charged', 'declined', 'wrong-amount', 'unknown'] as const;
export type ChargeOutcome = (typeof chargeOutcomes)[number];

/** `rejected`: the Payment Service answered 4xx. */
export const refundOutcomes = ['refunded', 'rejected', 'unknown'] as const;
export type RefundOutcome = (typeof refundOutcomes)[number];

/** Narrows text read back from the log to one of `outcomes`. */
export const isOneOf = <T extends string>(outcomes: readonly T[], value: unknown): value is T =>
  (outcomes as readonly unknown[]).includes(value);

/** A stock step touches all of the order's items at once; `items` is by product id. */
export type StockStepEntry = {
  readonly step: 'decrease-stock' | 'increase-stock';
  readonly items: Readonly<Record<string, StockOutcome>>;
};

export type ChargeEntry = {
  readonly step: 'charge';
  readonly outcome: ChargeOutcome;
  readonly paymentId?: string;
  readonly reason?: string;
  /** `wrong-amount`: what the peer says it took, as "59.99". */
  readonly chargedAmount?: string;
};

export type RefundEntry = { readonly step: 'refund'; readonly outcome: RefundOutcome };

export type SagaLogEntry = StockStepEntry | ChargeEntry | RefundEntry;

/** What the log says happened so far: the latest outcome of each step (and of each item). */
export type SagaKnowledge = {
  readonly decreased: ReadonlyMap<ProductId, StockOutcome>;
  readonly increased: ReadonlyMap<ProductId, StockOutcome>;
  readonly charge: ChargeEntry | undefined;
  readonly refund: RefundOutcome | undefined;
};

export function knowledgeOf(log: readonly SagaLogEntry[]): SagaKnowledge {
  const decreased = new Map<ProductId, StockOutcome>();
  const increased = new Map<ProductId, StockOutcome>();
  let charge: ChargeEntry | undefined;
  let refund: RefundOutcome | undefined;
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
    }
  }
  return { decreased, increased, charge, refund };
}

/** One word for a stock step (span attributes, saga_log.outcome): the worst item's outcome. */
export function stockStepOutcome(items: Readonly<Record<string, StockOutcome>>): StockOutcome {
  const outcomes = Object.values(items);
  for (const worst of ['unknown', 'not-found', 'insufficient'] as const) {
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
  }
}

/**
 * What to write after a peer step. `none`: a crash now loses nothing that a re-send with the
 * same key would not give back (the happy path writes nothing between storing the order and
 * marking it paid). `save`: a decision the next steps depend on (a refusal, a decline) is kept.
 * `retry-later`: no answer; saved, and the saga is given back until its next attempt.
 */
export type Checkpoint = 'none' | 'save' | 'retry-later';

export function checkpointAfter(entry: SagaLogEntry): Checkpoint {
  switch (entry.step) {
    case 'decrease-stock':
    case 'increase-stock': {
      const outcome = stockStepOutcome(entry.items);
      if (outcome === 'unknown') return 'retry-later';
      return outcome === 'changed' || entry.step === 'increase-stock' ? 'none' : 'save';
    }
    case 'charge':
      if (entry.outcome === 'unknown') return 'retry-later';
      return entry.outcome === 'charged' ? 'none' : 'save';
    case 'refund':
      // peer-services.md: compensations are retried until they succeed.
      return entry.outcome === 'refunded' ? 'none' : 'retry-later';
  }
}
