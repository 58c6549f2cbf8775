/**
 * Frame opcodes, RFC 6455 §5.2 and §11.8.
 * 0x3–0x7 are reserved for further data frames and 0xB–0xF for further control
 * frames; a peer that uses one without an extension defining it is in error.
 */
export const Opcode = {
    Continuation: 0x0,
    Text: 0x1,
    Binary: 0x2,
    Close: 0x8,
    Ping: 0x9,
    Pong: 0xa,
};
/** §5.5: control frames are those whose opcode has the most significant bit set. */
export function isControlOpcode(opcode) {
    return (opcode & 0x8) !== 0;
}
export function isKnownOpcode(opcode) {
    return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xa);
}
//# sourceMappingURL=opcodes.js.map