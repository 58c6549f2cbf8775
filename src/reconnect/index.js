export { Backoff, DEFAULT_BACKOFF, INITIAL_BACKOFF_STATE, backoffConnected, backoffNext, baseDelay, jitteredDelay, resolveBackoffOptions, } from '../protocol/reconnect/backoff.js';
export { ReconnectingWebSocket } from './reconnecting-websocket.js';
export { DEFAULT_STOP_CODES } from './reconnect-options.js';
export { DropEvent, PublishError, ReconnectEvent, ReconnectingCloseEvent, ReconnectingErrorEvent, ResumeEvent, ServerErrorEvent, } from './reconnect-events.js';
//# sourceMappingURL=index.js.map