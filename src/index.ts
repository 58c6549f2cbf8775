// Public entry point of the `switchboard` package.
// Layers point one way: protocol core <- transports <- hub <- apps.

// --- Protocol core: WebSocket (RFC 6455), pure, sans-I/O ---
export * from './protocol/websocket/index.js';

// --- Protocol core: Server-Sent Events ---
export * from './protocol/sse/index.js';

// --- Protocol core: pub/sub over WebSocket (switchboard.v1) ---
export * from './protocol/pubsub/index.js';

// --- Transports ---
export * from './websocket/index.js';
export * from './sse/index.js';
export * from './long-polling/index.js';

// --- Hub and reconnection ---
export * from './hub/index.js';
export * from './pubsub/index.js';
export * from './reconnect/index.js';

