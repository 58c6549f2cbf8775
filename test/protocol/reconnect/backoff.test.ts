import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Backoff,
  DECORRELATED_MULTIPLIER,
  DEFAULT_BACKOFF,
  INITIAL_BACKOFF_STATE,
  backoffConnected,
  backoffNext,
  baseDelay,
  jitteredDelay,
  resolveBackoffOptions,
  type BackoffOptions,
} from '../../../src/protocol/reconnect/backoff.js';

/** Deterministic random source (mulberry32), so spreading tests are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const options = fc
  .record({
    initialDelayMs: fc.integer({ min: 0, max: 10_000 }),
    multiplier: fc.double({ min: 1, max: 4, noNaN: true }),
    extra: fc.integer({ min: 0, max: 120_000 }),
    jitter: fc.double({ min: 0, max: 0.5, noNaN: true }),
    resetAfterMs: fc.integer({ min: 0, max: 60_000 }),
  })
  .map(({ extra, ...rest }): BackoffOptions & { jitter: number } => ({ ...rest, maxDelayMs: rest.initialDelayMs + extra }));
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('defaults', () => {
  it('are 1 s doubling to 60 s with ±10 % jitter', () => {
    expect(DEFAULT_BACKOFF).toEqual({ initialDelayMs: 1000, multiplier: 2, maxDelayMs: 60_000, jitter: 0.1, resetAfterMs: 30_000 });
    expect([0, 1, 2, 3, 4, 5, 6, 7, 50].map((n) => baseDelay(n, DEFAULT_BACKOFF))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('jitter without randomness (r = 0.5) is the base delay; the extremes are ±10 %', () => {
    expect(jitteredDelay(0, DEFAULT_BACKOFF, () => 0.5)).toBe(1000);
    expect(jitteredDelay(0, DEFAULT_BACKOFF, () => 0)).toBe(900);
    expect(jitteredDelay(10, DEFAULT_BACKOFF, () => 0.999_999)).toBe(66_000);
  });
});

describe('properties', () => {
  it('every delay stays within [base·(1−j), base·(1+j)] and never above cap·(1+j)', () => {
    fc.assert(
      fc.property(options, fc.nat({ max: 200 }), unit, (o, attempt, r) => {
        const base = baseDelay(attempt, o);
        const delay = jitteredDelay(attempt, o, () => r);
        expect(base).toBeGreaterThanOrEqual(o.initialDelayMs);
        expect(base).toBeLessThanOrEqual(o.maxDelayMs);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(base * (1 - o.jitter)));
        expect(delay).toBeLessThanOrEqual(Math.ceil(base * (1 + o.jitter)));
      }),
    );
  });

  it('base delays never shrink and grow by the multiplier until the cap', () => {
    fc.assert(
      fc.property(options, fc.nat({ max: 100 }), (o, attempt) => {
        const now = baseDelay(attempt, o);
        const next = baseDelay(attempt + 1, o);
        expect(next).toBeGreaterThanOrEqual(now);
        if (now < o.maxDelayMs) expect(next).toBeCloseTo(Math.min(now * o.multiplier, o.maxDelayMs), 6);
        else expect(next).toBe(o.maxDelayMs);
      }),
    );
  });

  it('repeated failures walk up to the cap and stay there', () => {
    fc.assert(
      // A delay that can grow: starting above zero with a multiplier above one.
      fc.property(options.filter((o) => o.initialDelayMs >= 1 && o.multiplier >= 1.5), (o) => {
        let state = INITIAL_BACKOFF_STATE;
        const random = () => 0.5;
        let last = -1;
        for (let i = 0; i < 80; i++) {
          const step = backoffNext(state, i, o, random);
          state = step.state;
          expect(step.delayMs).toBeGreaterThanOrEqual(last);
          last = step.delayMs;
        }
        expect(last).toBe(Math.round(o.maxDelayMs));
      }),
    );
  });

  it('a thousand clients failing together spread out instead of retrying in lockstep', () => {
    const random = seeded(42);
    for (const attempt of [0, 3, 40]) {
      const delays = Array.from({ length: 1000 }, () => jitteredDelay(attempt, DEFAULT_BACKOFF, random));
      const base = baseDelay(attempt, DEFAULT_BACKOFF);
      const min = Math.min(...delays);
      const max = Math.max(...delays);
      // They cover most of the ±10 % window…
      expect(max - min).toBeGreaterThan(base * 0.18);
      // …and no 1 %-wide slice of it holds more than a few percent of the clients.
      const buckets = new Map<number, number>();
      for (const delay of delays) {
        const bucket = Math.floor((delay - base * 0.9) / (base * 0.01));
        buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
      }
      expect(Math.max(...buckets.values())).toBeLessThan(100);
      expect(buckets.size).toBeGreaterThanOrEqual(19);
    }
  });

  it('even clients at the cap spread out, because jitter is applied after the cap', () => {
    const random = seeded(7);
    const delays = new Set(Array.from({ length: 1000 }, () => jitteredDelay(100, DEFAULT_BACKOFF, random)));
    expect(delays.size).toBeGreaterThan(900);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(54_000);
      expect(delay).toBeLessThanOrEqual(66_000);
    }
  });
});

describe('full jitter', () => {
  it('waits uniformly in [0, base delay], the cap included', () => {
    fc.assert(
      fc.property(options, fc.nat({ max: 200 }), unit, (o, attempt, r) => {
        const full: BackoffOptions = { ...o, jitter: 'full' };
        const delay = jitteredDelay(attempt, full, () => r);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(Math.round(baseDelay(attempt, full)));
        expect(delay).toBeLessThanOrEqual(Math.round(o.maxDelayMs));
      }),
    );
  });

  it('spreads a thousand clients over the whole window', () => {
    const full = resolveBackoffOptions({ jitter: 'full' });
    const random = seeded(3);
    const delays = Array.from({ length: 1000 }, () => jitteredDelay(0, full, random));
    expect(Math.min(...delays)).toBeLessThan(20);
    expect(Math.max(...delays)).toBeGreaterThan(980);
    // Ten 100 ms slices, none holding more than 15 % (uniform: 10 %).
    const slices = new Array<number>(10).fill(0);
    for (const delay of delays) slices[Math.min(9, Math.floor(delay / 100))]++;
    expect(Math.max(...slices)).toBeLessThan(150);
    expect([0, 1, 6, 50].map((n) => jitteredDelay(n, full, () => 0.5))).toEqual([500, 1000, 30_000, 30_000]);
  });
});

describe('decorrelated jitter', () => {
  const decorrelated = (o: BackoffOptions): BackoffOptions => ({ ...o, jitter: 'decorrelated' });

  it('defaults to the AWS growth factor of 3 unless a multiplier is given', () => {
    expect(resolveBackoffOptions({ jitter: 'decorrelated' })).toMatchObject({ multiplier: DECORRELATED_MULTIPLIER, initialDelayMs: 1000 });
    expect(resolveBackoffOptions({ jitter: 'decorrelated', multiplier: 1.5 }).multiplier).toBe(1.5);
    expect(resolveBackoffOptions({ jitter: 'full' }).multiplier).toBe(2);
  });

  it('every delay lies in [initial, min(cap, previous × multiplier)]', () => {
    fc.assert(
      fc.property(options, fc.array(unit, { minLength: 1, maxLength: 60 }), (o, draws) => {
        const d = decorrelated(o);
        let state = INITIAL_BACKOFF_STATE;
        let previous = o.initialDelayMs;
        for (const r of draws) {
          const step = backoffNext(state, 0, d, () => r);
          expect(step.delayMs).toBeGreaterThanOrEqual(Math.min(o.initialDelayMs, Math.round(o.maxDelayMs)));
          expect(step.delayMs).toBeLessThanOrEqual(Math.round(Math.min(o.maxDelayMs, Math.max(o.initialDelayMs, previous * o.multiplier))));
          expect(step.delayMs).toBeLessThanOrEqual(Math.round(o.maxDelayMs));
          expect(step.state.previousDelayMs).toBe(step.delayMs);
          previous = step.delayMs;
          state = step.state;
        }
      }),
    );
  });

  it('grows from the previous delay, not the attempt number, up to the cap', () => {
    const d = resolveBackoffOptions({ jitter: 'decorrelated' });
    let state = INITIAL_BACKOFF_STATE;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const step = backoffNext(state, 0, d, () => 0.999_999);
      delays.push(step.delayMs);
      state = step.state;
    }
    // The top of each window: 3 s, 9 s, 27 s, then the 60 s cap.
    expect(delays).toEqual([3000, 9000, 27_000, 60_000, 60_000, 60_000, 60_000, 60_000]);
    // Low draws keep it near the initial delay whatever the attempt number.
    expect(backoffNext(state, 0, d, () => 0).delayMs).toBe(1000);
    // Stateless use starts from the initial delay.
    expect(jitteredDelay(5, d, () => 0.5)).toBe(2000);
    expect(jitteredDelay(5, d, () => 0.5, 10_000)).toBe(15_500);
  });

  it('a healthy connection starts it over at [initial, initial × multiplier]', () => {
    fc.assert(
      fc.property(fc.array(unit, { minLength: 1, maxLength: 20 }), unit, (draws, r) => {
        const d = resolveBackoffOptions({ jitter: 'decorrelated', resetAfterMs: 100 });
        let state = INITIAL_BACKOFF_STATE;
        for (const draw of draws) state = backoffNext(state, 0, d, () => draw).state;
        state = backoffConnected(state, 1000);
        expect(state.previousDelayMs).not.toBeNull();
        const step = backoffNext(state, 1100, d, () => r);
        expect(step.delayMs).toBe(Math.round(1000 + 2000 * r));
        expect(step.state.attempt).toBe(1);
      }),
    );
  });
});

describe('reset after a healthy connection', () => {
  const o = resolveBackoffOptions({ jitter: 0 });

  it('starts over at the initial delay when the connection lasted resetAfterMs', () => {
    let state = INITIAL_BACKOFF_STATE;
    for (let i = 0; i < 5; i++) state = backoffNext(state, 0, o, Math.random).state;
    state = backoffConnected(state, 1000);
    const step = backoffNext(state, 1000 + o.resetAfterMs, o, Math.random);
    expect(step.delayMs).toBe(1000);
    expect(step.state.attempt).toBe(1);
  });

  it('keeps growing when the connection dropped sooner', () => {
    let state = INITIAL_BACKOFF_STATE;
    for (let i = 0; i < 3; i++) state = backoffNext(state, 0, o, Math.random).state;
    state = backoffConnected(state, 1000);
    expect(backoffNext(state, 1000 + o.resetAfterMs - 1, o, Math.random).delayMs).toBe(8000);
  });
});

describe('Backoff wrapper', () => {
  it('tracks attempts, connections and resets', () => {
    const backoff = new Backoff({ jitter: 0, resetAfterMs: 100 }, () => 0.3);
    expect([backoff.next(0), backoff.next(0), backoff.next(0)]).toEqual([1000, 2000, 4000]);
    expect(backoff.attempt).toBe(3);
    backoff.connected(10);
    expect(backoff.next(50)).toBe(8000);
    backoff.connected(60);
    expect(backoff.next(160)).toBe(1000);
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(new Backoff().options).toEqual(DEFAULT_BACKOFF);
  });
});

describe('validation', () => {
  it.each([
    { initialDelayMs: -1 },
    { multiplier: 0.5 },
    { maxDelayMs: 10 },
    { jitter: 1 },
    { jitter: -0.1 },
    { jitter: 'none' as unknown as number },
    { jitter: Number.NaN },
    { resetAfterMs: Number.NaN },
  ])('rejects %o', (bad) => {
    expect(() => resolveBackoffOptions(bad)).toThrow(/invalid backoff option/);
  });

  it('rejects bad attempts and random sources', () => {
    expect(() => baseDelay(-1, DEFAULT_BACKOFF)).toThrow(RangeError);
    expect(() => baseDelay(0.5, DEFAULT_BACKOFF)).toThrow(RangeError);
    expect(() => jitteredDelay(0, DEFAULT_BACKOFF, () => 1)).toThrow(/random source/);
    expect(() => jitteredDelay(0, DEFAULT_BACKOFF, () => Number.NaN)).toThrow(/random source/);
  });
});
