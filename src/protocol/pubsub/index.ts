// The `switchboard.v1` pub/sub subprotocol over WebSocket: message types, validators and
// encoders, and the client's channel state. Pure: no sockets, no timers, no hub.
export {
  DEFAULT_PUBSUB_LIMITS,
  ERROR_CODES,
  GAP_REASONS,
  PUBSUB_PROTOCOL,
  type ChannelMessage,
  type ClientMessage,
  type ErrorMessage,
  type GapMessage,
  type PubSubErrorCode,
  type PubSubGapReason,
  type PubSubLimits,
  type PublishMessage,
  type PublishedMessage,
  type PingMessage,
  type RestartMessage,
  type ServerMessage,
  type SubscribeMessage,
  type SubscribedMessage,
  type UnsubscribeMessage,
  type UnsubscribedMessage,
} from './messages.js';
export { parseClientMessage, parseServerMessage, resolvePubSubLimits, type ParseResult } from './parse.js';
export { encodeClientMessage, encodeServerMessage } from './encode.js';
export {
  ClientChannels,
  type ChannelEvent,
  type ChannelHandler,
  type ClientChannelEffect,
} from './client-channels.js';
