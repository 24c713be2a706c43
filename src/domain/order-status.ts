import type { Actor } from './actor.js';
import { ForbiddenError, IllegalTransitionError } from './errors.js';

export const orderStatuses = [
  'pending',
  'paid',
  'processing',
  'shipped',
  'delivered',
  'cancelled',
  'failed',
] as const;

export type OrderStatus = (typeof orderStatuses)[number];

/** order-api.md's status diagram as one table; illegal moves are simply absent. */
export const nextStatuses = {
  pending: ['paid', 'cancelled', 'failed'],
  paid: ['processing', 'cancelled'],
  processing: ['shipped', 'cancelled', 'failed'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
  failed: [],
} as const satisfies Record<OrderStatus, readonly OrderStatus[]>;

/** Moves only the saga makes: an admin cannot mark an order paid, nor fail a pending one. */
const sagaOnly: ReadonlySet<string> = new Set(['pending>paid', 'pending>failed']);

export const isFinal = (status: OrderStatus): boolean => nextStatuses[status].length === 0;

export const canMove = (from: OrderStatus, to: OrderStatus): boolean =>
  (nextStatuses[from] as readonly OrderStatus[]).includes(to);

/** The statuses `to` may be entered from: the guard of every status change's update. */
export const statusesInto = (to: OrderStatus): OrderStatus[] =>
  orderStatuses.filter((from) => canMove(from, to));

/** The statuses a person (owner or admin) may move an order to from `from`. */
export function allowedStatusesFor(from: OrderStatus, actor: Actor): OrderStatus[] {
  const moves: readonly OrderStatus[] = nextStatuses[from];
  return moves.filter(
    (to) => !sagaOnly.has(`${from}>${to}`) && (actor.role === 'admin' ? true : to === 'cancelled'),
  );
}

/** What a status change does at the peers. */
export type TransitionEffect = 'none' | 'compensate';

/**
 * Decides whether `actor` may move an order from `from` to `to`, and what it entails.
 * Throws IllegalTransitionError for a move not in the table (or not the actor's to make), and
 * ForbiddenError when a user asks for something only an admin may do.
 */
export function decideTransition(
  from: OrderStatus,
  to: OrderStatus,
  actor: Actor,
): TransitionEffect {
  const allowed = allowedStatusesFor(from, actor);
  if (!allowed.includes(to)) {
    if (actor.role !== 'admin' && to !== 'cancelled') throw new ForbiddenError();
    throw new IllegalTransitionError(from, to, allowed);
  }
  return to === 'cancelled' || to === 'failed' ? 'compensate' : 'none';
}

/** The charge a status implies (peer-services.md invariants): the total while it stands. */
export const holdsCharge = (status: OrderStatus): boolean =>
  status === 'paid' || status === 'processing' || status === 'shipped' || status === 'delivered';
