import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Actor } from './actor.js';
import { ForbiddenError, IllegalTransitionError } from './errors.js';
import { userId } from './ids.js';
import type { OrderStatus } from './order-status.js';
import {
  allowedStatusesFor,
  canMove,
  decideTransition,
  isFinal,
  nextStatuses,
  orderStatuses,
} from './order-status.js';

const admin: Actor = { kind: 'user', userId: userId(1), role: 'admin' };
const user: Actor = { kind: 'user', userId: userId(2), role: 'user' };

describe('order status machine', () => {
  it('allows exactly the admin moves of order-api.md', () => {
    const moves = orderStatuses.flatMap((from) =>
      allowedStatusesFor(from, admin).map((to) => `${from}>${to}`),
    );
    expect(moves.sort()).toEqual(
      [
        'paid>processing',
        'processing>shipped',
        'shipped>delivered',
        'pending>cancelled',
        'paid>cancelled',
        'processing>cancelled',
        'processing>failed',
      ].sort(),
    );
  });

  it('lets a user only cancel, and only from pending, paid or processing', () => {
    for (const from of orderStatuses) {
      expect(allowedStatusesFor(from, user)).toEqual(
        ['pending', 'paid', 'processing'].includes(from) ? ['cancelled'] : [],
      );
    }
  });

  it('keeps pending→paid and pending→failed for the saga alone', () => {
    expect(canMove('pending', 'paid')).toBe(true);
    expect(() => decideTransition('pending', 'paid', admin)).toThrow(IllegalTransitionError);
    expect(() => decideTransition('pending', 'failed', admin)).toThrow(IllegalTransitionError);
  });

  it('treats delivered, cancelled and failed as final', () => {
    expect(orderStatuses.filter(isFinal)).toEqual(['delivered', 'cancelled', 'failed']);
  });

  it('names the current and allowed statuses when it refuses', () => {
    try {
      decideTransition('paid', 'delivered', admin);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(IllegalTransitionError);
      expect(error).toMatchObject({
        currentStatus: 'paid',
        allowedStatuses: ['processing', 'cancelled'],
      });
    }
  });

  it('refuses a user an admin-only move with 403, not 409', () => {
    expect(() => decideTransition('paid', 'processing', user)).toThrow(ForbiddenError);
  });

  it('says which moves compensate (refund and restock)', () => {
    expect(decideTransition('paid', 'cancelled', user)).toBe('compensate');
    expect(decideTransition('processing', 'failed', admin)).toBe('compensate');
    expect(decideTransition('paid', 'processing', admin)).toBe('none');
  });

  it('never leaves the transition table, whatever sequence of requests arrives', () => {
    const status = fc.constantFrom(...orderStatuses);
    fc.assert(
      fc.property(fc.array(fc.tuple(status, fc.boolean()), { maxLength: 30 }), (requests) => {
        let current: OrderStatus = 'paid';
        for (const [to, asAdmin] of requests) {
          try {
            decideTransition(current, to, asAdmin ? admin : user);
          } catch {
            continue;
          }
          expect((nextStatuses[current] as readonly OrderStatus[]).includes(to)).toBe(true);
          current = to;
        }
      }),
    );
  });
});
