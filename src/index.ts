// Public entry point of the `switchboard` package.
// Layers point one way: protocol core <- transports <- hub <- apps.

// --- Protocol core: WebSocket (RFC 6455), pure, sans-I/O ---
export * from './protocol/websocket/index.js';

// --- Protocol core: Server-Sent Events ---

// --- Transports ---

// --- Hub and reconnection ---
