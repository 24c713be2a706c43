import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { idSchema } from './ids.js';
import { positiveAmountSchema } from './money.js';
import type { Operation, OperationTarget } from './operation.js';

export const faultModes = [
  'error',
  'latency',
  'hang',
  'process-then-error',
  'process-then-hang',
  'garbage',
  'huge-body',
  'html',
  'redirect',
  'wrong-amount',
] as const;

export function faultRuleSchema(operations: readonly [Operation, ...Operation[]]) {
  return z
    .object({
      operation: z.enum(operations),
      mode: z.enum(faultModes),
      count: z.int().positive().optional(),
      latencyMs: z.int().nonnegative().max(600_000).optional(),
      status: z.int().min(100).max(599).optional(),
      location: z.url().optional(),
      amount: positiveAmountSchema.optional(),
      match: z
        .object({ productId: idSchema.optional(), orderId: idSchema.optional() })
        .strict()
        .optional(),
    })
    .strict()
    .refine((rule) => rule.mode !== 'latency' || rule.latencyMs !== undefined, {
      message: 'latency needs latencyMs',
    })
    .refine((rule) => rule.mode !== 'redirect' || rule.location !== undefined, {
      message: 'redirect needs location',
    })
    .refine(
      (rule) =>
        rule.mode !== 'wrong-amount' || (rule.operation === 'charge' && rule.amount !== undefined),
      { message: 'wrong-amount is for charge and needs amount' },
    );
}

export type FaultRuleInput = z.output<ReturnType<typeof faultRuleSchema>>;

/** `remaining` is undefined for a rule that applies until the rules are cleared. */
export type FaultRule = {
  id: number;
  operation: Operation;
  mode: (typeof faultModes)[number];
  remaining: number | undefined;
  latencyMs: number;
  status: number;
  /** `redirect` only. */
  location: string | undefined;
  /** `wrong-amount` only: what the charge takes instead of the amount asked. */
  amountCents: number | undefined;
  match: { productId: number | undefined; orderId: number | undefined };
};

export type Faults = {
  add(input: FaultRuleInput): FaultRule;
  clear(): void;
  list(): FaultRule[];
  /** The first rule matching the call, consuming one of its `count`. */
  take(operation: Operation, target: OperationTarget): FaultRule | undefined;
};

export function createFaults(): Faults {
  let rules: FaultRule[] = [];
  let lastId = 0;
  const matches = (rule: FaultRule, operation: Operation, target: OperationTarget) =>
    rule.operation === operation &&
    (rule.match.productId === undefined || rule.match.productId === target.productId) &&
    (rule.match.orderId === undefined || rule.match.orderId === target.orderId);

  return {
    add(input) {
      lastId += 1;
      const rule: FaultRule = {
        id: lastId,
        operation: input.operation,
        mode: input.mode,
        remaining: input.count,
        latencyMs: input.latencyMs ?? 0,
        status: input.status ?? (input.mode === 'redirect' ? 302 : 503),
        location: input.location,
        amountCents: input.amount,
        match: { productId: input.match?.productId, orderId: input.match?.orderId },
      };
      rules.push(rule);
      return rule;
    },
    clear() {
      rules = [];
    },
    list() {
      return [...rules];
    },
    take(operation, target) {
      const rule = rules.find((candidate) => matches(candidate, operation, target));
      if (rule?.remaining === undefined) return rule;
      rule.remaining -= 1;
      if (rule.remaining === 0) rules = rules.filter((candidate) => candidate !== rule);
      return { ...rule };
    },
  };
}

/** Resolves false instead of waiting on when the service shuts down. */
export async function waitUnlessAborted(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch (error) {
    if (signal.aborted) return false;
    throw error;
  }
}
