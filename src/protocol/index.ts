// The `switchboard/protocol` entry: the pure, sans-I/O protocol cores (no sockets,
// timers or globals), for code that drives the protocols over its own I/O.
// Applications use the package root (`switchboard`) instead.

// --- WebSocket, RFC 6455: handshake, framing, closing ---
export * from './websocket/index.js';

// --- Server-Sent Events (WHATWG HTML §9.2): serializer and parser ---
export * from './sse/index.js';

// --- The `switchboard.v1` pub/sub subprotocol: messages, validators, encoders ---
export * from './pubsub/index.js';

// --- The hub contract: the `Hub` interface, message ids, channel names, gaps ---
export * from './hub/contract.js';

// --- The backoff policy shared by every reconnecting client ---
export * from './reconnect/backoff.js';

// --- The inspector's core: frames annotated field by field, the accept computation explained ---
export * from './inspector/index.js';
