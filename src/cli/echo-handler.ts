import type { WebSocketConnection, WebSocketHandlers } from '../websocket/index.js';

/**
 * Sends every message back with its own type: text as text, binary as binary.
 * The data goes back as received, so text is neither decoded nor re-encoded.
 *
 * When a send has to wait behind unwritten data, reading from the peer pauses
 * until 'drain': a peer that sends faster than it reads is slowed down by TCP
 * instead of filling our send buffer.
 */
export function echoMessages(connection: WebSocketConnection): void {
  let waiting = false;
  const resume = (): void => {
    waiting = false;
    connection.resume();
  };
  connection.on('message', (data: Buffer, isBinary: boolean) => {
    if (connection.send(data, { binary: isBinary }) !== 'queued' || waiting) return;
    waiting = true;
    connection.pause();
    connection.once('drain', resume);
  });
}

/** The same echo as handlers of a `LeanWebSocketServer` (`switchboard echo`): nothing per connection. */
export const ECHO_HANDLERS: WebSocketHandlers = {
  message(connection, data, isBinary) {
    if (connection.send(data, { binary: isBinary }) === 'queued' && !connection.readingPaused) connection.pause();
  },
  // 'drain' comes only after a send answered 'queued', which is when reading was paused.
  drain(connection) {
    connection.resume();
  },
};
