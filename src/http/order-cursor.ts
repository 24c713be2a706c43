import { Buffer } from 'node:buffer';
import { z } from 'zod';
import { orderId } from '../domain/ids.js';
import type { ListPosition } from '../orders/read-orders.js';

// The cursor is base64url of `<createdAt, UTC, microseconds>|<id>`: a position in the list and
// nothing else. It carries no user, filter or permission, so a crafted one can only move a
// caller within the orders they may already see.
const positionText = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{6})Z\|([1-9]\d{0,15})$/;
const base64url = /^[A-Za-z0-9_-]{1,100}$/;

export function encodeOrderCursor(position: ListPosition): string {
  return Buffer.from(`${position.createdAt}|${String(position.id)}`, 'utf8').toString('base64url');
}

/** The position a cursor names, or undefined for anything `encodeOrderCursor` cannot return. */
export function decodeOrderCursor(cursor: string): ListPosition | undefined {
  if (!base64url.test(cursor)) return undefined;
  const match = positionText.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (match === null) return undefined;
  const [, seconds = '', fraction = '', digits = ''] = match;
  // A real instant (no 25:00 or 30 February), and the one canonical spelling of this position.
  const instant = new Date(`${seconds}Z`);
  if (Number.isNaN(instant.getTime()) || instant.toISOString().slice(0, 19) !== seconds) {
    return undefined;
  }
  const id = Number(digits);
  if (!Number.isSafeInteger(id)) return undefined;
  const position = { createdAt: `${seconds}${fraction}Z`, id: orderId(id) };
  return encodeOrderCursor(position) === cursor ? position : undefined;
}

/** The `after` query parameter: a cursor decoded, or a 400 naming `after`. */
export const orderCursor = z.string().transform((cursor, ctx) => {
  const position = decodeOrderCursor(cursor);
  if (position === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'is not a cursor from this list; pass a nextCursor back unchanged',
    });
    return z.NEVER;
  }
  return position;
});
