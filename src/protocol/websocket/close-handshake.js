import { CloseCode } from './close-codes.js';
import { encodeClosePayload } from './close-payload.js';
/**
 * The closing handshake, RFC 6455 §5.5.1 and §7, without any I/O:
 *
 *          close() / fail               peer's close arrives
 *   open ──────────────────▶ closing ───────────────────────▶ closed
 *     │     (send our close)                (nothing to send)
 *     │
 *     └────────────────────────────────────────────────────▶ closed
 *          peer's close arrives (echo its code, §5.5.1)
 *
 * Each method returns the close payload to send, if any. After `closed` the
 * server closes the TCP connection at once; a client waits a little for the
 * server to do it (§7.1.1), so the server holds the TIME_WAIT state.
 */
export class CloseHandshake {
    sent = false;
    received;
    /** Who sent the first close frame. */
    initiator;
    get state() {
        if (this.sent && this.received)
            return 'closed';
        return this.sent ? 'closing' : 'open';
    }
    /**
     * This endpoint starts the close (or fails the connection, §7.1.7, with the
     * parser's code). Returns the payload of the close frame to send, or undefined
     * when a close frame was already sent. Throws on a code or reason that may not
     * be sent, before changing any state.
     */
    close(code, reason) {
        if (this.sent)
            return undefined;
        const payload = encodeClosePayload(code, reason);
        this.sent = true;
        this.initiator ??= 'local';
        return payload;
    }
    /**
     * The peer's close frame arrived. Returns the payload to echo back — the same
     * status code, as §5.5.1 suggests — or undefined when ours was already sent.
     */
    receive(code, reason) {
        if (this.received)
            return undefined;
        this.received = { code, reason };
        this.initiator ??= 'remote';
        if (this.sent)
            return undefined;
        this.sent = true;
        return code === CloseCode.NoStatusReceived ? Buffer.alloc(0) : encodeClosePayload(code);
    }
    /** The outcome to report once the TCP connection is gone (§7.1.5, §7.1.6). */
    outcome() {
        if (!this.received)
            return { code: CloseCode.Abnormal, reason: '', wasClean: false };
        return { code: this.received.code, reason: this.received.reason, wasClean: this.sent };
    }
}
//# sourceMappingURL=close-handshake.js.map