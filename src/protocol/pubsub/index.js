// The `switchboard.v1` pub/sub subprotocol over WebSocket: message types, validators and
// encoders, and the client's channel state. Pure: no sockets, no timers, no hub.
export { DEFAULT_PUBSUB_LIMITS, ERROR_CODES, GAP_REASONS, PUBSUB_PROTOCOL, } from './messages.js';
export { parseClientMessage, parseServerMessage, resolvePubSubLimits } from './parse.js';
export { encodeClientMessage, encodeServerMessage } from './encode.js';
export { ClientChannels, } from './client-channels.js';
//# sourceMappingURL=index.js.map