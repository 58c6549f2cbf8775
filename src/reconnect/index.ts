export {
  Backoff,
  DECORRELATED_MULTIPLIER,
  DEFAULT_BACKOFF,
  INITIAL_BACKOFF_STATE,
  backoffConnected,
  backoffNext,
  baseDelay,
  jitteredDelay,
  resolveBackoffOptions,
  type BackoffOptions,
  type BackoffState,
  type JitterPolicy,
  type RandomSource,
} from '../protocol/reconnect/backoff.js';
export { ReconnectingWebSocket, type ChannelSubscriptionHandle } from './reconnecting-websocket.js';
export { DEFAULT_STOP_CODES, type ReconnectingWebSocketOptions } from './reconnect-options.js';
// The channel handler types live in the pure pub/sub core, shared with other clients.
export type { ChannelEvent, ChannelHandler } from '../protocol/pubsub/client-channels.js';
export {
  DropEvent,
  PublishError,
  ReconnectEvent,
  ReconnectingCloseEvent,
  ReconnectingErrorEvent,
  ResumeEvent,
  ServerErrorEvent,
  type DropReason,
} from './reconnect-events.js';
