import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/protocol/retry-after.js';

describe('Retry-After (RFC 9110 §10.2.3)', () => {
  const now = Date.parse('Sun, 06 Nov 1994 08:49:37 GMT');

  it('reads delay-seconds as ms', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
  });

  it('reads an HTTP-date as the time left until it, and a past one as at once', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:47 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:00:00 GMT', now)).toBe(0);
  });

  it('ignores what is absent or not one of the two forms', () => {
    for (const value of [null, undefined, '', '-1', '1.5', '1e3', 'soon', '2 seconds', 'Sun, 06 Nov 1994 08:49:47']) {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    }
  });

  it('keeps a huge delay finite and within what a timer takes', () => {
    expect(parseRetryAfter('99999999999999999999', now)).toBe(2 ** 31 - 1);
  });
});
