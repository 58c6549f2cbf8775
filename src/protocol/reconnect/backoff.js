// Reconnection backoff shared by every client in the project. Pure: no timers and no
// global randomness; the caller passes a random source and the clock readings.
export const DEFAULT_BACKOFF = Object.freeze({
    initialDelayMs: 1000,
    multiplier: 2,
    maxDelayMs: 60_000,
    jitter: 0.1,
    resetAfterMs: 30_000,
});
/** Fills in defaults and rejects values that would make the policy meaningless. */
export function resolveBackoffOptions(options = {}) {
    const resolved = { ...DEFAULT_BACKOFF, ...options };
    const check = (ok, what) => {
        if (!ok)
            throw new RangeError(`invalid backoff option: ${what}`);
    };
    check(Number.isFinite(resolved.initialDelayMs) && resolved.initialDelayMs >= 0, 'initialDelayMs must be >= 0');
    check(Number.isFinite(resolved.multiplier) && resolved.multiplier >= 1, 'multiplier must be >= 1');
    check(Number.isFinite(resolved.maxDelayMs) && resolved.maxDelayMs >= resolved.initialDelayMs, 'maxDelayMs must be >= initialDelayMs');
    check(Number.isFinite(resolved.jitter) && resolved.jitter >= 0 && resolved.jitter < 1, 'jitter must be in [0, 1)');
    check(Number.isFinite(resolved.resetAfterMs) && resolved.resetAfterMs >= 0, 'resetAfterMs must be >= 0');
    return resolved;
}
/** The delay before attempt number `attempt` (0 = first retry), before jitter. */
export function baseDelay(attempt, options) {
    if (!Number.isSafeInteger(attempt) || attempt < 0)
        throw new RangeError(`attempt must be a non-negative integer, got ${String(attempt)}`);
    // Multiplying step by step stops at the cap instead of overflowing to Infinity.
    let delay = options.initialDelayMs;
    for (let i = 0; i < attempt && delay < options.maxDelayMs; i++)
        delay *= options.multiplier;
    return Math.min(delay, options.maxDelayMs);
}
/** The jittered delay: `baseDelay` scaled by a factor in [1 - jitter, 1 + jitter). */
export function jitteredDelay(attempt, options, random) {
    const r = random();
    if (!(r >= 0 && r < 1))
        throw new RangeError(`random source must return a number in [0, 1), got ${String(r)}`);
    return Math.round(baseDelay(attempt, options) * (1 + options.jitter * (2 * r - 1)));
}
export const INITIAL_BACKOFF_STATE = Object.freeze({ attempt: 0, connectedAt: null });
/** A connection opened at `now`. */
export function backoffConnected(state, now) {
    return { attempt: state.attempt, connectedAt: now };
}
/**
 * The connection dropped (or an attempt failed) at `now`: returns the delay to wait and
 * the next state. A connection that had been up for `resetAfterMs` starts over at the
 * initial delay; a short-lived one keeps growing the delay, so a server that accepts and
 * immediately drops clients is not hammered.
 */
export function backoffNext(state, now, options, random) {
    const healthy = state.connectedAt !== null && now - state.connectedAt >= options.resetAfterMs;
    const attempt = healthy ? 0 : state.attempt;
    return { delayMs: jitteredDelay(attempt, options, random), state: { attempt: attempt + 1, connectedAt: null } };
}
/** A small mutable wrapper for clients that keep one policy per connection. */
export class Backoff {
    random;
    state = INITIAL_BACKOFF_STATE;
    options;
    constructor(options = {}, random = Math.random) {
        this.random = random;
        this.options = resolveBackoffOptions(options);
    }
    /** Failed attempts since the last healthy connection. */
    get attempt() {
        return this.state.attempt;
    }
    connected(now) {
        this.state = backoffConnected(this.state, now);
    }
    /** The delay before the next attempt; call once per drop or failed attempt. */
    next(now) {
        const { delayMs, state } = backoffNext(this.state, now, this.options, this.random);
        this.state = state;
        return delayMs;
    }
    reset() {
        this.state = INITIAL_BACKOFF_STATE;
    }
}
//# sourceMappingURL=backoff.js.map