// The `switchboard.v1` WebSocket subprotocol: pub/sub over hub channels in JSON text
// frames, one message per frame. Types first; parsing and encoding live next door.
// Pure: no sockets, no timers, no hub. Anything that speaks JSON over a WebSocket (a
// browser) can use it.
/** The Sec-WebSocket-Protocol token of this subprotocol. */
export const PUBSUB_PROTOCOL = 'switchboard.v1';
export const DEFAULT_PUBSUB_LIMITS = Object.freeze({
    maxTextLength: 1024 * 1024 + 4096,
    maxChannelLength: 256,
    maxEventLength: 256,
    maxRefLength: 128,
    maxIdLength: 128,
});
export const GAP_REASONS = Object.freeze(['expired', 'epoch-changed', 'unknown-id']);
export const ERROR_CODES = Object.freeze([
    'bad-request',
    'forbidden',
    'too-many-subscriptions',
    'already-subscribed',
    'not-subscribed',
    'publish-failed',
    'subscribe-failed',
    'subscription-ended',
]);
//# sourceMappingURL=messages.js.map