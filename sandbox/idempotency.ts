import type { Outcome } from './operation.js';

export type IdempotencyStore = {
  /**
   * Applies the call once per key and answers every repeat with the first outcome, whatever it
   * was (200, 404, 409…). A call without a key is applied each time. `apply` is synchronous, so
   * two concurrent calls with one key cannot both apply.
   */
  replayOrApply(key: string | undefined, apply: () => Outcome): Outcome;
};

export function createIdempotencyStore(): IdempotencyStore {
  const outcomes = new Map<string, Outcome>();
  return {
    replayOrApply(key, apply) {
      if (key === undefined) return apply();
      const stored = outcomes.get(key);
      if (stored) return stored;
      const outcome = apply();
      outcomes.set(key, outcome);
      return outcome;
    },
  };
}
