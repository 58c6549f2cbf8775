/**
 * Close status codes, RFC 6455 §7.4 and the IANA "WebSocket Close Code Number"
 * registry (§11.7), which added 1012–1014 after the RFC.
 */
export const CloseCode = {
    Normal: 1000,
    GoingAway: 1001,
    ProtocolError: 1002,
    UnsupportedData: 1003,
    /** Reserved: never sent on the wire; reported when a close frame had no code. */
    NoStatusReceived: 1005,
    /** Reserved: never sent on the wire; reported when the TCP connection dropped without a close frame. */
    Abnormal: 1006,
    InvalidPayload: 1007,
    PolicyViolation: 1008,
    MessageTooBig: 1009,
    MandatoryExtension: 1010,
    InternalError: 1011,
    ServiceRestart: 1012,
    TryAgainLater: 1013,
    BadGateway: 1014,
};
/**
 * Codes a peer may put in a close frame (§7.4.1, §7.4.2): the defined codes
 * except the reserved ones (1004, 1005, 1006, 1015), plus 3000–3999 (registered
 * by libraries and frameworks) and 4000–4999 (private use). Everything else —
 * 0–999, unassigned 1016–2999, and 5000+ — is a protocol error on receipt.
 * The same set is what an endpoint may send.
 */
export function isValidCloseCode(code) {
    return ((code >= 1000 && code <= 1003) ||
        (code >= 1007 && code <= 1014) ||
        (code >= 3000 && code <= 4999));
}
//# sourceMappingURL=close-codes.js.map