export {
  Backoff,
  DEFAULT_BACKOFF,
  INITIAL_BACKOFF_STATE,
  backoffConnected,
  backoffNext,
  baseDelay,
  jitteredDelay,
  resolveBackoffOptions,
  type BackoffOptions,
  type BackoffState,
  type RandomSource,
} from '../protocol/reconnect/backoff.js';
export {
  DEFAULT_STOP_CODES,
  ReconnectingWebSocket,
  type ChannelEvent,
  type ChannelHandler,
  type ChannelSubscriptionHandle,
  type ReconnectingWebSocketOptions,
} from './reconnecting-websocket.js';
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
