import { CloseHandshake } from './close-handshake.js';
import { encodeFrame } from './frame-encoder.js';
import { FrameParser } from './frame-parser.js';
import { Opcode } from './opcodes.js';
import { Outgoing } from './outgoing.js';
import { ProtocolError } from './protocol-error.js';
/** One function for every endpoint's parser (`this` is the endpoint): no closure each. */
let onParserEvent;
/**
 * One end of a WebSocket connection, RFC 6455, without any I/O: bytes in
 * (`receive`), events and bytes out (`onEvent`, `takeOutgoing`), and the
 * application's `send`, `ping`, `pong`, `close` and `fail`. A carrier (a TCP
 * socket, an HTTP/2 stream, a test) moves bytes between the peer and this
 * object, and closes the transport when `closeTransport` says so.
 *
 * The rules it keeps:
 * - a ping is answered with a pong carrying the same data (§5.5.2), unless a
 *   close frame was sent or received;
 * - the peer's close frame is echoed with its status code (§5.5.1) unless ours
 *   went first, and nothing more is read after it;
 * - no data frame is sent after a close frame (§5.5.1);
 * - a protocol violation fails the connection (§7.1.7): a close frame with the
 *   violation's code, nothing more read, the transport closed;
 * - once both close frames have crossed, the server closes the TCP connection
 *   first (§7.1.1); a client waits for it (its carrier bounds the wait).
 *
 * Memory: an endpoint at rest (`atRest`) holds nothing a new one would not, so
 * a carrier with many quiet connections may let it go when bytes stop moving,
 * and take a spare one (`reuse`) when they move again. `onEvent` is called
 * with `this` set to `receiver`, so one function can serve every endpoint
 * without a closure each.
 */
