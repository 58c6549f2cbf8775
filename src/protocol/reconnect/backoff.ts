// Reconnection backoff shared by every client in the project. Pure: no timers and no
// global randomness; the caller passes a random source and the clock readings.
//
// Three jitter policies (see docs/scaling.md "Reconnect storm" for the measurements):
// - a number j: proportional, the exponential delay scaled by a factor in [1 - j, 1 + j)
//   (the project default, ±10 %);
// - 'full': uniform in [0, exponential delay] ("full jitter");
// - 'decorrelated': uniform in [initial, previous delay × multiplier], capped, where the
//   previous delay is the last one this policy returned ("decorrelated jitter"). Both
//   named ones follow https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/.

/** How a delay is spread: a ratio for proportional jitter, or one of the named policies. */
export type JitterPolicy = number | 'full' | 'decorrelated';

/** The growth factor of decorrelated jitter when none is given, as in the AWS article. */
export const DECORRELATED_MULTIPLIER = 3;

export interface BackoffOptions {
  /** Delay before the first reconnection attempt. Default 1 000 ms. */
  readonly initialDelayMs: number;
  /** Growth factor per failed attempt. Default 2 (3 with decorrelated jitter). */
  readonly multiplier: number;
  /** Largest delay before jitter. Default 60 000 ms. */
  readonly maxDelayMs: number;
  /**
   * How delays are spread so that clients dropped together do not come back together.
   * A number is relative jitter, applied after the cap so that clients stuck at the cap
   * still spread out: 0.1 means ±10 %. `'full'` waits uniformly in [0, delay];
   * `'decorrelated'` waits uniformly in [initialDelayMs, previous × multiplier], capped.
   * Default 0.1.
   */
  readonly jitter: JitterPolicy;
  /** A connection that stayed up this long resets the delay to `initialDelayMs`. Default 30 000 ms. */
  readonly resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({
  initialDelayMs: 1000,
  multiplier: 2,
  maxDelayMs: 60_000,
  jitter: 0.1,
  resetAfterMs: 30_000,
});

/** A source of numbers in [0, 1), like `Math.random`. */
export type RandomSource = () => number;

/** Fills in defaults and rejects values that would make the policy meaningless. */
export function resolveBackoffOptions(options: Partial<BackoffOptions> = {}): BackoffOptions {
  const multiplier = options.jitter === 'decorrelated' ? DECORRELATED_MULTIPLIER : DEFAULT_BACKOFF.multiplier;
  const resolved: BackoffOptions = { ...DEFAULT_BACKOFF, multiplier, ...options };
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new RangeError(`invalid backoff option: ${what}`);
  };
  check(Number.isFinite(resolved.initialDelayMs) && resolved.initialDelayMs >= 0, 'initialDelayMs must be >= 0');
  check(Number.isFinite(resolved.multiplier) && resolved.multiplier >= 1, 'multiplier must be >= 1');
  check(Number.isFinite(resolved.maxDelayMs) && resolved.maxDelayMs >= resolved.initialDelayMs, 'maxDelayMs must be >= initialDelayMs');
  check(validJitter(resolved.jitter), "jitter must be in [0, 1), 'full' or 'decorrelated'");
  check(Number.isFinite(resolved.resetAfterMs) && resolved.resetAfterMs >= 0, 'resetAfterMs must be >= 0');
  return resolved;
}

function validJitter(jitter: unknown): boolean {
  if (typeof jitter === 'number') return Number.isFinite(jitter) && jitter >= 0 && jitter < 1;
  return jitter === 'full' || jitter === 'decorrelated';
}

/** The delay before attempt number `attempt` (0 = first retry), before jitter. */
export function baseDelay(attempt: number, options: BackoffOptions): number {
  if (!Number.isSafeInteger(attempt) || attempt < 0) throw new RangeError(`attempt must be a non-negative integer, got ${String(attempt)}`);
  // Multiplying step by step stops at the cap instead of overflowing to Infinity.
  let delay = options.initialDelayMs;
  for (let i = 0; i < attempt && delay < options.maxDelayMs; i++) delay *= options.multiplier;
  return Math.min(delay, options.maxDelayMs);
}

/**
 * The jittered delay before attempt number `attempt`: `baseDelay` scaled by a factor in
 * [1 - jitter, 1 + jitter), or uniform in [0, baseDelay] with full jitter. Decorrelated
 * jitter depends on the previous delay rather than the attempt number, so it needs the
 * state that `backoffNext` keeps; here `previousDelayMs` stands for it (default: none yet).
 */
export function jitteredDelay(attempt: number, options: BackoffOptions, random: RandomSource, previousDelayMs: number | null = null): number {
  const r = random();
  if (!(r >= 0 && r < 1)) throw new RangeError(`random source must return a number in [0, 1), got ${String(r)}`);
  const { jitter } = options;
  if (jitter === 'decorrelated') {
    // AWS: sleep = min(cap, random_between(base, sleep × 3)), with sleep = base at first.
    const low = options.initialDelayMs;
    const high = Math.max(low, (previousDelayMs ?? low) * options.multiplier);
    return Math.round(Math.min(options.maxDelayMs, low + (high - low) * r));
  }
  const base = baseDelay(attempt, options);
  if (jitter === 'full') return Math.round(base * r);
  return Math.round(base * (1 + jitter * (2 * r - 1)));
}

/** The policy's whole state: how many attempts failed since the last healthy connection. */
export interface BackoffState {
  readonly attempt: number;
  /** When the current connection opened (caller's clock), or null when not connected. */
  readonly connectedAt: number | null;
  /** The last delay returned since the last reset, which decorrelated jitter grows from. */
  readonly previousDelayMs: number | null;
}

export const INITIAL_BACKOFF_STATE: BackoffState = Object.freeze({ attempt: 0, connectedAt: null, previousDelayMs: null });

/** A connection opened at `now`. */
export function backoffConnected(state: BackoffState, now: number): BackoffState {
  return { ...state, connectedAt: now };
}

/**
 * The connection dropped (or an attempt failed) at `now`: returns the delay to wait and
 * the next state. A connection that had been up for `resetAfterMs` starts over at the
 * initial delay; a short-lived one keeps growing the delay, so a server that accepts and
 * immediately drops clients is not hammered.
 */
export function backoffNext(
  state: BackoffState,
  now: number,
  options: BackoffOptions,
  random: RandomSource,
): { readonly delayMs: number; readonly state: BackoffState } {
  const healthy = state.connectedAt !== null && now - state.connectedAt >= options.resetAfterMs;
  const attempt = healthy ? 0 : state.attempt;
  const delayMs = jitteredDelay(attempt, options, random, healthy ? null : state.previousDelayMs);
  return { delayMs, state: { attempt: attempt + 1, connectedAt: null, previousDelayMs: delayMs } };
}

/** A small mutable wrapper for clients that keep one policy per connection. */
export class Backoff {
  private state: BackoffState = INITIAL_BACKOFF_STATE;
  readonly options: BackoffOptions;

  constructor(
    options: Partial<BackoffOptions> = {},
    private readonly random: RandomSource = Math.random,
  ) {
    this.options = resolveBackoffOptions(options);
  }

  /** Failed attempts since the last healthy connection. */
  get attempt(): number {
    return this.state.attempt;
  }

  connected(now: number): void {
    this.state = backoffConnected(this.state, now);
  }

  /** The delay before the next attempt; call once per drop or failed attempt. */
  next(now: number): number {
    const { delayMs, state } = backoffNext(this.state, now, this.options, this.random);
    this.state = state;
    return delayMs;
  }

  reset(): void {
    this.state = INITIAL_BACKOFF_STATE;
  }
}
