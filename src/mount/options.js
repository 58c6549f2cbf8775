import { HUB_STREAM_MAX_BUFFERED_AMOUNT } from '../protocol/hub/contract.js';
import { positiveInteger } from '../protocol/integer-option.js';
import { timerInterval } from '../pubsub/pubsub-server.js';
export const SWITCHBOARD_DEFAULTS = Object.freeze({
    prefix: '/switchboard',
    heartbeatInterval: 25_000,
    sessionTimeout: 10_000,
    maxQueuedBytes: HUB_STREAM_MAX_BUFFERED_AMOUNT,
    maxBodyBytes: 1024 * 1024 + 4096,
    bodyTimeout: 60_000,
    maxSessions: 10_000,
});
export function resolveMountOptions(options) {
    return {
        prefix: checkPrefix(options.prefix ?? SWITCHBOARD_DEFAULTS.prefix),
        heartbeatInterval: timerInterval(options.heartbeatInterval ?? SWITCHBOARD_DEFAULTS.heartbeatInterval, 'heartbeatInterval'),
        sessionTimeout: timerInterval(options.sessionTimeout ?? SWITCHBOARD_DEFAULTS.sessionTimeout, 'sessionTimeout'),
        maxQueuedBytes: positiveInteger(options.maxQueuedBytes ?? SWITCHBOARD_DEFAULTS.maxQueuedBytes, 'maxQueuedBytes'),
        maxBodyBytes: positiveInteger(options.maxBodyBytes ?? SWITCHBOARD_DEFAULTS.maxBodyBytes, 'maxBodyBytes'),
        bodyTimeout: timerInterval(options.bodyTimeout ?? SWITCHBOARD_DEFAULTS.bodyTimeout, 'bodyTimeout'),
        maxSessions: positiveInteger(options.maxSessions ?? SWITCHBOARD_DEFAULTS.maxSessions, 'maxSessions'),
    };
}
/** A path of its own: starts with `/`, does not end with one, no query or fragment. */
function checkPrefix(prefix) {
    if (typeof prefix !== 'string' || !/^\/[^?#\s]*[^/?#\s]$/.test(prefix)) {
        throw new TypeError(`prefix must be a path like "/switchboard" (leading slash, none trailing), got ${JSON.stringify(prefix)}`);
    }
    return prefix;
}
//# sourceMappingURL=options.js.map