export class WebSocketProtocol {
    settings;
    #parser;
    /** Made when a close frame goes out (ours, or the echo of the peer's): until then the state is 'open'. */
    #handshake;
    #outgoing;
    #failure;
    #framesRead = 0;
    #onEvent;
    #receiver;
    constructor(settings, onEvent, receiver) {
        this.settings = settings;
        this.#onEvent = onEvent;
        this.#receiver = receiver;
    }
    /** 'open', 'closing' once a close frame went out, 'closed' once both have crossed. */
    get state() {
        return this.#handshake?.state ?? 'open';
    }
    /** The connection failed (§7.1.7), by the peer's fault or by `fail`. */
    get failed() {
        return this.#failure !== undefined;
    }
    /**
     * The carrier should close the transport once the outgoing bytes are written:
     * after a failure (§7.1.7), or on a server once the closing handshake is done (§7.1.1).
     */
    get closeTransport() {
        return this.#failure !== undefined || (this.settings.role === 'server' && this.#handshake?.state === 'closed');
    }
    /** Nothing held: no message half read, no close begun, nothing waiting to go out. */
    get atRest() {
        return this.#handshake === undefined && this.#outgoing === undefined && (this.#parser === undefined || this.#parser.atRest);
    }
    /** Frames completed by the last `receive` (whole frames, control or data). */
    get framesRead() {
        return this.#framesRead;
    }
    /**
     * The data message being read (a number that changes with each message), or 0
     * between messages: lets a carrier bound how long one message may take.
     */
    get messageInProgress() {
        return this.#parser?.messageInProgress ?? 0;
    }
    /** Bytes produced and not taken by the carrier yet. */
    get bufferedBytes() {
        return this.#outgoing?.bytes ?? 0;
    }
    /** What the application is told once the transport is gone (§7.1.5, §7.1.6). */
    outcome() {
        return this.#handshake?.outcome() ?? { code: 1006, reason: '', wasClean: false };
    }
    // ---- Bytes in ----
    /**
     * Reads bytes from the peer, or only their first `maxFrames` frames, and
     * returns how many bytes were read: a carrier that bounds the work done per
     * peer feeds the rest later. Takes ownership of `chunk` (masked payloads are
     * unmasked in place). Bytes after a close frame or a failure count as read
     * and are ignored.
     */
    receive(chunk, maxFrames = Infinity) {
        this.#framesRead = 0;
        if (this.#failure)
            return chunk.length;
        let read;
        const parser = (this.#parser ??= new FrameParser({
            role: this.settings.role,
            maxPayload: this.settings.maxPayload,
            maxFragments: this.settings.maxFragments,
            onEvent: onParserEvent,
            receiver: this,
        }));
        try {
            read = parser.push(chunk, maxFrames);
        }
        catch (error) {
            if (!(error instanceof ProtocolError))
                throw error;
            // Failed already (by `fail` during this read): the rest of the bytes do not count.
            if (this.#failure)
                return chunk.length;
            this.#onEvent.call(this.#receiver, { type: 'error', error });
            this.#failWith(error);
            return chunk.length;
        }
        finally {
            this.#framesRead = parser.framesRead;
        }
        return read;
    }
    /**
     * Hands an endpoint at rest to another connection with the same settings: it
     * goes on as a new one would, without the cost of making one (a carrier keeps
     * a few spare endpoints for its busy connections). Throws if not at rest.
     */
    reuse(receiver) {
        if (!this.atRest)
            throw new Error('Only an endpoint at rest can serve another connection');
        this.#receiver = receiver;
        this.#framesRead = 0;
    }
    /** The parser's events, answered where the RFC says so, then passed on. */
    #handleFrame(event) {
        // A failure from the application's side (`fail`) in the middle of a read ends it.
        if (this.#failure)
            return;
        switch (event.type) {
            case 'message':
                // Once a close frame has gone out, the application is told nothing more (WHATWG readyState CLOSING).
                if (this.#handshake !== undefined)
                    return;
                break;
            case 'ping':
                // §5.5.2: a pong with the same application data.
                if (this.#handshake === undefined)
                    this.#queue(encodeFrame(event.data, { opcode: Opcode.Pong, mask: this.settings.mask }));
                break;
            case 'close': {
                // §5.5.1: echo the status code, unless our close went first.
                const echo = (this.#handshake ??= new CloseHandshake()).receive(event.code, event.reason);
                if (echo !== undefined)
                    this.#queueClose(echo);
                break;
            }
        }
        this.#onEvent.call(this.#receiver, event);
    }
    // ---- Bytes out ----
    /**
     * Queues a data or control frame. Returns false, queuing nothing, once a close
     * frame has gone out or the connection failed (§5.5.1).
     */
    send(payload, opcode, callback) {
        if (this.#handshake !== undefined || this.#failure)
            return false;
        this.#queue(encodeFrame(payload, { opcode, mask: this.settings.mask }), callback);
        return true;
    }
    /**
     * Queues a whole frame encoded beforehand (`encodeSharedFrame`), so a broadcast
     * encodes once for every recipient. Server side only: a client's frames each
     * need a fresh masking key.
     */
    sendFrame(frame, callback) {
        if (this.settings.mask)
            throw new TypeError('sendFrame is for server-side connections: client frames must be masked');
        if (this.#handshake !== undefined || this.#failure)
            return false;
        this.#queue([frame], callback);
        return true;
    }
    /**
     * Starts the closing handshake (§7.1.2). Without a code the close frame is
     * empty (the peer sees 1005). Returns false when a close frame went out
     * already. Throws, changing nothing, on a code or reason that may not be sent.
     */
    close(code, reason) {
        const payload = this.#startClose(code, reason);
        if (payload === undefined)
            return false;
        this.#queueClose(payload);
        return true;
    }
    /**
     * Fails the connection on this side's initiative (§7.1.7), e.g. for a local
     * limit: a close frame with `code` if none went out yet, then nothing more
     * read, and the transport closed.
     */
    fail(code, reason) {
        if (!this.#failure)
            this.#failWith(new ProtocolError(code, reason));
    }
    /** Everything produced since the last call, for the carrier to write in one go. */
    takeOutgoing() {
        const outgoing = this.#outgoing;
        this.#outgoing = undefined;
        return outgoing;
    }
    #failWith(error) {
        // A close reason is at most 123 bytes (§5.5); a longer message goes without one.
        const reason = Buffer.byteLength(error.message) <= 123 ? error.message : '';
        // Checked first: a code that may not be sent throws before anything changes.
        const payload = this.#startClose(error.closeCode, reason);
        this.#failure = error;
        this.#parser = undefined;
        if (payload !== undefined)
            this.#queueClose(payload);
    }
    /** Our side of the closing handshake; a code or reason that may not be sent throws and leaves nothing behind. */
    #startClose(code, reason) {
        const handshake = this.#handshake ?? new CloseHandshake();
        const payload = handshake.close(code, reason);
        this.#handshake = handshake;
        return payload;
    }
    #queueClose(payload) {
        this.#queue(encodeFrame(payload, { opcode: Opcode.Close, mask: this.settings.mask }));
    }
    #queue(frames, callback) {
        (this.#outgoing ??= new Outgoing()).push(frames, callback);
    }
    static {
        onParserEvent = function (event) {
            this.#handleFrame(event);
        };
    }
}
//# sourceMappingURL=endpoint.js.map