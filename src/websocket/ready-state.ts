// WHATWG WebSocket `readyState` values (HTML §9.3.1), and what a send did.
export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;
export type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSING | typeof CLOSED;

/** What `send` did with the data (after uWebSockets): */
export type SendResult =
  /** Accepted; nothing much is waiting ahead of it. */
  | 'sent'
  /** Accepted, but waiting behind unwritten data: slow down until 'drain'. */
  | 'queued'
  /** Not sent: the connection is not open, or the buffer limit was reached. */
  | 'dropped';
