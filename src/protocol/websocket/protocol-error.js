/**
 * The one error type the frame parser throws. It carries the close code the
 * endpoint must send when it fails the connection (RFC 6455 §7.1.7), so the I/O
 * layer never has to map messages to codes.
 */
export class ProtocolError extends Error {
    closeCode;
    name = 'ProtocolError';
    constructor(
    /** The close code to send: 1002, 1007 or 1009. */
    closeCode, message) {
        super(message);
        this.closeCode = closeCode;
    }
}
//# sourceMappingURL=protocol-error.js.map