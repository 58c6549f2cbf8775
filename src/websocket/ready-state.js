// WHATWG WebSocket `readyState` values (HTML §9.3.1), and what a send did.
export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;
//# sourceMappingURL=ready-state.js.map