import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asError } from '../../src/protocol/errors.js';

describe('asError', () => {
  it('returns an Error (or subclass) itself, not a copy', () => {
    const error = new TypeError('boom');
    expect(asError(error)).toBe(error);
  });

  it('wraps anything else in an Error whose message is String(value)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined)), (value) => {
        const error = asError(value);
        expect(error).toBeInstanceOf(Error);
        expect(error.message).toBe(String(value));
      }),
    );
  });

  it('still gives an Error for a value String() cannot convert', () => {
    const error = asError(Object.create(null));
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('a value that is not an Error was thrown');
  });
});
