// The WebSocket protocol core, RFC 6455, in reading order: the opening
// handshake (§4), framing (§5), then closing (§7). Pure: no sockets, no timers.
export { computeAccept, generateKey, isValidKey, WEBSOCKET_GUID } from './handshake-key.js';
export { formatExtensions, isToken, listHasToken, parseExtensions, parseTokenList } from './header-grammar.js';
export { formatHead, headerValue } from './http-head.js';
export { STATUS_REASONS, reasonPhrase, statusLine } from '../http-status.js';
export { buildAcceptResponse, buildRejectResponse, validateUpgradeRequest, } from './server-handshake.js';
export { clientHandshakeHeaders, validateUpgradeResponse, } from './client-handshake.js';
export { PERMESSAGE_DEFLATE, acceptDeflateResponse, deflateOffer, deflateOfferParameters, negotiateDeflate, parseDeflateOffer, } from './permessage-deflate.js';
export { Opcode, isControlOpcode, isKnownOpcode } from './opcodes.js';
export { encodeFrameHeader, frameHeaderSize, writeFrameHeader } from './frame-header.js';
export { applyMask, applyMaskKey } from './mask.js';
export { createMaskKeySource } from './mask-key.js';
export { encodeFrame, encodeMessage, encodeSharedFrame } from './frame-encoder.js';
export { Utf8Validator } from './utf8-validator.js';
export { MessageBuffer } from './message-buffer.js';
export { DEFAULT_MAX_FRAGMENTS, DEFAULT_MAX_PAYLOAD, FrameParser, } from './frame-parser.js';
export { ProtocolError } from './protocol-error.js';
export { CloseCode, isValidCloseCode } from './close-codes.js';
export { MAX_CLOSE_REASON_BYTES, encodeClosePayload, parseClosePayload } from './close-payload.js';
export { CloseHandshake } from './close-handshake.js';
export { Outgoing } from './outgoing.js';
export { WebSocketProtocol } from './endpoint.js';
//# sourceMappingURL=index.js.map