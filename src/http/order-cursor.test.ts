import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderId } from '../domain/ids.js';
import { decodeOrderCursor, encodeOrderCursor } from './order-cursor.js';

const text = (value: string) => Buffer.from(value, 'utf8').toString('base64url');

describe('order cursor', () => {
  it('decodes every position it encodes, to the microsecond', () => {
    const position = fc.record({
      createdAt: fc
        .tuple(
          fc.date({
            min: new Date('1970-01-01T00:00:00Z'),
            max: new Date('9999-12-31T23:59:59Z'),
            noInvalidDate: true,
          }),
          fc.integer({ min: 0, max: 999 }),
        )
        .map(
          ([date, micros]) =>
            `${date.toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`,
        ),
      id: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }).map(orderId),
    });

    fc.assert(
      fc.property(position, (value) => {
        expect(decodeOrderCursor(encodeOrderCursor(value))).toEqual(value);
      }),
    );
  });

  it('refuses what it could not have encoded', () => {
    const valid = encodeOrderCursor({
      createdAt: '2026-11-24T10:00:00.123456Z',
      id: orderId(17),
    });
    for (const bad of [
      '',
      `${valid}=`,
      `${valid}!`,
      text('2026-11-24T10:00:00.123Z|17'),
      text('2026-11-24T10:00:00.123456+00:00|17'),
      text('2026-11-24T25:00:00.123456Z|17'),
      text('2026-02-29T10:00:00.123456Z|17'),
      text('2026-11-24T10:00:00.123456Z|0'),
      text('2026-11-24T10:00:00.123456Z|017'),
      text('2026-11-24T10:00:00.123456Z|9007199254740993'),
      text('2026-11-24T10:00:00.123456Z|17|user:42'),
      text('{"createdAt":"2026-11-24T10:00:00.123456Z","id":17}'),
      'x'.repeat(101),
    ]) {
      expect(decodeOrderCursor(bad), bad).toBeUndefined();
    }
    expect(decodeOrderCursor(valid)).toEqual({
      createdAt: '2026-11-24T10:00:00.123456Z',
      id: 17,
    });
  });
});
