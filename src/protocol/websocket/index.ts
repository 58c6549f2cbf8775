// The WebSocket protocol core, RFC 6455, in reading order: the opening
// handshake (§4), framing (§5), then closing (§7). Pure: no sockets, no timers.
export { computeAccept, generateKey, isValidKey, WEBSOCKET_GUID } from './handshake-key.js';
export { type ExtensionOffer, formatExtensions, isToken, listHasToken, parseExtensions, parseTokenList } from './header-grammar.js';
export { type HeaderValue, type Headers, type OutgoingHeaders, formatHead, headerValue } from './http-head.js';
export { STATUS_REASONS, reasonPhrase, statusLine } from '../http-status.js';
export {
  type AcceptOptions,
  type AcceptedUpgrade,
  type RejectedUpgrade,
  type UpgradeRequest,
  buildAcceptResponse,
  buildRejectResponse,
  validateUpgradeRequest,
} from './server-handshake.js';
export {
  type ClientHandshakeOptions,
  type UpgradeResponse,
  type UpgradeResponseCheck,
  clientHandshakeHeaders,
  validateUpgradeResponse,
} from './client-handshake.js';
export {
  type AcceptedConnect,
  type ConnectAcceptOptions,
  type ConnectRequestOptions,
  type Http2HeaderBlock,
  type RejectedConnect,
  buildConnectRejection,
  buildConnectResponse,
  clientConnectHeaders,
  validateConnectResponse,
  validateExtendedConnect,
} from './http2-handshake.js';
export {
  type DeflateNegotiation,
  type DeflateOfferParameters,
  type DeflateOptions,
  type DeflateParameters,
  type DeflateParse,
  type WindowBits,
  PERMESSAGE_DEFLATE,
  acceptDeflateResponse,
  deflateOffer,
  deflateOfferExtension,
  deflateOfferParameters,
  negotiateDeflate,
  parseDeflateOffer,
} from './permessage-deflate.js';
export { type CompressionPlan, type DeflateStreamPlan, DEFLATE_TAIL, RSV1, compressionPlan, removeDeflateTail } from './compressed-message.js';
export { Opcode, type ControlOpcode, type DataOpcode, type KnownOpcode, isControlOpcode, isKnownOpcode } from './opcodes.js';
export { type FrameHeader, encodeFrameHeader, frameHeaderSize, writeFrameHeader } from './frame-header.js';
export { applyMask, applyMaskKey } from './mask.js';
export { type MaskKeySource, createMaskKeySource } from './mask-key.js';
export {
  type FrameOptions,
  type MessageOptions,
  type SharedFrameParts,
  encodeFrame,
  encodeMessage,
  encodeSharedFrame,
  sharedFrameParts,
} from './frame-encoder.js';
export { Utf8Validator } from './utf8-validator.js';
export { MessageBuffer } from './message-buffer.js';
export {
  DEFAULT_MAX_FRAGMENTS,
  DEFAULT_MAX_PAYLOAD,
  FrameParser,
  type FrameParserOptions,
  type ParserEvent,
  type Role,
} from './frame-parser.js';
export { ProtocolError } from './protocol-error.js';
export { CloseCode, isValidCloseCode } from './close-codes.js';
export { type ClosePayload, MAX_CLOSE_REASON_BYTES, encodeClosePayload, parseClosePayload } from './close-payload.js';
export { type CloseOutcome, type CloseState, CloseHandshake } from './close-handshake.js';
export { type WriteCallback, Outgoing } from './outgoing.js';
export { type EndpointEvent, type EndpointSettings, type SendOpcode, WebSocketProtocol } from './endpoint.js';
