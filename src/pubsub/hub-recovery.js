// How the pub/sub server rides out a hub outage (a Redis restart): the server recovers,
// not the client. Each shared channel subscription re-subscribes to the hub by itself,
// with `since` = the last id it delivered, on a short backoff; a subscribe made during
// the outage is held until the hub is back. Doing it here, once per channel per process,
// works for every client (raw WebSockets, browsers, ReconnectingWebSocket) with no client
// logic, and costs one re-subscribe per channel instead of one per client.
import { HubClosedError, HubInputError } from '../protocol/hub/contract.js';
import { resolveBackoffOptions } from '../protocol/reconnect/backoff.js';
export const DEFAULT_RECOVERY_BACKOFF = Object.freeze({ initialDelayMs: 100, multiplier: 2, maxDelayMs: 5000, jitter: 0.2 });
const globalTimers = {
    setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
    clearTimeout: (handle) => clearTimeout(handle),
};
export function resolveRecovery(options = {}) {
    const subscribeTimeoutMs = options.subscribeTimeoutMs ?? 60_000;
    // Timers take at most 2^31 - 1 ms; a longer one would fire at once.
    if (!(subscribeTimeoutMs > 0 && (subscribeTimeoutMs <= 2 ** 31 - 1 || subscribeTimeoutMs === Infinity))) {
        throw new RangeError(`recovery.subscribeTimeoutMs must be in (0, 2^31 - 1] or Infinity, got ${String(subscribeTimeoutMs)}`);
    }
    return {
        backoff: resolveBackoffOptions({ ...DEFAULT_RECOVERY_BACKOFF, ...options.backoff }),
        subscribeTimeoutMs,
        timers: options.timers ?? globalTimers,
        random: options.random ?? Math.random,
    };
}
/**
 * Whether a hub failure may pass: anything but a closed hub or a refused input (bad
 * channel name, too many channels), which no retry can fix. A `HubUnavailableError` (Redis
 * unreachable, the Pub/Sub connection lost, a hole in the live sequence) is the usual one.
 */
export function isTransient(error) {
    return !(error instanceof HubClosedError || error instanceof HubInputError);
}
//# sourceMappingURL=hub-recovery.js.map