import { CloseCode } from '../protocol/websocket/index.js';
import { OPEN } from '../websocket/index.js';
import { PubSubSession } from './pubsub-session.js';
class WebSocketTransport {
    connection;
    /** Whether reading is paused by the session (and not by the application). */
    pausedByUs = false;
    constructor(connection) {
        this.connection = connection;
    }
    sendText(text) {
        return this.connection.send(text) !== 'dropped';
    }
    sendFrame(frame) {
        return this.connection.sendFrame(frame) !== 'dropped';
    }
    pauseRequests() {
        if (this.pausedByUs || this.connection.readingPaused)
            return;
        this.pausedByUs = true;
        this.connection.pause();
    }
    resumeRequests() {
        if (!this.pausedByUs)
            return;
        this.pausedByUs = false;
        this.connection.resume();
    }
    ended(reason) {
        if (reason === 'too-many-invalid') {
            this.connection.close(CloseCode.PolicyViolation, 'Too many invalid messages');
            // 1013 Try Again Later: the client comes back and resumes from its last ids.
        }
        else if (this.connection.readyState === OPEN) {
            this.connection.close(CloseCode.TryAgainLater, 'Too slow: send buffer limit reached');
        }
    }
}
/** Serves `switchboard.v1` on `connection` until it closes. */
export function openWebSocketSession(connection, request, settings) {
    const session = new PubSubSession(new WebSocketTransport(connection), request, settings);
    connection.on('message', (data, isBinary) => {
        if (session.isClosed)
            return;
        if (isBinary) {
            session.close();
            connection.close(CloseCode.UnsupportedData, 'switchboard.v1 takes JSON text frames only');
            return;
        }
        // An oversized frame is refused by its length alone, never decoded.
        session.receive(data.length > settings.maxMessageBytes ? '' : data.toString('utf8'), data.length);
    });
    connection.on('close', () => session.close());
    session.start();
    return session;
}
//# sourceMappingURL=websocket-session.js.map