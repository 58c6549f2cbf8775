// A session carried by a WebSocket: client messages are text frames, replies and
// channel messages are text frames, and a full send buffer or too many bad requests
// close the connection with the code that tells the client what to do next.
import type { IncomingMessage } from 'node:http';
import { CloseCode } from '../protocol/websocket/index.js';
import { OPEN } from '../websocket/ready-state.js';
import type { SocketConnection } from '../websocket/socket-connection.js';
import { PubSubSession, type SessionEndReason, type SessionSettings, type SessionTransport } from './pubsub-session.js';

class WebSocketTransport implements SessionTransport {
  /** Whether reading is paused by the session (and not by the application). */
  private pausedByUs = false;

  constructor(private readonly connection: SocketConnection) {}

  sendText(text: string): boolean {
    return this.connection.send(text) !== 'dropped';
  }

  sendFrame(frame: Buffer): boolean {
    return this.connection.sendFrame(frame) !== 'dropped';
  }

  pauseRequests(): void {
    if (this.pausedByUs || this.connection.readingPaused) return;
    this.pausedByUs = true;
    this.connection.pause();
  }

  resumeRequests(): void {
    if (!this.pausedByUs) return;
    this.pausedByUs = false;
    this.connection.resume();
  }

  ended(reason: SessionEndReason): void {
    if (reason === 'too-many-invalid') {
      this.connection.close(CloseCode.PolicyViolation, 'Too many invalid messages');
      // 1013 Try Again Later: the client comes back and resumes from its last ids.
    } else if (this.connection.readyState === OPEN) {
      this.connection.close(CloseCode.TryAgainLater, 'Too slow: send buffer limit reached');
    }
  }
}

/** A session of `switchboard.v1` on `connection`, started; the server gives it the frames and the close. */
export function openWebSocketSession(connection: SocketConnection, request: IncomingMessage, settings: SessionSettings): PubSubSession {
  const session = new PubSubSession(new WebSocketTransport(connection), request, settings);
  session.start();
  return session;
}

/** A frame from the client, for its session: JSON text only. */
export function receiveFrame(session: PubSubSession, connection: SocketConnection, data: Buffer, isBinary: boolean, settings: SessionSettings): void {
  if (session.isClosed) return;
  if (isBinary) {
    session.close();
    connection.close(CloseCode.UnsupportedData, 'switchboard.v1 takes JSON text frames only');
    return;
  }
  // An oversized frame is refused by its length alone, never decoded.
  session.receive(data.length > settings.maxMessageBytes ? '' : data.toString('utf8'), data.length);
}
