import { describe, expect, it } from 'vitest';
import { nonNegativeInteger, positiveInteger } from '../../src/protocol/integer-option.js';

describe('integer options', () => {
  it('positiveInteger takes safe integers from 1 and returns them', () => {
    expect(positiveInteger(1, 'n')).toBe(1);
    expect(positiveInteger(Number.MAX_SAFE_INTEGER, 'n')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('positiveInteger refuses %s with a RangeError naming the option', (value) => {
    expect(() => positiveInteger(value, 'maxThings')).toThrow(RangeError);
    expect(() => positiveInteger(value, 'maxThings')).toThrow(`maxThings must be a positive integer, got ${String(value)}`);
  });

  it('nonNegativeInteger takes 0 as well', () => {
    expect(nonNegativeInteger(0, 'n')).toBe(0);
    expect(nonNegativeInteger(7, 'n')).toBe(7);
  });

  it.each([-1, 0.5, Number.NaN, Number.NEGATIVE_INFINITY])('nonNegativeInteger refuses %s', (value) => {
    expect(() => nonNegativeInteger(value, 'maxHistory')).toThrow(`maxHistory must be a non-negative integer, got ${String(value)}`);
  });
});
