import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cents, formatCents, multiplyCents, parseMoney, sumCents } from './money.js';

describe('money', () => {
  it('parses decimal strings and JSON numbers into exact cents', () => {
    expect(parseMoney('29.99')).toBe(2999);
    expect(parseMoney('0.10')).toBe(10);
    expect(parseMoney('0.1')).toBe(10);
    expect(parseMoney('7')).toBe(700);
    expect(parseMoney(19.99)).toBe(1999);
    expect(parseMoney(0.1)).toBe(10);
    expect(parseMoney(0.2)).toBe(20);
  });

  it('refuses amounts that are not money', () => {
    for (const bad of ['', '1.999', '-1.00', 'abc', '1e3', '1.', '.5']) {
      expect(() => parseMoney(bad)).toThrow(RangeError);
    }
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, 1.005, 1e21]) {
      expect(() => parseMoney(bad)).toThrow(RangeError);
    }
  });

  it('adds 0.10 and 0.20 to exactly 0.30', () => {
    expect(formatCents(sumCents([parseMoney('0.10'), parseMoney('0.20')]))).toBe('0.30');
  });

  it('formats with exactly two fractional digits', () => {
    expect(formatCents(cents(0))).toBe('0.00');
    expect(formatCents(cents(5))).toBe('0.05');
    expect(formatCents(cents(5998))).toBe('59.98');
    expect(formatCents(multiplyCents(cents(19999), 1000))).toBe('199990.00');
  });

  it('round-trips every amount through its text', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e13 }), (amount) => {
        expect(parseMoney(formatCents(cents(amount)))).toBe(amount);
      }),
    );
  });

  it('sums exactly whatever the order of the amounts', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1e9 }), { maxLength: 50 }), (amounts) => {
        const forward = sumCents(amounts.map(cents));
        const backward = sumCents([...amounts].reverse().map(cents));
        expect(forward).toBe(backward);
        expect(forward).toBe(amounts.reduce((a, b) => a + b, 0));
      }),
    );
  });
});
