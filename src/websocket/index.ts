export {
  type BinaryType,
  type ConnectionOptions,
  type SendData,
  type SendResult,
  CLOSED,
  CLOSING,
  CONNECTING,
  OPEN,
  WebSocketConnection,
} from './connection.js';
export { type Rejection, type VerifyResult, WebSocketServer, type WebSocketServerOptions } from './server.js';
export { WebSocket, type WebSocketClientOptions } from './client.js';
export {
  DEFAULT_HEARTBEAT_INTERVAL,
  DEFAULT_HEARTBEAT_TIMEOUT,
  Heartbeat,
  type HeartbeatOptions,
  type HeartbeatPeer,
  heartbeatClock,
} from './heartbeat.js';
export { type IncomingMessage } from './message-iterator.js';
export { CloseEvent, ErrorEvent, MessageEvent, WebSocketEvent } from './events.js';
