export { type BinaryType, WebSocketConnection } from './connection.js';
export { type ConnectionOptions } from './connection-settings.js';
export { type PerMessageDeflateOption, type PerMessageDeflateOptions } from './deflate-options.js';
export { type ReadyState, type SendResult, CLOSED, CLOSING, CONNECTING, OPEN } from './ready-state.js';
export { SocketAdapter } from './socket-adapter.js';
export { SocketConnection } from './socket-connection.js';
export { type SendData } from './send-data.js';
export {
  type Rejection,
  type ServerFace,
  type VerifyResult,
  WebSocketServer,
  WebSocketServerBase,
  type WebSocketServerOptions,
} from './server.js';
export { LeanWebSocketServer, type LeanWebSocketServerOptions } from './lean-server.js';
export { LeanWebSocket, type WebSocketHandlers } from './lean-connection.js';
export { WebSocket, type WebSocketClientOptions } from './client.js';
export { type CarrierKind } from './carrier.js';
export { type HandshakeRequest, type Http2ConnectRequest } from './handshake-request.js';
export {
  DEFAULT_HEARTBEAT_INTERVAL,
  DEFAULT_HEARTBEAT_TIMEOUT,
  Heartbeat,
  type HeartbeatOptions,
  heartbeatClock,
} from './heartbeat.js';
export { type IncomingMessage } from './message-iterator.js';
export { WebSocketCloseEvent, WebSocketErrorEvent, WebSocketMessageEvent, WebSocketEvent, type WebSocketEventMap } from './events.js';
export { type TraceOption, traceConnection, traceOf } from './wire-trace.js';
