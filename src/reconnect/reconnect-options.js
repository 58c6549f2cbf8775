// The options of a ReconnectingWebSocket, their defaults and their validation.
import { Backoff } from '../protocol/reconnect/backoff.js';
import { PUBSUB_PROTOCOL } from '../protocol/pubsub/index.js';
export const DEFAULT_STOP_CODES = (code) => code === 1008 || (code >= 4000 && code <= 4999);
/** Throws a RangeError naming the first bad value (the backoff's first, then the counts). */
export function resolveReconnectOptions(options) {
    const protocols = options.protocols ?? PUBSUB_PROTOCOL;
    return {
        protocols: typeof protocols === 'string' ? [protocols] : [...protocols],
        backoff: new Backoff(options.backoff, options.random),
        maxAttempts: count(options.maxAttempts ?? Infinity, 'maxAttempts', true),
        shouldStop: options.shouldStop ?? DEFAULT_STOP_CODES,
        maxQueuedMessages: count(options.maxQueuedMessages ?? 1000, 'maxQueuedMessages', false),
        maxQueuedBytes: count(options.maxQueuedBytes ?? 1024 * 1024, 'maxQueuedBytes', false),
        maxPendingPublishes: count(options.maxPendingPublishes ?? 1000, 'maxPendingPublishes', false),
        websocket: options.websocket ?? {},
    };
}
function count(value, name, allowInfinity) {
    const ok = (allowInfinity && value === Infinity) || (Number.isSafeInteger(value) && value >= 0);
    if (!ok)
        throw new RangeError(`${name} must be a non-negative integer${allowInfinity ? ' or Infinity' : ''}, got ${String(value)}`);
    return value;
}
//# sourceMappingURL=reconnect-options.js.map